// R2FT's reference-free objective (decoding.md §3 "Objective", reference `_forward_pass_diffusion_finetune_rDPO`):
// L = Σ_b [−log σ(β_w·lw − β_l·ll − γ) − β_a·lw], lw and ll mean log-likelihoods over masked positions only.
import { tf } from "../engine/tf";
import { R2ftLossOptions, checkR2ftLossOptions } from "./config";

/**
 * Per-sequence mean log-likelihood [B]: Σ_l mask·log p(target_l) / Σ_l mask, from log-probabilities [B, L, V]
 * (one forward pass on x_t), int32 targets [B, L] and a 0/1 mask [B, L]. Every row's mask must be non-empty.
 * R2FT passes the chosen positions masked in x_t (lw) or the rejected span (ll). The reference divides the chosen
 * sum by the whole response length (SUBS gives 0 at unmasked positions); hdlm-lab averages over masked positions only.
 */
export function maskedMeanLogLikelihood(logProbs: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  if (logProbs.rank !== 3) throw new RangeError(`logProbs must be [B, L, V], got [${logProbs.shape}]`);
  const [B, L, V] = logProbs.shape;
  if (targets.rank !== 2 || targets.dtype !== "int32" || targets.shape[0] !== B || targets.shape[1] !== L) throw new RangeError(`targets must be a [${B}, ${L}] int32 tensor, got ${targets.dtype} [${targets.shape}]`);
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== L) throw new RangeError(`mask must be [${B}, ${L}], got [${mask.shape}]`);
  const counts = tf.tidy(() => tf.sum(mask, 1).dataSync());
  counts.forEach((c, b) => {
    if (!(c > 0)) throw new RangeError(`mask must select at least one position in every row, row ${b} selects none`);
  });
  const ids = targets.dataSync();
  for (let i = 0; i < ids.length; i++) if (!(ids[i] >= 0 && ids[i] < V)) throw new RangeError(`targets must lie in [0, ${V}), got ${ids[i]} at flat index ${i}`);
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(targets, V)), 2);
    return tf.div(tf.sum(tf.mul(picked, mask), 1), tf.sum(mask, 1)) as tf.Tensor1D;
  });
}

/**
 * The R2FT loss from per-sequence lw and ll [B] (decoding.md §3): Σ_b softplus(−m_b) − β_a·lw_b with the margin
 * m = β_w·lw − β_l·ll − γ (softplus(−m) = −log σ(m), computed stably). Its gradient in lw_b is −β_w·σ(−m_b) − β_a
 * and in ll_b is β_l·σ(−m_b): descent raises the chosen and lowers the rejected log-likelihood.
 */
export function r2ftLoss(lw: tf.Tensor1D, ll: tf.Tensor1D, options: R2ftLossOptions = {}): tf.Scalar {
  const { betaW, betaL, betaA, gamma } = checkR2ftLossOptions(options);
  if (lw.rank !== 1 || ll.rank !== 1 || lw.shape[0] !== ll.shape[0]) throw new RangeError(`lw and ll must both be [B], got [${lw.shape}] and [${ll.shape}]`);
  return tf.tidy(() => {
    const margin = tf.sub(tf.sub(tf.mul(lw, betaW), tf.mul(ll, betaL)), gamma);
    return tf.sum(tf.sub(tf.softplus(tf.neg(margin)), tf.mul(lw, betaA))) as tf.Scalar;
  });
}

/** The same loss for one sequence on plain numbers (a scalar reference and for logging). */
export function r2ftLossValue(lw: number, ll: number, options: R2ftLossOptions = {}): number {
  const { betaW, betaL, betaA, gamma } = checkR2ftLossOptions(options);
  const m = betaW * lw - betaL * ll - gamma;
  const softplus = m < 0 ? -m + Math.log1p(Math.exp(m)) : Math.log1p(Math.exp(-m));
  return softplus - betaA * lw;
}

/** Tensors of one R2FT batch (from `buildR2ftBatch`): clean x_0, rejected x_b and the two masks, all [B, L]. */
export interface R2ftTargets {
  x0: tf.Tensor2D;
  rejected: tf.Tensor2D;
  chosenMask: tf.Tensor2D;
  rejectedMask: tf.Tensor2D;
}

/**
 * The whole objective from the policy's log-probabilities on x_t [B, L, V] (one forward pass, decoding.md §3):
 * lw over the chosen mask at x_0, ll over the rejected span at x_b, and the loss. No reference model is used.
 */
export function r2ftObjective(logProbs: tf.Tensor3D, targets: R2ftTargets, options: R2ftLossOptions = {}): { loss: tf.Scalar; lw: tf.Tensor1D; ll: tf.Tensor1D } {
  const lw = maskedMeanLogLikelihood(logProbs, targets.x0, targets.chosenMask);
  const ll = maskedMeanLogLikelihood(logProbs, targets.rejected, targets.rejectedMask);
  return { loss: r2ftLoss(lw, ll, options), lw, ll };
}
