// Diffusion-LM's Gaussian pieces (improved-diffusion `gaussian_diffusion.py`, `training_losses_e2e`): q_sample,
// the posterior q(x_{t-1}|x_t, x_0), the training loss (x0 MSE + rounding CE + prior) and the NLL-bound terms.
import { tf } from "../engine/tf";
import { GaussianProcessTable } from "../schedules/diffusion-lm";

function gatherT(values: Float64Array, t: tf.Tensor1D, name: string): tf.Tensor3D {
  const ids = t.dataSync();
  const out = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i];
    if (!Number.isInteger(k) || k < 0 || k >= values.length) throw new RangeError(`${name} must hold step indices in [0, ${values.length}), got ${k}`);
    out[i] = values[k];
  }
  return tf.tensor3d(out, [ids.length, 1, 1]);
}

function sqrtOf(a: Float64Array, oneMinus = false): Float64Array {
  return a.map((v) => Math.sqrt(oneMinus ? 1 - v : v));
}

/** `x_t = sqrt(abar_t) x_start + sqrt(1 - abar_t) noise` for `[B, L, d]` tensors and step indices `t` `[B]`. */
export function qSample(table: GaussianProcessTable, xStart: tf.Tensor3D, t: tf.Tensor1D, noise: tf.Tensor3D): tf.Tensor3D {
  if (xStart.shape.join() !== noise.shape.join()) throw new RangeError(`noise must have xStart's shape [${xStart.shape}], got [${noise.shape}]`);
  if (t.rank !== 1 || t.shape[0] !== xStart.shape[0]) throw new RangeError(`t must be [${xStart.shape[0]}], got [${t.shape}]`);
  return tf.tidy(() => {
    const a = gatherT(sqrtOf(table.alphasCumprod), t, "t");
    const b = gatherT(sqrtOf(table.alphasCumprod, true), t, "t");
    return tf.add(tf.mul(a, xStart), tf.mul(b, noise)) as tf.Tensor3D;
  });
}

/**
 * Posterior q(x_{t-1} | x_t, x_0) (DDPM eq. 7): mean `c1_t x_0 + c2_t x_t`, variance `beta_t(1-abar_{t-1})/(1-abar_t)`.
 * Returns the mean `[B, L, d]` and the variance `[B, 1, 1]`.
 */
export function qPosterior(table: GaussianProcessTable, xStart: tf.Tensor3D, xt: tf.Tensor3D, t: tf.Tensor1D): { mean: tf.Tensor3D; variance: tf.Tensor3D } {
  if (xStart.shape.join() !== xt.shape.join()) throw new RangeError(`xt must have xStart's shape [${xStart.shape}], got [${xt.shape}]`);
  return tf.tidy(() => {
    const c1 = gatherT(table.posteriorMeanCoef1, t, "t");
    const c2 = gatherT(table.posteriorMeanCoef2, t, "t");
    return { mean: tf.add(tf.mul(c1, xStart), tf.mul(c2, xt)) as tf.Tensor3D, variance: gatherT(table.posteriorVariance, t, "t") };
  });
}

/**
 * Model variance of p(x_{t-1}|x_t): `'fixedLarge'` (Diffusion-LM's default: beta_t, with entry 0 set to
 * posteriorVariance[1] as improved-diffusion does) or `'fixedSmall'` (the posterior variance).
 */
export function modelVariance(table: GaussianProcessTable, kind: "fixedLarge" | "fixedSmall" = "fixedLarge"): Float64Array {
  if (kind === "fixedSmall") return table.posteriorVariance.slice();
  if (kind !== "fixedLarge") throw new RangeError(`kind must be 'fixedLarge' or 'fixedSmall', got ${String(kind)}`);
  const v = table.betas.slice();
  if (table.T > 1) v[0] = table.posteriorVariance[1];
  return v;
}

/** Elementwise KL(N(m1, v1) || N(m2, v2)) in nats. */
export function gaussianKl(mean1: tf.Tensor, var1: tf.Tensor | number, mean2: tf.Tensor, var2: tf.Tensor | number): tf.Tensor {
  return tf.tidy(() => {
    const lv1 = tf.log(var1);
    const lv2 = tf.log(var2);
    return tf.mul(0.5, tf.add(tf.sub(tf.sub(lv2, lv1), 1), tf.div(tf.add(var1, tf.square(tf.sub(mean1, mean2))), var2)));
  });
}

/** Inputs of {@link diffusionLmLoss}: B sequences, L positions, d embedding dims, V tokens. */
export interface DiffusionLmLossInputs {
  /** Emb(w) `[B, L, d]`. */
  xStartMean: tf.Tensor3D;
  /** x_start = Emb(w) + sigma_0 eps `[B, L, d]`. */
  xStart: tf.Tensor3D;
  /** The model's x_0 prediction at (x_t, t) `[B, L, d]`. */
  x0Hat: tf.Tensor3D;
  /** Step indices `[B]` (int32, uniform on 0..T-1). */
  t: tf.Tensor1D;
  /** lm_head(x_start) `[B, L, V]`. */
  roundingLogits: tf.Tensor3D;
  /** Tokens w `[B, L]`. */
  tokens: tf.Tensor2D;
}

