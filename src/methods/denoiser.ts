// The DiT as a function of (noisy ids, times, padding): the one wrapper every loss, scorer and sampler calls.
import type { tf } from "../engine/tf";
import type { ModelConfig } from "../models/config";
import type { Params } from "../models/params";
import { ditLogits } from "../models/arch";

/** Token logits [B, L, W] of the DiT `params` for noisy ids z [B, L], times t [B] and an optional padding mask. */
export type DitDenoiser = (z: tf.Tensor2D, t: tf.Tensor1D, padMask?: tf.Tensor2D | null) => tf.Tensor3D;

/** The diffusion network `model` selects (`arch`), with parameters `params`, as a {@link DitDenoiser}. */
export function ditDenoiser(params: Params, model: ModelConfig): DitDenoiser {
  return (z, t, padMask = null) => ditLogits(params, model, z, t, padMask);
}
