// What the two vector-input methods (Diffusion-LM, the hybrid) share: the DiT's embedding rows as the diffusion
// embedding Emb with rows normalised to norm √d (no collapse under an MSE loss, hybrid.md §2), the DiT run on vectors,
// seeded Gaussian noise, and a Sampler over the run's own parameters.
import { tf } from "../engine/tf";
import type { ModelConfig } from "../models/config";
import { param, type Params } from "../models/params";
import { ditForwardInputs } from "../models/transformer";
import type { SeededRng } from "../util/rng";
import type { Denoiser, SampleBatch, SampleRequest, SampleResult, Sampler } from "../samplers/sampler";

/** Rows 0..rows-1 of the DiT's `embed`, each scaled to norm √d: Emb `[rows, d]` (differentiable). */
export function normalisedEmbedding(params: Params, rows: number): tf.Tensor2D {
  return tf.tidy(() => {
    const e = param(params, "embed") as tf.Tensor2D;
    const d = e.shape[1];
    const r = tf.slice(e, [0, 0], [rows, d]);
    return tf.mul(tf.div(r, tf.sqrt(tf.add(tf.sum(tf.square(r), -1, true), 1e-12))), Math.sqrt(d)) as tf.Tensor2D;
  });
}

/** The DiT on input vectors x `[B, L, d]` at times t `[B]` -> logits `[B, L, outputSize]`. */
export function vectorDit(params: Params, model: ModelConfig, x: tf.Tensor3D, t: tf.Tensor1D, padMask: tf.Tensor2D | null = null): tf.Tensor3D {
  if ((model.arch ?? "hdlm-dit") !== "hdlm-dit") throw new Error(`model.arch ${model.arch} reads token ids only; the vector-input objectives (diffusion-lm, hybrid) need hdlm-dit`);
  if (model.auxClusters > 0) throw new Error("model.auxClusters must be 0 for the vector-input objectives (diffusion-lm, hybrid)");
  return ditForwardInputs(params, model, x, t, padMask).logits;
}

/** n standard normal draws from `rng` as a float32 array. */
export function normals(rng: SeededRng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/**
 * A Sampler that runs a trained run's own parameters (the vector-input methods): `sample` ignores the token denoiser
 * it is passed. Single reverse steps between arbitrary times are not defined for these chains (their state changes
 * kind between ids and vectors), so `step` is an error that says so.
 */
export class ParamSampler implements Sampler {
  constructor(readonly name: string, private readonly run: (request: SampleRequest) => SampleResult) {}

  sample(_denoise: Denoiser, request: SampleRequest): SampleResult {
    return this.run(request);
  }

  step(_denoise: Denoiser, _state: SampleBatch, _t: number, _s: number, _rng: SeededRng | number): SampleBatch {
    throw new Error(`${this.name}: single host-state steps are not defined (the reverse chain passes through vectors); use sample()`);
  }
}
