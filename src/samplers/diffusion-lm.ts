// Diffusion-LM's reverse step: clamping x0-hat to the nearest embedding row (`denoised_fn_round`) and one
// ancestral step x_t -> x_{t-1} with the posterior mean and the fixed model variance; and the whole reverse
// process as a Sampler (an embedding denoiser in, the nearest-row token ids out).
import { tf } from "../engine/tf";
import { matmul2d } from "../engine/matmul";
import { SeededRng, toSeededRng } from "../util/rng";
import { GaussianProcessTable } from "../schedules/diffusion-lm";
import { modelVariance, qPosterior } from "../losses/diffusion-lm";
import { SampleBatch, SampleRequest, SampleResult, Sampler, checkRequest, initialState, promptMask, snapshot } from "./sampler";

/**
 * Nearest embedding row of each vector (L2, as `||e||^2 - 2 e^T x + ||x||^2`): returns the token ids `[N...]` and the
 * rows themselves (exact copies of `emb` rows). `x` is `[..., d]`, `emb` is `[V, d]`.
 */
export function clampToEmbeddings(x: tf.Tensor, emb: tf.Tensor2D): { ids: tf.Tensor; rows: tf.Tensor } {
  const d = x.shape[x.rank - 1];
  if (emb.rank !== 2 || emb.shape[1] !== d) throw new RangeError(`emb must be [V, ${d}], got [${emb.shape}]`);
  return tf.tidy(() => {
    const flat = tf.reshape(x, [-1, d]) as tf.Tensor2D;
    const cross = matmul2d(flat, tf.transpose(emb) as tf.Tensor2D); // [N, V]
    const dist = tf.add(tf.sub(tf.reshape(tf.sum(tf.square(emb), -1), [1, -1]), tf.mul(2, cross)), tf.sum(tf.square(flat), -1, true));
    const ids = tf.argMin(dist, -1);
    const rows = tf.gather(emb, ids);
    return { ids: tf.reshape(ids, x.shape.slice(0, -1)), rows: tf.reshape(rows, x.shape) };
  });
}

/**
 * One reverse step (DDPM ancestral sampling with predict_xstart): `x_{t-1} = mu(x_t, x0Hat) + sqrt(var_t) z`, no noise
 * at t = 0. Pass `emb` to clamp x0Hat to the nearest embedding row first (Diffusion-LM's default when sampling).
 * `t` is one step index shared by the batch; `xt`, `x0Hat` are `[B, L, d]`.
 */
export function diffusionLmStep(
  table: GaussianProcessTable,
  xt: tf.Tensor3D,
  x0Hat: tf.Tensor3D,
  t: number,
  rng: SeededRng | number,
  options: { emb?: tf.Tensor2D; variance?: "fixedLarge" | "fixedSmall" } = {},
): tf.Tensor3D {
  if (!Number.isInteger(t) || t < 0 || t >= table.T) throw new RangeError(`t must be a step index in [0, ${table.T}), got ${t}`);
  const g = toSeededRng(rng);
  const v = modelVariance(table, options.variance ?? "fixedLarge")[t];
  const noise = new Float32Array(xt.size);
  if (t > 0) for (let i = 0; i < noise.length; i++) noise[i] = g.normal();
  return tf.tidy(() => {
    const x0 = options.emb !== undefined ? (clampToEmbeddings(x0Hat, options.emb).rows as tf.Tensor3D) : x0Hat;
    const { mean } = qPosterior(table, x0, xt, tf.fill([xt.shape[0]], t, "int32") as tf.Tensor1D);
    return tf.add(mean, tf.mul(Math.sqrt(v), tf.tensor(noise, xt.shape))) as tf.Tensor3D;
  });
}

/**
 * Diffusion-LM's model as its sampler sees it: noisy embeddings x_t `[B, L, d]` and one step index per sequence
 * `t` `[B]` (int32, 0..T-1) in, the x_0 prediction `[B, L, d]` out (the sampler disposes it).
 */
export type EmbeddingDenoiser = (xt: tf.Tensor3D, t: tf.Tensor1D) => tf.Tensor3D;

/** Options of {@link DiffusionLmSampler}. */
export interface DiffusionLmSamplerOptions {
  /** The T-step Gaussian process (its schedule). */
  table: GaussianProcessTable;
  /** The embedding table `[V, d]` (held by the caller; the sampler never disposes it). */
  emb: tf.Tensor2D;
  /** Clamp x̂_0 to the nearest embedding row at every step (`denoised_fn_round`, default true). */
  clamp?: boolean;
  /** Model variance (default 'fixedLarge'). */
  variance?: "fixedLarge" | "fixedSmall";
}

/**
 * Diffusion-LM's ancestral sampler as a {@link Sampler}: x_{T-1} ~ N(0, I), then T steps t = T-1..0 of
 * {@link diffusionLmStep}; a prompt's positions are set to their embedding rows after every step (infilling);
 * the output is each position's nearest embedding row. Times are t/T of the step index; the hook's states are the
 * nearest-row ids of x_t.
 */
