// The one interface every noise schedule implements: a signal level alpha(t) and its derivative,
// as numbers for scalar use and as tensors for batched use. Losses and samplers take a Schedule
// (or a richer sub-interface) as an argument and never ask which schedule it is.
import { tf } from "../engine/tf";

/**
 * A noise schedule over time t in [0, 1] (t = 0 clean, t = 1 fully noised).
 * `alpha` is the probability that a token is still clean (discrete processes) or the signal
 * coefficient alpha-bar (continuous processes); `alphaPrime` is its time derivative.
 */
export interface Schedule {
  /** Short name used in tables and figure legends. */
  readonly name: string;
  /** alpha_t for a scalar t in [0, 1]. */
  alpha(t: number): number;
  /** d alpha_t / dt for a scalar t in [0, 1]. */
  alphaPrime(t: number): number;
  /** alpha_t elementwise over a float32 tensor of times. */
  alphaTensor(t: tf.Tensor): tf.Tensor;
  /** d alpha_t / dt elementwise over a float32 tensor of times. */
  alphaPrimeTensor(t: tf.Tensor): tf.Tensor;
}

/** Throws an error naming `name` unless `t` is a finite number in [0, 1]. */
export function checkTime(t: number, name = "t"): number {
  if (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t > 1) {
    throw new RangeError(`${name} must be a number in [0, 1], got ${t}`);
  }
  return t;
}

/** Throws an error naming `name` unless `value` is a finite number > 0. */
export function checkPositive(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
  }
  return value;
}
