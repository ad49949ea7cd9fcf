// Diffusion-LM (baselines.md §4) as a trainable objective in continuous time: Emb = the DiT's embedding rows
// (normalised to norm √d, so an MSE loss cannot shrink them), z_t = √ᾱ(t)·Emb(x) + √(1 - ᾱ(t))·ε with the sqrt VP
// schedule, the x₀-parametrisation x̂₀ = softmax(logits)·Emb, the rounding (decoder) term -log p_θ(x | z_0) from the
// same network at t = 0, and the prior term at t = 1. The bound per token is
//   ½(-SNR'(t))‖Emb(x) - x̂₀(z_t, t)‖² (t ~ U(0, 1)) + E[-log p_θ(x | z_0)] + KL(q(z_1 | x) ‖ N(0, I)).
// Training uses the same terms with the plain x₀-MSE in place of the weighted one (`training: "mse"`, Diffusion-LM's
// L_simple; default) or the bound itself (`"elbo"`). Sampling: ancestral DDPM steps with clamping, then rounding.
import { tf } from "../engine/tf";
import { ContinuousVp, discretiseBetas, gaussianProcessTable, type VpKind } from "../schedules/diffusion-lm";
import { DiffusionLmSampler } from "../samplers/diffusion-lm";
import type { ModelConfig } from "../models/config";
import type { Params } from "../models/params";
import type { SeededRng } from "../util/rng";
import type { BatchTensors, DirectTools, Method, MethodContext } from "./types";
import { normalisedEmbedding, normals, ParamSampler, vectorDit } from "./embedding-dit";
import { bool, number, oneOf, opt } from "../util/validate";

/** The Diffusion-LM objective's config. */
export interface DiffusionLmObjective {
  kind: "diffusion-lm";
  /** VP schedule of ᾱ (default sqrt, Diffusion-LM's). */
  vpKind: VpKind;
  /** ᾱ at t = 1 (default 1e-3): where the depth of the schedule stops, so the prior term is finite. */
  alphaBarEnd: number;
  /** "mse" (plain x₀-MSE + rounding + prior, default) or "elbo" (train on the bound). */
  training: "mse" | "elbo";
  /** Clamp x̂₀ to the nearest embedding row in every sampler step (default true). */
  clamp: boolean;
}

/** The Diffusion-LM objective's config fields. */
export const DIFFUSION_LM_FIELDS = ["kind", "vpKind", "alphaBarEnd", "training", "clamp"] as const;

/** Validates the Diffusion-LM objective's fields of `o` (at `path`) and fills the defaults. */
export function parseDiffusionLmObjective(o: Record<string, unknown>, path: string): DiffusionLmObjective {
  const vpKind = opt(o, "vpKind", path, "sqrt" as const, (x, p) => oneOf(x, p, ["sqrt", "cosine", "linear"] as const));
  const alphaBarEnd = opt(o, "alphaBarEnd", path, 1e-3, (x, p) => number(x, p, 0, 0.5, true));
  return {
    kind: "diffusion-lm",
    vpKind,
    alphaBarEnd,
    training: opt(o, "training", path, "mse" as const, (x, p) => oneOf(x, p, ["mse", "elbo"] as const)),
    clamp: opt(o, "clamp", path, true, bool),
  };
}

/** Per-token parts `[B, L]` (0 at padding) of one draw at times t: the continuous integrand, decoder and prior. */
export interface DiffusionLmTerms {
  integrand: tf.Tensor2D;
  decoder: tf.Tensor2D;
  prior: tf.Tensor2D;
}

/**
 * One draw of the bound's terms for clean ids x at one time per sequence t: one DiT pass over [z_t; z_0] (times
 * [t; 0]). `weighting` "elbo" gives ½(-SNR')‖·‖², "mse" the plain squared error.
 */
