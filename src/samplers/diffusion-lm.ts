// Diffusion-LM's reverse step: clamping x0-hat to the nearest embedding row (`denoised_fn_round`) and one
// ancestral step x_t -> x_{t-1} with the posterior mean and the fixed model variance.
import { tf } from "../engine/tf";
import { matmul2d } from "../engine/matmul";
import { SeededRng, toSeededRng } from "../processes/rng";
import { GaussianProcessTable } from "../schedules/diffusion-lm";
import { modelVariance, qPosterior } from "../losses/diffusion-lm";

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
