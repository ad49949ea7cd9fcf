// The token embedding table Emb: V ∪ {m} → R^d as the hybrid's host-side math sees it (hybrid.md §1): V + 1 rows,
// the last one the [MASK] row, row-major; plus the noisy-embedding map z = √ᾱ·Emb(x) + √(1 - ᾱ)·ε.
import { tf } from "../engine/tf";

/** Emb as plain numbers: `rows = V + 1` (row V is [MASK]), `data[k * dim + j]`. */
export interface EmbeddingTable {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float64Array;
}

/** Builds a table from row-major numbers with `dim` columns (at least 3 rows: two tokens and the mask). */
export function embeddingTable(data: ArrayLike<number>, dim: number): EmbeddingTable {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be an integer >= 1, got ${dim}`);
  if (data.length % dim !== 0) throw new RangeError(`embedding data length ${data.length} is not a multiple of dim = ${dim}`);
  const rows = data.length / dim;
  if (rows < 3) throw new RangeError(`an embedding table needs >= 3 rows (V >= 2 tokens plus [MASK]), got ${rows}`);
  const out = Float64Array.from(data);
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) throw new RangeError(`embedding data[${i}] must be finite, got ${out[i]}`);
  return Object.freeze({ rows, dim, data: out });
}

/** A host copy of a `[V + 1, d]` embedding tensor (e.g. the model's learned token embedding, mask row last). */
export function embeddingTableFromTensor(emb: tf.Tensor2D): EmbeddingTable {
  return embeddingTable(emb.dataSync(), emb.shape[1]);
}

/** Number of real tokens V (the mask id). */
export function embeddingMaskId(emb: EmbeddingTable): number {
  return emb.rows - 1;
}

/** `√ᾱ·Emb(ids[i]) + √(1 - ᾱ)·noise[i]` for N ids and N·d noise values (host; ᾱ in (0, 1]). */
export function noisyEmbeddings(emb: EmbeddingTable, ids: ArrayLike<number>, alphaBar: number, noise: ArrayLike<number>): Float64Array {
  const d = emb.dim;
  if (!(alphaBar > 0 && alphaBar <= 1)) throw new RangeError(`alphaBar must be in (0, 1], got ${alphaBar}`);
  if (noise.length !== ids.length * d) throw new RangeError(`noise must hold ids.length * d = ${ids.length * d} values, got ${noise.length}`);
  const s = Math.sqrt(alphaBar);
  const n = Math.sqrt(1 - alphaBar);
  const out = new Float64Array(ids.length * d);
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i];
    if (!Number.isInteger(k) || k < 0 || k >= emb.rows) throw new RangeError(`ids[${i}] = ${k} is not a row of the embedding table (0..${emb.rows - 1})`);
    for (let j = 0; j < d; j++) out[i * d + j] = s * emb.data[k * d + j] + n * noise[i * d + j];
  }
  return out;
}

/**
 * The same map on tensors, differentiable in `emb` (what a trainer uses so Emb gets gradients through the
 * noisy input and the targets): `emb` `[V + 1, d]`, `ids` `[B, L]` int32, `alphaBar` `[B]` (one level per row),
 * `noise` `[B, L, d]` → `[B, L, d]`.
 */
export function noisyEmbeddingsTensor(emb: tf.Tensor2D, ids: tf.Tensor2D, alphaBar: tf.Tensor1D, noise: tf.Tensor3D): tf.Tensor3D {
  const [B, L] = ids.shape;
  if (alphaBar.shape[0] !== B) throw new RangeError(`alphaBar must be [${B}], got [${alphaBar.shape}]`);
  if (noise.shape[0] !== B || noise.shape[1] !== L || noise.shape[2] !== emb.shape[1]) throw new RangeError(`noise must be [${B}, ${L}, ${emb.shape[1]}], got [${noise.shape}]`);
  return tf.tidy(() => {
    const e = tf.gather(emb, tf.cast(ids, "int32"));
    const ab = tf.reshape(alphaBar, [B, 1, 1]);
    return tf.add(tf.mul(tf.sqrt(ab), e), tf.mul(tf.sqrt(tf.sub(1, ab)), noise)) as tf.Tensor3D;
  });
}
