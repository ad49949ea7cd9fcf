// Transformer sizes: the named presets of hdlm.md §8.1 (tiny, cpu, small, base) and the typed config they fill.
// Input and output widths come from the vocabulary layout (hdlm.md §1.1), not from the preset.

/** Sizes of a DiT or causal transformer. */
export interface ModelConfig {
  /** Rows of the input embedding (for HDLM: V + 1 + n; for AR: V). */
  inputSize: number;
  /** Columns of the output head (for HDLM: V + 1 + n, the loss restricts columns; for AR: V). */
  outputSize: number;
  /** Residual width d. */
  hidden: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Attention heads (hidden / heads must be even, for rotary). */
  heads: number;
  /** Width of the time-conditioning vector c (DiT only). */
  condDim: number;
  /** Maximum sequence length (rotary tables are built for it). */
  seqLen: number;
  /** MLP expansion factor (4 in the reference). */
  mlpRatio: number;
  /** Clusters of the auxiliary cluster head (hdlm.md §3.5); 0 = no auxiliary head (default). */
  auxClusters: number;
  /**
   * The diffusion network: "hdlm-dit" (default, src/models/transformer.ts) or "mdlm-dit", mdlm's reference DiT
   * parameter for parameter (src/models/mdlm-dit.ts; MDLM and GIDD objectives, run folders in the reference layout).
   */
  arch?: ModelArch;
  /** mdlm-dit only: what its time embedding is fed (default "none", mdlm's time_conditioning=False). */
  conditioning?: "none" | "sigma" | "t";
}

/** The diffusion network architectures. */
export type ModelArch = "hdlm-dit" | "mdlm-dit";

/** The architectures a config may name. */
export const MODEL_ARCHS: readonly ModelArch[] = ["hdlm-dit", "mdlm-dit"];

/** The named size presets of hdlm.md §8.1. */
export type ModelPresetName = "tiny" | "cpu" | "small" | "base";

/** Sizes of each preset (widths of the vocabulary are supplied separately). */
export const MODEL_PRESETS: Record<ModelPresetName, Omit<ModelConfig, "inputSize" | "outputSize" | "auxClusters">> = {
  tiny: { hidden: 32, layers: 1, heads: 2, condDim: 16, seqLen: 16, mlpRatio: 4 },
  cpu: { hidden: 256, layers: 4, heads: 4, condDim: 128, seqLen: 128, mlpRatio: 4 },
  small: { hidden: 768, layers: 12, heads: 12, condDim: 128, seqLen: 512, mlpRatio: 4 },
  base: { hidden: 1024, layers: 24, heads: 16, condDim: 128, seqLen: 512, mlpRatio: 4 },
};

/** A full model config from a preset name, vocabulary widths and optional overrides. */
export function modelConfig(
  preset: ModelPresetName,
  widths: { inputSize: number; outputSize: number },
  overrides: Partial<ModelConfig> = {},
): ModelConfig {
  const base = MODEL_PRESETS[preset];
  if (base === undefined) throw new Error(`model preset must be one of ${Object.keys(MODEL_PRESETS).join(", ")}, got ${preset}`);
  return checkModelConfig({ ...base, auxClusters: 0, ...widths, ...overrides });
}

/** Throws an error naming the field unless every size is a positive integer and the head split is valid. */
export function checkModelConfig(c: ModelConfig): ModelConfig {
  for (const k of ["inputSize", "outputSize", "hidden", "layers", "heads", "condDim", "seqLen", "mlpRatio"] as const) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`model.${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(c.auxClusters) || c.auxClusters < 0) {
    throw new Error(`model.auxClusters must be a non-negative integer, got ${c.auxClusters}`);
  }
  if (c.hidden % c.heads !== 0) throw new Error(`model.hidden (${c.hidden}) must be divisible by model.heads (${c.heads})`);
  if ((c.hidden / c.heads) % 2 !== 0) {
    throw new Error(`model.hidden / model.heads must be even for rotary embeddings, got ${c.hidden / c.heads}`);
  }
  return c;
}
