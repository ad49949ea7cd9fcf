// One method = one diffusion (or causal) family's complete definition: model widths, parameter init, training loss,
// unclipped ELBO scorer and sampler factory, built from its objective config and the vocabulary. The trainer, the
// evaluation, load-run, the comparison grid and the CLI ask src/methods/registry.ts for it; nothing else switches on
// the objective's kind.
import type { tf } from "../engine/tf";
import type { ModelConfig } from "../models/config";
import type { Params } from "../models/params";
import type { SeededRng } from "../util/rng";
import type { Sampler } from "../samplers/sampler";
import type { TimeSampler } from "../schedules/time-sampler";
import type { ClusterMap } from "../vocab/cluster-map";

/** A batch on the device: clean ids (B, T) int32 and the padding mask (B, T) float32. */
export interface BatchTensors {
  tokens: tf.Tensor2D;
  mask: tf.Tensor2D;
  /** 1 at positions held clean (a prompt): the forward process leaves them and the loss skips them (B, T) float32. */
  clean?: tf.Tensor2D;
}

/** One diffusion objective's likelihood bound, as evaluation needs it (HDLM, MDLM, GIDD). */
export interface ElboScorer {
  readonly name: string;
  /** Draws z_t ~ q_t(. | x) for clean tokens x [B, L] at one time per sequence t [B]. */
  noise(x: tf.Tensor2D, t: tf.Tensor1D, rng: SeededRng): tf.Tensor2D;
  /** Unclipped ELBO per token [B, L] in nats (0 at padding) from the model's logits. */
  elbo(logits: tf.Tensor3D, x: tf.Tensor2D, z: tf.Tensor2D, t: tf.Tensor1D, padMask: tf.Tensor2D): tf.Tensor2D;
}

/**
 * A likelihood bound computed from the parameters themselves (methods whose network also reads vectors: Diffusion-LM,
 * the hybrid): clean ids x [B, L], one time per sequence t [B] (uniform on [0, 1] makes it unbiased), the padding mask
 * and the draw's generator -> the bound per token [B, L] in nats (0 at padding), one draw of every other random term.
 */
export type TokenBound = (x: tf.Tensor2D, t: tf.Tensor1D, padMask: tf.Tensor2D, rng: SeededRng) => tf.Tensor2D;

/** What a method whose noisy state is not a token sequence evaluates and samples with, given its parameters. */
export interface DirectTools {
  /** The bound's name for tables. */
  readonly name: string;
  readonly bound: TokenBound;
  /** A sampler that runs these parameters itself (it ignores the token denoiser it is passed). */
  sampler(options?: MethodSamplerOptions): Sampler;
}

/** Sampler settings every diffusion method's factory takes. */
export interface MethodSamplerOptions {
  /** Stochastic steps (default 128). */
  steps?: number;
  temperature?: number;
  minP?: number;
}

/** What a method is built from besides its own objective config. */
export interface MethodContext {
  /** V real tokens (ids 0..V-1; a diffusion method's [MASK] is V). */
  vocabSize: number;
  /** HDLM's cluster map (resolved by the caller: from a file, the corpus, or a run folder); null for the others. */
  clusters: ClusterMap | null;
  /** How training draws t (the trainer's config: method, eps). */
  times: TimeSampler;
}

/** A method's complete definition. */
export interface Method {
  readonly kind: string;
  /** "dit" (bidirectional, time-conditioned) or "ar" (causal). */
  readonly modelKind: "dit" | "ar";
  /** Embedding rows the model needs. */
  readonly inputSize: number;
  /** Output columns the model needs. */
  readonly outputSize: number;
  /** The cluster map (HDLM only). */
  readonly clusters: ClusterMap | null;
  /**
   * Scalar loss of a batch (token mean over scored positions). `rng` is this step's generator for every random draw
   * (t, z_t). `training` = true gives the training loss (clipped weights); false the ELBO (diffusion) or NLL (AR).
   */
  loss(params: Params, model: ModelConfig, batch: BatchTensors, rng: SeededRng, training: boolean): tf.Scalar;
  /** Adjusts freshly initialised parameters (HDLM: [MASK] row 0, cluster rows = centroids, hdlm.md §1.4). */
  initParams(params: Params): void;
  /** The unclipped ELBO scorer (null for AR, whose likelihood is exact, and for methods with `direct` tools). */
  readonly scorer: ElboScorer | null;
  /** Bound and sampler over the parameters (Diffusion-LM, the hybrid: their network reads vectors, not only ids). */
  direct?(params: Params, model: ModelConfig): DirectTools;
  /** A sampler of this method (throws for AR, which has no diffusion sampler). */
  sampler(options?: MethodSamplerOptions): Sampler;
}
