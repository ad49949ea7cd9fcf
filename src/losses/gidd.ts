// GIDD's per-token ELBO (KL + importance-sampling term, weighted by the ELBO weight of the z_t type) and
// the GIDD+ dynamic training weights (dvruette/gidd v1.1.0 `GiddLoss`; baselines.md §2).
import { tf } from "../engine/tf";
import { GiddSchedule, checkVocab } from "../schedules/gidd";
import { checkTime } from "../schedules/schedule";
import { maskedTokenMean } from "./segment";
import { giddKlLogRatio } from "../engine/native/fused";
import type { LossResult } from "./loss-result";

/** Which kind of state z_t is, relative to the clean token x. `clean` wins when z_t = x. */
export type GiddZType = "clean" | "uniform" | "mask";

/**
 * ELBO weight w_t(z_t) of GIDD (baselines.md §2, `get_weights`), with N = V - 1 real tokens:
 * clean `(c + (1-t)c')/(N(1-t)(1-t+c/N))`, uniform `(c + (1-t)c')/((1-t)c)`, mask `1/(t(1-t))`.
 * Equivalently `w = eta_t(z_t)/q_t(z_t|x)` with `eta = (beta pi)' - (alpha'/alpha) beta pi` (GIDD eq. for the
 * forward rates). `V` counts all states, MASK included.
 */
export function giddElboWeight(schedule: GiddSchedule, t: number, zType: GiddZType, V: number): number {
  checkTime(t);
  if (!Number.isInteger(V) || V < 2) throw new RangeError(`V (states including MASK) must be an integer >= 2, got ${V}`);
  const N = V - 1;
  const c = schedule.c(t);
  const num = c + (1 - t) * schedule.cPrime(t);
  switch (zType) {
    case "clean":
      return num / (N * (1 - t) * (1 - t + c / N));
    case "uniform":
      return num / ((1 - t) * c);
    case "mask":
      return 1 / (t * (1 - t));
    default:
      throw new RangeError(`zType must be 'clean', 'uniform' or 'mask', got ${String(zType)}`);
  }
}

/** Options of the GIDD+ dynamic weights. */
export interface GiddPlusOptions {
  /** Lower clip (reference 0). */
  minWeight?: number;
  /** Upper clip (reference 2). */
  maxWeight?: number;
}

/**
 * GIDD+ dynamic training weight (`loss_weighting: dynamic`), clipped to [min, max] = [0, 2]:
 * MASK -> 2, uniform-noised -> 1, clean -> `(B/V) exp((gamma/2) sigmoid(-t))`. V counts MASK.
 */
export function giddPlusWeight(schedule: GiddSchedule, t: number, zType: GiddZType, V: number, options: GiddPlusOptions = {}): number {
  checkTime(t);
  if (!Number.isInteger(V) || V < 2) throw new RangeError(`V (states including MASK) must be an integer >= 2, got ${V}`);
  const lo = options.minWeight ?? 0;
  const hi = options.maxWeight ?? 2;
  if (!(hi > lo)) throw new RangeError(`maxWeight must be > minWeight, got [${lo}, ${hi}]`);
  let w: number;
  if (zType === "mask") w = 2;
  else if (zType === "uniform") w = 1;
  else if (zType === "clean") w = (schedule.B / V) * Math.exp((schedule.gamma / 2) * (1 / (1 + Math.exp(t))));
  else throw new RangeError(`zType must be 'clean', 'uniform' or 'mask', got ${String(zType)}`);
  return Math.min(hi, Math.max(lo, w));
}

/** Inputs of {@link giddElbo}: batch B, length L, V states (MASK included). */
export interface GiddElboInputs {
  /** Model logits `[B, L, V]` (the MASK column is ignored: set to -inf before the softmax). */
  logits: tf.Tensor3D;
  /** Clean tokens `[B, L]` (int32). */
  x: tf.Tensor2D;
  /** Noised tokens `[B, L]` (int32). */
  zt: tf.Tensor2D;
  /** Per-sequence times `[B]` in (0, 1). */
  t: tf.Tensor1D;
}

