// The HDLM two-stage schedule (token -> cluster -> MASK): alpha_t, clusterMass c_t, maskMass m_t,
// their derivatives and the ELBO weights w_c, w_m, as numbers and as tensors (hdlm.md §2.1-§3.1).
import { tf } from "../engine/tf";
import { Schedule, checkPositive, checkTime } from "./schedule";

/** The reference's floor on the weight denominators: `max(c_t, 1e-4)`, `max(m_t, 1e-4)` (hdlm.md §3.1). */
export const WEIGHT_DENOMINATOR_FLOOR = 1e-4;
/** |gamma - 1| below this uses the gamma = 1 closed forms (the general formula is 0/0 there). */
export const GAMMA_ONE_TOLERANCE = 1e-6;
/** Below this t, maskMass uses its Taylor series (the closed form cancels catastrophically). */
export const MASK_MASS_SERIES_BELOW = 1e-3;

/** A schedule that also exposes the three-way split alpha_t + c_t + m_t = 1 and the HDLM weights. */
export interface HierarchicalScheduleLike extends Schedule {
  readonly gamma: number;
  clusterMass(t: number): number;
  maskMass(t: number): number;
  clusterMassPrime(t: number): number;
  maskMassPrime(t: number): number;
  weightCluster(t: number): number;
  weightMask(t: number): number;
}

/**
 * HDLM schedule with exponent gamma > 0 (hdlm.md §2.1, `get_alpha_betapi` of the reference):
 * - alpha_t = (1-t)^gamma
 * - c_t = gamma((1-t) - (1-t)^gamma)/(gamma-1)   (gamma = 1: -(1-t) ln(1-t))
 * - m_t = 1 - alpha_t - c_t                       (gamma = 1: t + (1-t) ln(1-t))
 * These are the marginals of the chain token -> cluster (rate gamma/(1-t)) -> MASK (rate 1/(1-t)), §2.2.
 */
export class HierarchicalSchedule implements HierarchicalScheduleLike {
  readonly name: string;
  readonly gamma: number;
  private readonly one: boolean;
  private readonly two: boolean;

  constructor(options: { gamma?: number } = {}) {
    const gamma = options.gamma ?? 1;
    checkPositive(gamma, "gamma");
    this.gamma = gamma;
    this.one = Math.abs(gamma - 1) < GAMMA_ONE_TOLERANCE;
    this.two = gamma === 2;
    this.name = `hdlm(gamma=${gamma})`;
  }

  /** alpha_t = (1-t)^gamma: probability the token is still clean. */
  alpha(t: number): number {
    checkTime(t);
    return this.two ? (1 - t) * (1 - t) : Math.pow(1 - t, this.gamma);
  }

  /** d alpha_t/dt = -gamma (1-t)^(gamma-1). */
  alphaPrime(t: number): number {
    checkTime(t);
    if (this.one) return -1;
    if (this.two) return -2 * (1 - t);
    return -this.gamma * Math.pow(1 - t, this.gamma - 1);
  }

  /** c_t: probability the position holds a cluster token (hdlm.md §2.1). */
  clusterMass(t: number): number {
    checkTime(t);
    if (t === 0 || t === 1) return 0;
    if (this.one) return -(1 - t) * Math.log1p(-t);
    if (this.two) return 2 * t * (1 - t);
    const g = this.gamma;
    return (g * ((1 - t) - Math.pow(1 - t, g))) / (g - 1);
  }

  /** m_t: probability the position is [MASK]; a Taylor series below t = 1e-3 (hdlm.md §2.1 numerics). */
  maskMass(t: number): number {
    checkTime(t);
    if (t === 1) return 1;
    if (t < MASK_MASS_SERIES_BELOW) return maskMassSeries(this.one ? 1 : this.gamma, t);
    if (this.one) return t + (1 - t) * Math.log1p(-t);
    if (this.two) return t * t;
    return 1 - this.alpha(t) - this.clusterMass(t);
  }

