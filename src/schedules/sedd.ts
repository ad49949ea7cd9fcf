// SEDD's total-noise schedules sigma(t) with their rates (Lou et al. 2024, `noise_lib.py`): log-linear (shared
// with MDLM's LogLinearSchedule) and geometric, both as Schedules with alpha_t = exp(-sigma(t)).
import { tf } from "../engine/tf";
import { Schedule, checkPositive, checkTime } from "./schedule";
import { LogLinearSchedule } from "./log-linear";

/**
 * A schedule given by its total noise sigma(t) and rate dsigma/dt; `alpha = exp(-sigma)` is the probability
 * that no jump has happened by t (the clean probability under the absorbing graph).
 */
export interface SigmaSchedule extends Schedule {
  sigma(t: number): number;
  dsigma(t: number): number;
  sigmaTensor(t: tf.Tensor): tf.Tensor;
  dsigmaTensor(t: tf.Tensor): tf.Tensor;
}

/**
 * SEDD's default LogLinear noise, `sigma(t) = -log(1 - (1-eps)t)`, `dsigma = (1-eps)/(1 - (1-eps)t)`,
 * eps = 1e-3 (baselines.md §3). The same object as MDLM's schedule, so the two are never defined twice.
 */
export function seddLogLinear(eps = 1e-3): LogLinearSchedule {
  return new LogLinearSchedule({ eps });
}

/**
 * SEDD Geometric noise `sigma(t) = sigmaMin^{1-t} sigmaMax^t`, `dsigma = sigma(t) ln(sigmaMax/sigmaMin)`
 * (baselines.md §3). Defaults are the config's (1e-4, 20); the reference class defaults are (1e-3, 1).
 */
export class GeometricSchedule implements SigmaSchedule {
  readonly name: string;
  readonly sigmaMin: number;
  readonly sigmaMax: number;

  constructor(options: { sigmaMin?: number; sigmaMax?: number } = {}) {
    this.sigmaMin = checkPositive(options.sigmaMin ?? 1e-4, "sigmaMin");
    this.sigmaMax = checkPositive(options.sigmaMax ?? 20, "sigmaMax");
    if (!(this.sigmaMax > this.sigmaMin)) throw new RangeError(`sigmaMax must be > sigmaMin, got sigmaMin = ${this.sigmaMin}, sigmaMax = ${this.sigmaMax}`);
    this.name = `geometric(${this.sigmaMin}, ${this.sigmaMax})`;
  }

  sigma(t: number): number {
    checkTime(t);
    return Math.pow(this.sigmaMin, 1 - t) * Math.pow(this.sigmaMax, t);
  }

  dsigma(t: number): number {
    return this.sigma(t) * Math.log(this.sigmaMax / this.sigmaMin);
  }

  alpha(t: number): number {
    return Math.exp(-this.sigma(t));
  }

  alphaPrime(t: number): number {
    return -this.dsigma(t) * Math.exp(-this.sigma(t));
  }

  sigmaTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(this.sigmaMin, tf.exp(tf.mul(t, Math.log(this.sigmaMax / this.sigmaMin)))));
  }

  dsigmaTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(this.sigmaTensor(t), Math.log(this.sigmaMax / this.sigmaMin)));
  }

  alphaTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.exp(tf.neg(this.sigmaTensor(t))));
  }

  alphaPrimeTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const s = this.sigmaTensor(t);
      return tf.neg(tf.mul(tf.mul(s, Math.log(this.sigmaMax / this.sigmaMin)), tf.exp(tf.neg(s))));
    });
  }
}

/**
 * `e^sigma - 1` computed as SEDD does: `expm1(sigma)` when sigma < 0.5, `exp(sigma) - 1` otherwise
 * (the two agree to rounding, so the branch is continuous).
 */
export function seddExpm1(sigma: number): number {
  if (typeof sigma !== "number" || !Number.isFinite(sigma) || sigma < 0) throw new RangeError(`sigma must be a finite number >= 0, got ${sigma}`);
  return sigma < 0.5 ? Math.expm1(sigma) : Math.exp(sigma) - 1;
}

/** r = 1/(e^sigma - 1): the absorbing-graph ratio p_t(x_0)/p_t(MASK) (baselines.md §3). */
export function seddRatio(sigma: number): number {
  return 1 / seddExpm1(sigma);
}
