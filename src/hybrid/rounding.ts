// Rounding at boundary b (hybrid.md §1): x_b = round(z_b), per position the id k in V ∪ {m} minimising
// ‖z_b/√ᾱ_b - Emb(k)‖ (deterministic), and the measured rounding accuracy (fraction of positions with x_b = x_a).
import { EmbeddingTable } from "./embeddings";

/**
 * Nearest embedding row (mask row included) of `z/√alphaBar` for each of the N = z.length/d vectors; ties go to
 * the lower id. `alphaBar` in (0, 1] (1 rounds noiseless embeddings).
 */
export function roundToEmbeddings(emb: EmbeddingTable, z: ArrayLike<number>, alphaBar: number): Int32Array {
  const d = emb.dim;
  if (!(alphaBar > 0 && alphaBar <= 1)) throw new RangeError(`alphaBar must be in (0, 1], got ${alphaBar}`);
  if (z.length % d !== 0) throw new RangeError(`z length ${z.length} is not a multiple of d = ${d}`);
  const N = z.length / d;
  const inv = 1 / Math.sqrt(alphaBar);
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let k = 0; k < emb.rows; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = z[i * d + j] * inv - emb.data[k * d + j];
        s += diff * diff;
      }
      if (s < bestD) {
        bestD = s;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Fraction of (non-padding) positions with x_b = x_a: the rounding accuracy at b reported in §1. */
export function roundingAccuracy(xa: ArrayLike<number>, xb: ArrayLike<number>, padMask?: ArrayLike<number>): number {
  if (xa.length !== xb.length) throw new RangeError(`xa and xb must have one length, got ${xa.length} and ${xb.length}`);
  if (padMask !== undefined && padMask.length !== xa.length) throw new RangeError(`padMask must have length ${xa.length}, got ${padMask.length}`);
  let n = 0;
  let same = 0;
  for (let i = 0; i < xa.length; i++) {
    if (padMask !== undefined && padMask[i] === 0) continue;
    n++;
    if (xa[i] === xb[i]) same++;
  }
  if (n === 0) throw new RangeError("roundingAccuracy needs at least one non-padding position");
  return same / n;
}