  /** m'_t = c_t/(1-t) (hdlm.md §2.2): gamma(1-(1-t)^(gamma-1))/(gamma-1), or -ln(1-t) for gamma = 1. */
  maskMassPrime(t: number): number {
    checkTime(t);
    if (this.one) return -Math.log1p(-t);
    if (this.two) return 2 * t;
    const g = this.gamma;
    return (g * (1 - Math.pow(1 - t, g - 1))) / (g - 1);
  }

  /** c'_t = -alpha'_t - c_t/(1-t) = -alpha'_t - m'_t (hdlm.md §2.2). */
  clusterMassPrime(t: number): number {
    return -this.alphaPrime(t) - this.maskMassPrime(t);
  }

  /** w_c = -alpha'_t / max(c_t, 1e-4): the total rate cluster -> clean token (hdlm.md §3.1). */
  weightCluster(t: number): number {
    return -this.alphaPrime(t) / Math.max(this.clusterMass(t), WEIGHT_DENOMINATOR_FLOOR);
  }

  /** w_m = m'_t / max(m_t, 1e-4): the total rate MASK -> cluster (hdlm.md §3.1). */
  weightMask(t: number): number {
    return this.maskMassPrime(t) / Math.max(this.maskMass(t), WEIGHT_DENOMINATOR_FLOOR);
  }

  alphaTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.alpha(u), "t");
  }
  alphaPrimeTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.alphaPrime(u), "t");
  }
  clusterMassTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.clusterMass(u), "t");
  }
  maskMassTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.maskMass(u), "t");
  }
  maskMassPrimeTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.maskMassPrime(u), "t");
  }
  weightClusterTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.weightCluster(u), "t");
  }
  weightMaskTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.weightMask(u), "t");
  }
}

/** m_t = sum_{k>=2} b_k t^k with b_2 = gamma/2, b_k = b_{k-1}(k-1-gamma)/k (from (1-t)^gamma = sum binom). */
function maskMassSeries(gamma: number, t: number): number {
  let b = gamma / 2;
  let tk = t * t;
  let sum = b * tk;
  for (let k = 3; k <= 8; k++) {
    b *= (k - 1 - gamma) / k;
    tk *= t;
    sum += b * tk;
  }
  return sum;
}

/**
 * The reference's mask weight for gamma != 1 (hdlm.md §3.1 "Reference bug"): it uses
 * m'_t = gamma(1 - (1-t)^(gamma-1)), dropping 1/(gamma-1). Right for gamma in {1, 2}; 2x too large
 * for gamma = 3, 0.5x for gamma = 1.5. Kept only so notebooks can show the bias; never used in losses.
 */
export function referenceWeightMask(gamma: number, t: number): number {
  checkPositive(gamma, "gamma");
  checkTime(t);
  const s = new HierarchicalSchedule({ gamma });
  const mPrime = Math.abs(gamma - 1) < GAMMA_ONE_TOLERANCE ? -Math.log1p(-t) : gamma * (1 - Math.pow(1 - t, gamma - 1));
  return mPrime / Math.max(s.maskMass(t), WEIGHT_DENOMINATOR_FLOOR);
}

/**
 * Applies a scalar function of t elementwise to a tensor of times (in float64 on the host, so the
 * tensor form has exactly the scalar form's numerics, series branches included). Times are per
 * sequence ([B]), so the host round trip is cheap. Throws naming `name` if a time is outside [0, 1].
 */
export function mapTimes(t: tf.Tensor, f: (t: number) => number, name = "t"): tf.Tensor {
  const values = t.dataSync();
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const u = values[i];
    if (!(u >= 0 && u <= 1)) throw new RangeError(`${name} must lie in [0, 1], got ${u} at index ${i}`);
    out[i] = f(u);
  }
  return tf.tensor(out, t.shape, "float32");
}