export function diffusionLmTerms(
  schedule: ContinuousVp,
  params: Params,
  model: ModelConfig,
  batch: BatchTensors,
  t: tf.Tensor1D,
  rng: SeededRng,
  weighting: "elbo" | "mse",
): DiffusionLmTerms {
  const [B, L] = batch.tokens.shape;
  const V = model.outputSize;
  const tv = t.dataSync();
  const d = model.hidden;
  const epsT = normals(rng, B * L * d);
  const eps0 = normals(rng, B * L * d);
  const ab0 = schedule.alpha(0);
  const abT = Float32Array.from(tv, (u) => schedule.alpha(Math.min(1, Math.max(0, u))));
  const w = Float32Array.from(tv, (u) => (weighting === "elbo" ? schedule.elboWeight(Math.min(1, Math.max(0, u))) : 1));
  const ab1 = schedule.alphaBarEnd;
  return tf.tidy(() => {
    const emb = normalisedEmbedding(params, V);
    const e = tf.gather(emb, tf.cast(batch.tokens, "int32")) as tf.Tensor as tf.Tensor3D;
    const col = (v: Float32Array) => tf.tensor3d(v, [B, 1, 1]);
    const zt = tf.add(tf.mul(tf.sqrt(col(abT)), e), tf.mul(tf.sqrt(tf.sub(1, col(abT))), tf.tensor3d(epsT, [B, L, d])));
    const z0 = tf.add(tf.mul(Math.sqrt(ab0), e), tf.mul(Math.sqrt(1 - ab0), tf.tensor3d(eps0, [B, L, d])));
    const times = tf.concat([t, tf.zeros([B])]) as tf.Tensor1D;
    const logits = vectorDit(params, model, tf.concat([zt, z0]) as tf.Tensor3D, times, tf.concat([batch.mask, batch.mask]) as tf.Tensor2D);
    const [lt, l0] = tf.split(logits, 2, 0) as tf.Tensor3D[];
    const eHat = tf.reshape(tf.matMul(tf.reshape(tf.softmax(lt), [B * L, V]), emb), [B, L, d]);
    const sq = tf.sum(tf.square(tf.sub(e, eHat)), -1);
    const integrand = tf.mul(tf.mul(sq, tf.reshape(tf.tensor1d(w), [B, 1])), batch.mask) as tf.Tensor2D;
    const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(l0), tf.oneHot(tf.cast(batch.tokens, "int32"), V)), -1));
    const decoder = tf.mul(ce, batch.mask) as tf.Tensor2D;
    // KL(N(√ᾱ₁ e, (1-ᾱ₁) I) ‖ N(0, I)) per position, ‖e‖² = d.
    const klTok = 0.5 * (ab1 * d + d * (1 - ab1) - d - d * Math.log(1 - ab1));
    const prior = tf.mul(batch.mask, klTok) as tf.Tensor2D;
    return { integrand, decoder, prior };
  });
}

/** The Diffusion-LM method over V tokens (no [MASK]; V embedding rows and V output columns). */
export function diffusionLmMethod(o: DiffusionLmObjective, ctx: MethodContext): Method {
  const V = ctx.vocabSize;
  const schedule = new ContinuousVp(o.vpKind, o.alphaBarEnd);
  const direct = (params: Params, model: ModelConfig): DirectTools => ({
    name: `diffusion-lm(${schedule.name}; Gaussian bound + rounding + prior)`,
    bound: (x, t, pad, rng) =>
      tf.tidy(() => {
        const r = diffusionLmTerms(schedule, params, model, { tokens: x, mask: pad }, t, rng, "elbo");
        return tf.add(tf.add(r.integrand, r.decoder), r.prior) as tf.Tensor2D;
      }),
    sampler: (options = {}) => {
      const T = options.steps ?? 128;
      const table = gaussianProcessTable(discretiseBetas(schedule, T));
      const name = `diffusion-lm(T=${T}${o.clamp ? ", clamp" : ""})`;
      return new ParamSampler(name, (request) => {
        const emb = normalisedEmbedding(params, V);
        try {
          const inner = new DiffusionLmSampler({ table, emb, clamp: o.clamp });
          // Step index i stands for t = (i + 1)/T (ᾱ of the table's entry i); the model returns x̂₀ = softmax·Emb.
          return inner.sample((xt, idx) => tf.tidy(() => {
            const [B, L] = xt.shape;
            const t = tf.div(tf.add(tf.cast(idx, "float32"), 1), T) as tf.Tensor1D;
            const p = tf.softmax(vectorDit(params, model, xt, t));
            return tf.reshape(tf.matMul(tf.reshape(p, [B * L, V]), emb), [B, L, model.hidden]) as tf.Tensor3D;
          }), request);
        } finally {
          emb.dispose();
        }
      });
    },
  });
  return {
    kind: "diffusion-lm",
    modelKind: "dit",
    inputSize: V,
    outputSize: V,
    clusters: null,
    loss: (params, model, b, rng, training) =>
      tf.tidy(() => {
        const t = ctx.times.sampleTensor(b.tokens.shape[0], rng);
        const r = diffusionLmTerms(schedule, params, model, b, t, rng, training && o.training === "mse" ? "mse" : "elbo");
        const total = tf.add(tf.add(r.integrand, r.decoder), r.prior);
        return tf.div(tf.sum(total), tf.maximum(tf.sum(b.mask), 1)) as tf.Scalar;
      }),
    initParams: () => undefined,
    scorer: null,
    sampler: () => {
      throw new Error(`a diffusion-lm run samples with its parameters (its network reads vectors): use a loaded run's sampler() or method.direct(params, model).sampler()`);
    },
    direct,
  };
}
