// Diffusion-LM's continuous VP schedules of alpha-bar (sqrt, cosine, linear) and their T-step discretisation
// (betas clipped at 0.999, cumulative products, posterior coefficients), as in improved-diffusion.
import { tf } from "../engine/tf";
import { Schedule, checkTime } from "./schedule";

/** Kinds of VP schedule. */
export type VpKind = "sqrt" | "cosine" | "linear";

/**
 * alpha-bar(tau) of a variance-preserving Gaussian diffusion, tau in [0, 1] (baselines.md §4):
 * sqrt `1 - sqrt(tau + 1e-4)` (Diffusion-LM); cosine `cos^2(((tau + 0.008)/1.008) pi/2)` (improved-diffusion);
 * linear `exp(-(0.1 tau + 9.95 tau^2))`, the continuous form of betas linspace(1e-4, 0.02) at T = 1000.
 * `alpha` is alpha-bar, `alphaPrime` its derivative.
 */
export class VpSchedule implements Schedule {
  readonly name: string;
  readonly kind: VpKind;

  constructor(kind: VpKind = "sqrt") {
    if (kind !== "sqrt" && kind !== "cosine" && kind !== "linear") throw new RangeError(`kind must be 'sqrt', 'cosine' or 'linear', got ${String(kind)}`);
    this.kind = kind;
    this.name = `vp-${kind}`;
  }

  alpha(t: number): number {
    checkTime(t);
    switch (this.kind) {
      case "sqrt":
        return 1 - Math.sqrt(t + 1e-4);
      case "cosine":
        return Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      case "linear":
        return Math.exp(-(0.1 * t + 9.95 * t * t));
    }
  }

  alphaPrime(t: number): number {
    checkTime(t);
    switch (this.kind) {
      case "sqrt":
        return -0.5 / Math.sqrt(t + 1e-4);
      case "cosine": {
        const a = ((t + 0.008) / 1.008) * (Math.PI / 2);
        return -2 * Math.cos(a) * Math.sin(a) * (Math.PI / 2 / 1.008);
      }
      case "linear":
        return -(0.1 + 19.9 * t) * this.alpha(t);
    }
  }

  alphaTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      switch (this.kind) {
        case "sqrt":
          return tf.sub(1, tf.sqrt(tf.add(t, 1e-4)));
        case "cosine":
          return tf.square(tf.cos(tf.mul(tf.div(tf.add(t, 0.008), 1.008), Math.PI / 2)));
        case "linear":
          return tf.exp(tf.neg(tf.add(tf.mul(0.1, t), tf.mul(9.95, tf.square(t)))));
      }
    });
  }

  alphaPrimeTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      switch (this.kind) {
        case "sqrt":
          return tf.div(-0.5, tf.sqrt(tf.add(t, 1e-4)));
        case "cosine": {
          const a = tf.mul(tf.div(tf.add(t, 0.008), 1.008), Math.PI / 2);
          return tf.mul(-Math.PI / 2 / 1.008, tf.sin(tf.mul(2, a)));
        }
        case "linear":
          return tf.mul(tf.neg(tf.add(0.1, tf.mul(19.9, t))), this.alphaTensor(t));
      }
    });
  }
}

/**
 * Discretised betas `beta_i = min(1 - abar((i+1)/T)/abar(i/T), maxBeta)`, i = 0..T-1 (improved-diffusion
 * `betas_for_alpha_bar`). The clip matters for sqrt, whose abar(1) is slightly negative.
 */
export function discretiseBetas(schedule: Schedule, T = 2000, maxBeta = 0.999): Float64Array {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`T must be an integer >= 1, got ${T}`);
  if (!(maxBeta > 0 && maxBeta < 1)) throw new RangeError(`maxBeta must be in (0, 1), got ${maxBeta}`);
  const b = new Float64Array(T);
  for (let i = 0; i < T; i++) b[i] = Math.min(1 - schedule.alpha((i + 1) / T) / schedule.alpha(i / T), maxBeta);
  return b;
}

