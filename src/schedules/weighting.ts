// Loss-weight options for training: clipping of the ELBO weights to [min, max], the named presets
// of the reference configs, and the reference's `empirical` weighting (hdlm.md §3.3).
import { tf } from "../engine/tf";
import { checkTime } from "./schedule";

/** Training-weight clipping bounds (the ELBO and validation always use unclipped weights). */
export interface WeightClip {
  minLossWeight: number;
  maxLossWeight: number;
}

/** Clipping presets of the reference configs (hdlm.md §3.3). */
export const WEIGHT_CLIP_PRESETS = {
  /** reference OWT small/base (default) */
  reference: { minLossWeight: 0, maxLossWeight: 2 },
  /** reference gamma = 2 config */
  referenceGamma2: { minLossWeight: 0.1, maxLossWeight: 5 },
  /** reference LM1B config */
  referenceLm1b: { minLossWeight: 0, maxLossWeight: 10 },
} as const satisfies Record<string, WeightClip>;

/** Throws naming the field unless 0 <= minLossWeight <= maxLossWeight (both finite or max = Infinity). */
export function checkWeightClip(clip: WeightClip): WeightClip {
  const { minLossWeight: lo, maxLossWeight: hi } = clip;
  if (typeof lo !== "number" || !Number.isFinite(lo) || lo < 0) throw new RangeError(`minLossWeight must be a finite number >= 0, got ${lo}`);
  if (typeof hi !== "number" || Number.isNaN(hi) || hi < lo) throw new RangeError(`maxLossWeight must be >= minLossWeight (${lo}), got ${hi}`);
  return clip;
}

/** clip(w, minLossWeight, maxLossWeight) for a number. */
export function clipWeight(w: number, clip: WeightClip): number {
  checkWeightClip(clip);
  return Math.min(Math.max(w, clip.minLossWeight), clip.maxLossWeight);
}

/** clip(w, minLossWeight, maxLossWeight) elementwise for a tensor. */
export function clipWeightTensor(w: tf.Tensor, clip: WeightClip): tf.Tensor {
  checkWeightClip(clip);
  return tf.clipByValue(w, clip.minLossWeight, clip.maxLossWeight);
}

/** How the training loss weights its two terms: the ELBO rates (clipped), or the reference's empirical polynomials. */
export type LossWeighting = "elbo" | "empirical";

/** The reference's `empirical` weighting (hdlm.md §3.3): w_c = 3 - 2t, w_m = t^2 - t + 3. */
export function empiricalWeights(t: number): { weightCluster: number; weightMask: number } {
  checkTime(t);
  return { weightCluster: 3 - 2 * t, weightMask: t * t - t + 3 };
}