export class DiffusionLmSampler implements Sampler<EmbeddingDenoiser> {
  readonly name: string;
  readonly table: GaussianProcessTable;
  readonly emb: tf.Tensor2D;
  readonly clamp: boolean;
  readonly variance: "fixedLarge" | "fixedSmall";

  constructor(options: DiffusionLmSamplerOptions) {
    if (options.emb.rank !== 2) throw new RangeError(`emb must be [V, d], got [${options.emb.shape}]`);
    this.table = options.table;
    this.emb = options.emb;
    this.clamp = options.clamp ?? true;
    this.variance = options.variance ?? "fixedLarge";
    if (this.variance !== "fixedLarge" && this.variance !== "fixedSmall") throw new RangeError(`variance must be 'fixedLarge' or 'fixedSmall', got '${String(this.variance)}'`);
    this.name = `diffusion-lm(T=${this.table.T}${this.clamp ? ", clamp" : ""})`;
  }

  /** V real tokens (rows of the embedding table). */
  get vocabSize(): number {
    return this.emb.shape[0];
  }

  sample(denoise: EmbeddingDenoiser, request: SampleRequest): SampleResult {
    const { B, L } = checkRequest(request);
    const V = this.vocabSize, d = this.emb.shape[1], T = this.table.T;
    const rng = toSeededRng(request.seed ?? 0);
    const fixed = promptMask(B, L, V, request.prompt);
    const promptIds = fixed === null ? null : initialState(B, L, V, V, request.prompt);
    const noise = new Float32Array(B * L * d);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    let x = this.infill(tf.tensor3d(noise, [B, L, d]), fixed, promptIds);
    const ids = (): Int32Array => tf.tidy(() => clampToEmbeddings(x, this.emb).ids.dataSync() as Int32Array);
    try {
      request.onStep?.(0, 1, snapshot(ids(), B, L));
      for (let t = T - 1; t >= 0; t--) {
        const next = this.reverse(denoise, x, t, rng);
        x.dispose();
        x = this.infill(next, fixed, promptIds);
        if (request.onStep !== undefined) request.onStep(T - t, t / T, snapshot(ids(), B, L));
      }
      return { tokens: snapshot(ids(), B, L), steps: T, modelCalls: T, cacheHits: 0 };
    } finally {
      x.dispose();
    }
  }

  /**
   * Reverse steps t -> s of a host token state: the tokens' embedding rows stand for x at step index
   * ceil(t T) - 1, the ancestral steps run down to index ceil(s T) - 1 (at least one), and the result is rounded
   * to the nearest rows; `state` is not modified.
   */
  step(denoise: EmbeddingDenoiser, state: SampleBatch, t: number, s: number, rng: SeededRng | number): SampleBatch {
    if (!(t > 0 && t <= 1 && s >= 0 && s < t)) throw new RangeError(`need 0 <= s < t <= 1, got t = ${t}, s = ${s}`);
    const V = this.vocabSize, T = this.table.T;
    for (let i = 0; i < state.data.length; i++) if (!(state.data[i] >= 0 && state.data[i] < V)) throw new RangeError(`state holds ${state.data[i]} at flat index ${i}; ids must lie in [0, ${V})`);
    const g = toSeededRng(rng);
    const from = Math.ceil(t * T) - 1;
    const to = Math.min(from - 1, Math.ceil(s * T) - 1);
    let x = tf.tidy(() => tf.gather(this.emb as tf.Tensor, tf.tensor2d(state.data, [state.batch, state.length], "int32")) as tf.Tensor3D);
    try {
      for (let k = from; k > to; k--) {
        const next = this.reverse(denoise, x, k, g);
        x.dispose();
        x = next;
      }
      return snapshot(tf.tidy(() => clampToEmbeddings(x, this.emb).ids.dataSync() as Int32Array), state.batch, state.length);
    } finally {
      x.dispose();
    }
  }

  private reverse(denoise: EmbeddingDenoiser, x: tf.Tensor3D, t: number, rng: SeededRng): tf.Tensor3D {
    const x0 = tf.tidy(() => {
      const out = denoise(x, tf.fill([x.shape[0]], t, "int32") as tf.Tensor1D);
      if (out.shape.join() !== x.shape.join()) throw new RangeError(`denoiser must return x0 [${x.shape}], got [${out.shape}]`);
      return out;
    });
    try {
      return diffusionLmStep(this.table, x, x0, t, rng, { emb: this.clamp ? this.emb : undefined, variance: this.variance });
    } finally {
      x0.dispose();
    }
  }

  /** Sets the prompt's positions to their embedding rows (disposes `x` if it replaces it). */
  private infill(x: tf.Tensor3D, fixed: Uint8Array | null, ids: Int32Array | null): tf.Tensor3D {
    if (fixed === null || ids === null) return x;
    const [B, L] = x.shape;
    const out = tf.tidy(() => {
      const keep = tf.reshape(tf.tensor1d(fixed, "bool"), [B, L, 1]);
      const rows: tf.Tensor = tf.gather(this.emb as tf.Tensor, tf.tensor2d(ids.map((id) => (id < this.vocabSize ? id : 0)), [B, L], "int32"));
      return tf.where(keep, rows, x as tf.Tensor) as tf.Tensor3D;
    });
    x.dispose();
    return out;
  }
}