/** The T-step Gaussian process of Diffusion-LM: betas and everything improved-diffusion precomputes from them. */
export interface GaussianProcessTable {
  T: number;
  betas: Float64Array;
  /** abar_t = prod_{i<=t} (1 - beta_i). */
  alphasCumprod: Float64Array;
  /** abar_{t-1} (1 at t = 0). */
  alphasCumprodPrev: Float64Array;
  /** beta_t (1 - abar_{t-1})/(1 - abar_t). */
  posteriorVariance: Float64Array;
  /** beta_t sqrt(abar_{t-1})/(1 - abar_t). */
  posteriorMeanCoef1: Float64Array;
  /** (1 - abar_{t-1}) sqrt(1 - beta_t)/(1 - abar_t). */
  posteriorMeanCoef2: Float64Array;
}

/** Builds the table of {@link GaussianProcessTable} from betas (each in (0, 1)). */
export function gaussianProcessTable(betas: Float64Array): GaussianProcessTable {
  const T = betas.length;
  if (T < 1) throw new RangeError("betas must not be empty");
  const ac = new Float64Array(T);
  const prev = new Float64Array(T);
  const pv = new Float64Array(T);
  const c1 = new Float64Array(T);
  const c2 = new Float64Array(T);
  let run = 1;
  for (let i = 0; i < T; i++) {
    const b = betas[i];
    if (!(b > 0 && b < 1)) throw new RangeError(`betas[${i}] must be in (0, 1), got ${b}`);
    prev[i] = run;
    run *= 1 - b;
    ac[i] = run;
    pv[i] = (b * (1 - prev[i])) / (1 - ac[i]);
    c1[i] = (b * Math.sqrt(prev[i])) / (1 - ac[i]);
    c2[i] = ((1 - prev[i]) * Math.sqrt(1 - b)) / (1 - ac[i]);
  }
  return { T, betas, alphasCumprod: ac, alphasCumprodPrev: prev, posteriorVariance: pv, posteriorMeanCoef1: c1, posteriorMeanCoef2: c2 };
}

/**
 * The VP local time at which alpha-bar falls to `alphaBar` (closed form for sqrt, `(1 - alphaBar)^2 - 1e-4`; bisection
 * for cosine and linear). Throws naming `field` if it is not reached on [0, 1] (at or above alpha-bar(0), or below
 * alpha-bar(1)).
 */
export function vpDepth(vp: VpSchedule, alphaBar: number, field = "alphaBar"): number {
  const top = vp.alpha(0);
  const bottom = vp.alpha(1);
  if (!(alphaBar < top) || !(alphaBar >= bottom)) throw new RangeError(`${field} must lie in [${bottom}, ${top}) for the ${vp.name} schedule, got ${alphaBar}`);
  if (vp.kind === "sqrt") return (1 - alphaBar) ** 2 - 1e-4;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (vp.alpha(mid) > alphaBar) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Diffusion-LM in continuous time: alpha-bar(t) = vp(depth·t) for t in [0, 1], with depth chosen so that
 * alpha-bar(1) = `alphaBarEnd` (> 0, so the prior term is finite; the sqrt schedule itself goes below 0 at tau = 1).
 * SNR = alpha-bar/(1 - alpha-bar); `elboWeight(t)` = -SNR'(t)/2, the weight of ‖Emb(x) - x̂₀‖² in the
 * continuous-time Gaussian bound.
 */
export class ContinuousVp implements Schedule {
  readonly name: string;
  readonly vp: VpSchedule;
  readonly depth: number;
  readonly alphaBarEnd: number;

  constructor(kind: VpKind = "sqrt", alphaBarEnd = 1e-3) {
    this.vp = new VpSchedule(kind);
    this.depth = vpDepth(this.vp, alphaBarEnd, "alphaBarEnd");
    this.alphaBarEnd = alphaBarEnd;
    this.name = `vp-${kind}(alpha-bar(1) = ${alphaBarEnd})`;
  }

  alpha(t: number): number {
    return t === 1 ? this.alphaBarEnd : this.vp.alpha(this.depth * checkTime(t));
  }

  alphaPrime(t: number): number {
    return this.depth * this.vp.alphaPrime(this.depth * checkTime(t));
  }

  alphaTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.vp.alphaTensor(tf.mul(t, this.depth)));
  }

  alphaPrimeTensor(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(this.vp.alphaPrimeTensor(tf.mul(t, this.depth)), this.depth));
  }

  /** -SNR'(t)/2 = -alpha-bar'/(2 (1 - alpha-bar)^2) (positive). */
  elboWeight(t: number): number {
    const a = this.alpha(t);
    return (-0.5 * this.alphaPrime(t)) / ((1 - a) * (1 - a));
  }
}