/**
 * Diffusion-LM e2e loss per sequence `[B]` (baselines.md §4): `mse + rounding + prior`, with
 * `mse = mean((x_start - x0Hat)^2)` (against Emb(w) where t = 0), `prior = mean((sqrt(abar_{T-1}) x_start)^2)`,
 * `rounding = mean over positions of CE(lm_head(x_start), w)`; means run over L x d.
 */
export function diffusionLmLoss(table: GaussianProcessTable, inputs: DiffusionLmLossInputs): { loss: tf.Tensor1D; mse: tf.Tensor1D; rounding: tf.Tensor1D; prior: tf.Tensor1D } {
  const { xStartMean, xStart, x0Hat, t, roundingLogits, tokens } = inputs;
  const shape = xStart.shape.join();
  if (xStartMean.shape.join() !== shape || x0Hat.shape.join() !== shape) {
    throw new RangeError(`xStartMean, xStart and x0Hat must share one shape, got [${xStartMean.shape}], [${xStart.shape}], [${x0Hat.shape}]`);
  }
  const [B, L] = xStart.shape;
  if (t.rank !== 1 || t.shape[0] !== B) throw new RangeError(`t must be [${B}], got [${t.shape}]`);
  if (tokens.rank !== 2 || tokens.shape[0] !== B || tokens.shape[1] !== L) throw new RangeError(`tokens must be [${B}, ${L}], got [${tokens.shape}]`);
  if (roundingLogits.rank !== 3 || roundingLogits.shape[0] !== B || roundingLogits.shape[1] !== L) {
    throw new RangeError(`roundingLogits must be [${B}, ${L}, V], got [${roundingLogits.shape}]`);
  }
  return tf.tidy(() => {
    const isT0 = tf.reshape(tf.equal(t, 0), [B, 1, 1]);
    const target = tf.where(tf.broadcastTo(isT0, xStart.shape), xStartMean, xStart);
    const mse = tf.mean(tf.square(tf.sub(target, x0Hat)), [1, 2]) as tf.Tensor1D;
    const top = Math.sqrt(table.alphasCumprod[table.T - 1]);
    const prior = tf.mean(tf.square(tf.mul(top, xStart)), [1, 2]) as tf.Tensor1D;
    const logp = tf.logSoftmax(roundingLogits);
    const V = roundingLogits.shape[2];
    const ce = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(tf.cast(tokens, "int32"), V)), -1));
    const rounding = tf.mean(ce, -1) as tf.Tensor1D;
    return { loss: tf.add(tf.add(mse, rounding), prior) as tf.Tensor1D, mse, rounding, prior };
  });
}

/**
 * One variational term of the NLL bound in nats per position `[B, L]`: KL(q(x_{t-1}|x_t,x_0) || N(mu(x_t, x0Hat), var_t)),
 * summed over d, for steps t >= 1 (the model mean uses the posterior mean with x0Hat; fixed model variance).
 */
export function vbTermNats(table: GaussianProcessTable, xStart: tf.Tensor3D, xt: tf.Tensor3D, x0Hat: tf.Tensor3D, t: tf.Tensor1D, variance = modelVariance(table)): tf.Tensor2D {
  return tf.tidy(() => {
    const q = qPosterior(table, xStart, xt, t);
    const p = qPosterior(table, x0Hat, xt, t);
    const mv = gatherT(variance, t, "t");
    return tf.sum(gaussianKl(q.mean, q.variance, p.mean, mv), -1) as tf.Tensor2D;
  });
}

/** Prior term KL(q(x_{T-1}|x_0) || N(0, I)) in nats per position `[B, L]`. */
export function priorKlNats(table: GaussianProcessTable, xStart: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const a = table.alphasCumprod[table.T - 1];
    return tf.sum(gaussianKl(tf.mul(Math.sqrt(a), xStart), 1 - a, tf.zerosLike(xStart), 1), -1) as tf.Tensor2D;
  });
}

/** Bits per element (averaged over d, the reference's unit) to nats per token: `bpd d ln 2`. */
export function bpdToNatsPerToken(bpd: number, d: number): number {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d (embedding dims) must be an integer >= 1, got ${d}`);
  return bpd * d * Math.LN2;
}

/** Nats per token to bits per element: `nats/(d ln 2)`. */
export function natsPerTokenToBpd(nats: number, d: number): number {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d (embedding dims) must be an integer >= 1, got ${d}`);
  return nats / (d * Math.LN2);
}

/** Parts of the Diffusion-LM NLL bound, each in nats per token. */
export interface NllBoundParts {
  /** Sum over t of the KL terms (or T times one uniformly sampled term: unbiased). */
  diffusion: number;
  /** KL of q(x_{T-1}|x_0) to the prior. */
  prior: number;
  /** Decoder / rounding NLL -log p(w | x_0) (already per token). */
  decoder: number;
}

/** Total bound in nats per token, its bpd, and PPL = exp(nats per token). */
export function nllBound(parts: NllBoundParts, d: number): { natsPerToken: number; bpd: number; ppl: number } {
  for (const k of ["diffusion", "prior", "decoder"] as const) {
    if (!Number.isFinite(parts[k])) throw new RangeError(`parts.${k} must be a finite number, got ${parts[k]}`);
  }
  const nats = parts.diffusion + parts.prior + parts.decoder;
  return { natsPerToken: nats, bpd: natsPerTokenToBpd(nats, d), ppl: Math.exp(nats) };
}
