// MDLM's ddpm reverse step (baselines.md §1, `_ddpm_caching_update`): a MASK position at t moves to token v
// with weight p_θ(v)(t - s) or stays MASK with weight s, normalised by t; unmasked positions are copied.
import { tf } from "../engine/tf";
import { checkStep } from "./posterior-hdlm";

/**
 * Probabilities of z_s [B, L, V + 1] for MDLM's ddpm step: `probs` [B, L, V] model token probabilities,
 * `z` [B, L] int32 (MASK = V), t and s per sequence (the reference uses t itself as the mask probability).
 */
export function mdlmDdpmProbs(probs: tf.Tensor3D, z: tf.Tensor2D, t: tf.Tensor1D | number, s: tf.Tensor1D | number, vocabSize: number): tf.Tensor3D {
  const V = vocabSize;
  if (probs.rank !== 3 || probs.shape[2] !== V) throw new RangeError(`probs must be [B, L, vocabSize = ${V}], got [${probs.shape}]`);
  const [B, L] = probs.shape;
  if (z.rank !== 2 || z.dtype !== "int32" || z.shape[0] !== B || z.shape[1] !== L) throw new RangeError(`z must be a [${B}, ${L}] int32 tensor, got ${z.dtype} [${z.shape}]`);
  const read = (v: tf.Tensor1D | number, name: string): Float64Array => {
    if (typeof v === "number") return new Float64Array(B).fill(v);
    if (v.rank !== 1 || v.shape[0] !== B) throw new RangeError(`${name} must have shape [${B}] or be a number, got [${v.shape}]`);
    return Float64Array.from(v.dataSync());
  };
  const ts = read(t, "t"), ss = read(s, "s");
  const zs = z.dataSync();
  const N = B * L;
  const toTok = new Float32Array(N), stay = new Float32Array(N), isMask = new Float32Array(N), tok = new Int32Array(N);
  for (let b = 0; b < B; b++) {
    checkStep(ts[b], ss[b]);
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      const id = zs[i];
      if (!(id >= 0 && id <= V)) throw new RangeError(`z holds ${id} at flat index ${i}; ids must lie in [0, ${V}]`);
      if (id === V) isMask[i] = 1;
      else tok[i] = id;
      toTok[i] = (ts[b] - ss[b]) / ts[b];
      stay[i] = ss[b] / ts[b];
    }
  }
  return tf.tidy(() => {
    const col = (a: Float32Array) => tf.reshape(tf.tensor1d(a), [N, 1]);
    const xh = tf.reshape(probs, [N, V]);
    const maskRow = tf.concat([tf.mul(xh, col(toTok)), col(stay)], 1);
    const tokRow = tf.oneHot(tf.tensor1d(tok, "int32"), V + 1);
    const out = tf.add(tf.mul(maskRow, col(isMask)), tf.mul(tokRow, tf.sub(1, col(isMask))));
    return tf.reshape(out, [B, L, V + 1]) as tf.Tensor3D;
  });
}