/**
 * What {@link giddElbo} returns: the {@link LossResult} every loss returns (per-token training loss and ELBO, 0 at
 * padding, and their token means), plus GIDD's per-token terms `[B, L]`.
 */
export interface GiddElboTerms extends LossResult {
  /** KL(q_t(.|x) || q_t(.|x_hat)) over all V states. */
  kl: tf.Tensor2D;
  /** r - log r - 1 with r = q_t(z_t|x)/q_t(z_t|x_hat). */
  is: tf.Tensor2D;
  /** ELBO weight w_t(z_t). */
  elboWeight: tf.Tensor2D;
  /** Training weight (ELBO weight, or the GIDD+ dynamic weight). */
  lossWeight: tf.Tensor2D;
}

/** Options of {@link giddElbo}. */
export interface GiddElboOptions {
  /** Index of MASK among the V states (default V - 1). */
  maskId?: number;
  /** `'elbo'` (raw weights) or `'dynamic'` (GIDD+). */
  weighting?: "elbo" | "dynamic";
  /** Clip of the dynamic weights. */
  clip?: GiddPlusOptions;
  /** [B, L] 1 for real positions, 0 for padding (default all 1). */
  padMask?: tf.Tensor2D;
}

/**
 * GIDD per-token ELBO from logits (baselines.md §2; GIDD paper's ELBO in KL + IS form):
 * `elbo = w_t(z_t) [ KL(q_t(.|x) || q_t(.|x_hat)) + (r - log r - 1) ]`, `r = q_t(z_t|x)/q_t(z_t|x_hat)`,
 * with `q_t(.|y) = alpha_t y + beta_t pi_t` and logs clipped at -1e6 as in the reference. `elboPerToken` is
 * `elbo = w_t (KL + IS)`, `trainPerToken` the same with the training weight; both are 0 at padding.
 * All returned tensors are new; the caller disposes them.
 */
