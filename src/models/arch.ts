// The diffusion network a config selects (`model.arch`): hdlm-lab's DiT (src/models/transformer.ts) or mdlm's
// reference DiT (src/models/mdlm-dit.ts), behind one init and one forward, so trainers and samplers need not know.
import { tf } from "../engine/tf";
import type { ModelConfig } from "./config";
import { initParams, type Params } from "./params";
import { ditForward } from "./transformer";
import { checkMdlmDitConfig, initMdlmDitParams, mdlmDitForward, mdlmSigmaOfTime, type MdlmDitConfig } from "./mdlm-dit";

/** The reference DiT's config of a model config with `arch: "mdlm-dit"` (one vocabulary: input rows = output columns). */
export function mdlmDitConfigOf(c: ModelConfig): MdlmDitConfig {
  if (c.inputSize !== c.outputSize) throw new Error(`model.arch mdlm-dit has one vocabulary (embedding rows = output columns), got ${c.inputSize} and ${c.outputSize}`);
  if (c.auxClusters > 0) throw new Error("model.arch mdlm-dit has no auxiliary cluster head; set model.auxClusters to 0");
  return checkMdlmDitConfig({ vocabSize: c.inputSize, hidden: c.hidden, blocks: c.layers, heads: c.heads, condDim: c.condDim, mlpRatio: c.mlpRatio, seqLen: c.seqLen, conditioning: c.conditioning ?? "none" });
}

/** Fresh parameters of the network `c` selects (a causal model is always hdlm-lab's: `kind` "ar"). */
export function initModel(c: ModelConfig, kind: "dit" | "ar", seed: number): Params {
  if ((c.arch ?? "hdlm-dit") === "mdlm-dit") {
    if (kind !== "dit") throw new Error("model.arch mdlm-dit is a diffusion network; a causal (ar) objective uses hdlm-lab's transformer");
    return initMdlmDitParams(mdlmDitConfigOf(c), seed);
  }
  return initParams(c, kind, seed);
}

/** Logits [B, L, W] of the diffusion network `c` selects, for noisy ids z, times t and an optional padding mask. */
export function ditLogits(params: Params, c: ModelConfig, z: tf.Tensor2D, t: tf.Tensor1D, padMask: tf.Tensor2D | null = null): tf.Tensor3D {
  if ((c.arch ?? "hdlm-dit") === "mdlm-dit") {
    const m = mdlmDitConfigOf(c);
    return tf.tidy(() => mdlmDitForward(params, m, z, mdlmSigmaOfTime(m, t), padMask));
  }
  return ditForward(params, c, z, t, padMask).logits;
}
