// GIDD's mixing schedule (von Rütte et al. 2025, dvruette/gidd v1.1.0 `HybridDiffusion`): a clean mass
// alpha_t, a MASK mass and a uniform mass over the V - 1 real tokens, with values and time derivatives.
import { tf } from "../engine/tf";
import { Schedule, checkPositive, checkTime } from "./schedule";

/** Options of {@link GiddSchedule}. */
export interface GiddScheduleOptions {
  /** Total uniform-noise mass at t = 1/2, in [0, 1). p_u = 0 gives MDLM's masking schedule (up to the log B floor). */
  pu: number;
  /** Shape exponent gamma > 0 (1 in the released runs). */
  gamma?: number;
  /** Floor on log B (the reference clips at -20). */
  logBFloor?: number;
}

/**
 * GIDD mixing schedule (baselines.md §2, GIDD eq. for `HybridDiffusion`):
 * `B = 2^gamma p_u/(1-p_u)` (stored as log B, floored at -20), `c_t = B t^{gamma/2}(1-t)^{gamma/2}`,
 * `C_t = 1 + c_t`, `alpha_t = (1-t)/C_t`, mask mass `t/C_t`, uniform mass `c_t/C_t` spread over V - 1 tokens.
 * `alpha` is the probability that a token is still its clean value through the "clean" branch (the uniform
 * branch can also land on it: see {@link giddMarginal}).
 */
export class GiddSchedule implements Schedule {
  readonly name: string;
  readonly pu: number;
  readonly gamma: number;
  readonly logB: number;
  readonly B: number;

  constructor(options: GiddScheduleOptions) {
    const { pu } = options;
    if (typeof pu !== "number" || !Number.isFinite(pu) || pu < 0 || pu >= 1) {
      throw new RangeError(`pu must be a number in [0, 1), got ${pu}`);
    }
    this.gamma = checkPositive(options.gamma ?? 1, "gamma");
    const floor = options.logBFloor ?? -20;
    if (!Number.isFinite(floor)) throw new RangeError(`logBFloor must be finite, got ${floor}`);
    const raw = pu === 0 ? -Infinity : this.gamma * Math.LN2 + Math.log(pu) - Math.log1p(-pu);
    this.pu = pu;
    this.logB = Math.max(raw, floor);
    this.B = Math.exp(this.logB);
    this.name = `gidd(pu=${pu}, gamma=${this.gamma})`;
  }

  /** c_t = B t^{gamma/2} (1-t)^{gamma/2}. */
  c(t: number): number {
    checkTime(t);
    const g = this.gamma / 2;
    return this.B * Math.pow(t, g) * Math.pow(1 - t, g);
  }

  /** dc_t/dt = (gamma/2)(1-2t)/(t(1-t)) c_t, written without the 0/0 at the ends. */
  cPrime(t: number): number {
    checkTime(t);
    const g = this.gamma / 2;
    // d/dt [t^g (1-t)^g] = g t^{g-1}(1-t)^{g-1}(1-2t)
    return this.B * g * Math.pow(t, g - 1) * Math.pow(1 - t, g - 1) * (1 - 2 * t);
  }

  /** C_t = 1 + c_t. */
  C(t: number): number {
    return 1 + this.c(t);
  }

  /** alpha_t = (1-t)/C_t. */
  alpha(t: number): number {
    return (1 - t) / this.C(t);
  }

  /** d alpha_t/dt = -(C_t + (1-t) c'_t)/C_t^2. */
  alphaPrime(t: number): number {
    const C = this.C(t);
    return -(C + (1 - t) * this.cPrime(t)) / (C * C);
  }

  /** Total MASK mass t/C_t. */
  maskMass(t: number): number {
    return t / this.C(t);
  }

  /** d(t/C_t)/dt = (C_t - t c'_t)/C_t^2. */
  maskMassPrime(t: number): number {
    const C = this.C(t);
    return (C - t * this.cPrime(t)) / (C * C);
  }

  /** Total uniform mass c_t/C_t (over all V - 1 real tokens together). */
  uniformMass(t: number): number {
    const c = this.c(t);
    return c / (1 + c);
  }

  /** d(c_t/C_t)/dt = c'_t/C_t^2. */
  uniformMassPrime(t: number): number {
    const C = this.C(t);
    return this.cPrime(t) / (C * C);
  }

  /** c_t elementwise. */
  cTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const g = this.gamma / 2;
      return tf.mul(this.B, tf.pow(tf.mul(t, tf.sub(1, t)), g));
    });
  }

  /** c'_t elementwise. */
  cPrimeTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const g = this.gamma / 2;
      const base = tf.pow(tf.mul(t, tf.sub(1, t)), g - 1);
      return tf.mul(this.B * g, tf.mul(base, tf.sub(1, tf.mul(2, t))));
    });
  }

  alphaTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.div(tf.sub(1, t), tf.add(1, this.cTensor(t))));
  }

  alphaPrimeTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const C = tf.add(1, this.cTensor(t));
      const num = tf.add(C, tf.mul(tf.sub(1, t), this.cPrimeTensor(t)));
      return tf.neg(tf.div(num, tf.square(C)));
    });
  }

  /** t/C_t elementwise. */
  maskMassTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.div(t, tf.add(1, this.cTensor(t))));
  }

  /** c_t/C_t elementwise. */
  uniformMassTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const c = this.cTensor(t);
      return tf.div(c, tf.add(1, c));
    });
  }
}

/**
 * q_t(. | x) over all V states (V - 1 real tokens then MASK at index `maskId`): alpha_t on x, t/C_t on MASK,
 * c_t/(C_t (V-1)) on every real token (x included). Rows sum to 1. Plain numbers, for tests and small tables.
 */
export function giddMarginal(schedule: GiddSchedule, t: number, x: number, V: number, maskId = V - 1): Float64Array {
  checkVocab(V, maskId, "giddMarginal");
  if (!Number.isInteger(x) || x < 0 || x >= V || x === maskId) {
    throw new RangeError(`x must be a real token id in [0, ${V}) other than maskId ${maskId}, got ${x}`);
  }
  const q = new Float64Array(V);
  const u = schedule.uniformMass(t) / (V - 1);
  for (let v = 0; v < V; v++) q[v] = v === maskId ? schedule.maskMass(t) : u;
  q[x] += schedule.alpha(t);
  return q;
}

/** Throws unless V >= 2 and maskId is a valid id. */
export function checkVocab(V: number, maskId: number, where: string): void {
  if (!Number.isInteger(V) || V < 2) throw new RangeError(`${where}: V (states including MASK) must be an integer >= 2, got ${V}`);
  if (!Number.isInteger(maskId) || maskId < 0 || maskId >= V) {
    throw new RangeError(`${where}: maskId must be an integer in [0, ${V}), got ${maskId}`);
  }
}