export function giddElbo(schedule: GiddSchedule, inputs: GiddElboInputs, options: GiddElboOptions = {}): GiddElboTerms {
  const { logits, x, zt, t } = inputs;
  if (logits.rank !== 3) throw new RangeError(`logits must be [B, L, V], got shape [${logits.shape}]`);
  const [Bn, L, V] = logits.shape;
  const maskId = options.maskId ?? V - 1;
  checkVocab(V, maskId, "giddElbo");
  if (x.rank !== 2 || x.shape[0] !== Bn || x.shape[1] !== L) throw new RangeError(`x must be [${Bn}, ${L}], got [${x.shape}]`);
  if (zt.rank !== 2 || zt.shape[0] !== Bn || zt.shape[1] !== L) throw new RangeError(`zt must be [${Bn}, ${L}], got [${zt.shape}]`);
  if (t.rank !== 1 || t.shape[0] !== Bn) throw new RangeError(`t must be [${Bn}], got [${t.shape}]`);
  const weighting = options.weighting ?? "elbo";
  if (weighting !== "elbo" && weighting !== "dynamic") throw new RangeError(`weighting must be 'elbo' or 'dynamic', got ${String(weighting)}`);
  const N = V - 1;
  const pad = options.padMask;
  if (pad !== undefined && pad.shape.join() !== [Bn, L].join()) throw new RangeError(`padMask must have shape [${Bn}, ${L}], got [${pad.shape}]`);
  const tokenCount = pad === undefined ? Bn * L : Array.from(pad.dataSync()).filter((v) => v !== 0).length;
  const out = tf.tidy(() => {
    // (alpha_t, u_t = uniform mass / N, m_t = MASK mass) per position, then KL and the log-ratio over all V states in
    // one fused pass (src/engine/native/fused.ts; tfjs ops off the native backend).
    const perSeq = [schedule.alphaTensor(t), tf.div(schedule.uniformMassTensor(t), N), schedule.maskMassTensor(t)].map((a) => a.dataSync());
    const coef = new Float32Array(Bn * L * 3);
    for (let b = 0; b < Bn; b++) {
      for (let i = 0; i < L; i++) for (let k = 0; k < 3; k++) coef[3 * (b * L + i) + k] = perSeq[k][b];
    }
    const xs = Int32Array.from(x.dataSync());
    const zs = Int32Array.from(zt.dataSync());
    const klLr = giddKlLogRatio(tf.reshape(logits, [Bn * L, V]) as tf.Tensor2D, xs, zs, coef, maskId);
    const kl = tf.reshape(tf.slice(klLr, [0, 0], [Bn * L, 1]), [Bn, L]);
    const logRatio = tf.reshape(tf.slice(klLr, [0, 1], [Bn * L, 1]), [Bn, L]);
    const is = tf.sub(tf.sub(tf.exp(logRatio), logRatio), 1);

    const isMask = tf.cast(tf.equal(zt, maskId), "float32");
    const isX = tf.cast(tf.equal(zt, x), "float32");
    const isU = tf.mul(tf.sub(1, isX), tf.sub(1, isMask));
    const t2 = tf.reshape(t, [Bn, 1]);
    const c = schedule.cTensor(t2);
    const num = tf.add(c, tf.mul(tf.sub(1, t2), schedule.cPrimeTensor(t2)));
    const oneMinusT = tf.sub(1, t2);
    const wX = tf.div(num, tf.mul(N, tf.mul(oneMinusT, tf.add(oneMinusT, tf.div(c, N)))));
    const wU = tf.div(num, tf.mul(oneMinusT, c));
    const wM = tf.div(1, tf.mul(t2, oneMinusT));
    // Select, not multiply: wU is inf/NaN when c = 0 and must not leak into other branches.
    const zero = tf.zerosLike(isX);
    const elboWeight = tf.add(
      tf.add(tf.where(tf.greater(isX, 0), tf.mul(isX, wX), zero), tf.where(tf.greater(isMask, 0), tf.mul(isMask, wM), zero)),
      tf.where(tf.greater(isU, 0), tf.mul(isU, wU), zero),
    ) as tf.Tensor2D;

    let lossWeight: tf.Tensor2D;
    if (weighting === "elbo") {
      lossWeight = tf.clone(elboWeight);
    } else {
      const lo = options.clip?.minWeight ?? 0;
      const hi = options.clip?.maxWeight ?? 2;
      if (!(hi > lo)) throw new RangeError(`clip.maxWeight must be > clip.minWeight, got [${lo}, ${hi}]`);
      const xScale = tf.mul(schedule.B / V, tf.exp(tf.mul(schedule.gamma / 2, tf.sigmoid(tf.neg(t2)))));
      const raw = tf.add(tf.mul(tf.sub(1, isX), tf.add(tf.sub(1, isMask), tf.mul(2, isMask))), tf.mul(isX, xScale));
      lossWeight = tf.clipByValue(raw, lo, hi) as tf.Tensor2D;
    }
    const term = tf.add(kl, is);
    const p = pad === undefined ? tf.onesLike(term) : tf.cast(pad, "float32");
    const elboPerToken = tf.mul(tf.mul(elboWeight, term), p) as tf.Tensor2D;
    const trainPerToken = tf.mul(tf.mul(lossWeight, term), p) as tf.Tensor2D;
    return {
      kl: kl as tf.Tensor2D,
      is: is as tf.Tensor2D,
      elboWeight,
      lossWeight,
      elboPerToken,
      trainPerToken,
      elbo: maskedTokenMean(elboPerToken, p),
      trainLoss: maskedTokenMean(trainPerToken, p),
    };
  });
  return { ...out, tokenCount };
}

/**
 * Token mean of a per-token loss over real (non-padding) positions: `sum(loss*mask)/sum(mask)`.
 * (The GIDD reference divides by all positions, padding included; hdlm-lab masks padding as HDLM does.)
 */
export function giddTokenMean(perToken: tf.Tensor2D, attentionMask?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    if (attentionMask === undefined) return tf.mean(perToken) as tf.Scalar;
    if (attentionMask.shape.join() !== perToken.shape.join()) {
      throw new RangeError(`attentionMask must have the loss's shape [${perToken.shape}], got [${attentionMask.shape}]`);
    }
    const m = tf.cast(attentionMask, "float32");
    return tf.div(tf.sum(tf.mul(perToken, m)), tf.maximum(tf.sum(m), 1e-12)) as tf.Scalar;
  });
}
