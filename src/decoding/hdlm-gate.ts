// The gate on HDLM's MASK -> cluster move (decoding.md §1 "Plugging into HDLM"; our extension, not the paper's):
// the chance of leaving MASK is multiplied by s_i and rescaled per sequence so that the expected number of MASK
// departures per step is unchanged; cluster -> token and clean rows are left as they are.
import { checkLayout } from "./config";
import { matchUnmaskProbabilities } from "./s-norm";

/** The layout of HDLM posterior rows: [tokens 0..V-1, MASK = V, clusters V+1..V+n]. */
export interface HdlmRowLayout {
  batch: number;
  length: number;
  vocabSize: number;
  numClusters: number;
}

/**
 * Gates the MASK rows of HDLM reverse-step probabilities (`hdlmReverseProbs`, [batch * length * (V + 1 + n)], host
 * copy). For each MASK position i, ℓ_i = 1 − row_i[MASK] is its chance of leaving MASK (to a cluster, or for the
 * exact rule directly to a token). The gated chance is π_i = min(1, c·s_i·ℓ_i) with c per sequence so that
 * Σ_{i∈M} π_i = Σ_{i∈M} ℓ_i (uncapped: π_i = ℓ_i·s_i·s_norm with s_norm = Σℓ/Σ s·ℓ, i.e. |M|/Σ s when ℓ is the same
 * everywhere); each leave column is scaled by π_i/ℓ_i and MASK gets 1 − π_i, so the split between clusters (and
 * tokens) is kept. A MASK position with s_i = 0 stays MASK. Other rows are copied. `z` holds the current ids
 * (MASK = V, cluster k = V + 1 + k) and `gate` the s_i, computed on the decoded mask z !== V (clusters count).
 * Labelled as hdlm-lab's extension: the paper gates MDLM/LLaDA only.
 */
export function gateHdlmMaskRows(rows: ArrayLike<number>, z: ArrayLike<number>, gate: ArrayLike<number>, layout: HdlmRowLayout): Float64Array {
  const { batch, length, vocabSize: V, numClusters: n } = layout;
  const W = V + 1 + n;
  checkLayout(z.length, batch, length, "z");
  checkLayout(gate.length, batch, length, "gate");
  if (rows.length !== batch * length * W) throw new RangeError(`rows must hold batch * length * (vocabSize + 1 + numClusters) = ${batch * length * W} entries, got ${rows.length}`);
  const out = Float64Array.from(rows);
  for (let b = 0; b < batch; b++) {
    const o = b * length;
    const masked = new Uint8Array(length);
    const leave = new Float64Array(length);
    const w = new Float64Array(length);
    let target = 0;
    for (let l = 0; l < length; l++) {
      const i = o + l;
      const g = gate[i];
      if (!(g >= 0 && g <= 1)) throw new RangeError(`gate must lie in [0, 1], got ${g} at flat index ${i}`);
      if (z[i] !== V) continue;
      masked[l] = 1;
      leave[l] = Math.min(1, Math.max(0, 1 - rows[i * W + V]));
      w[l] = g * leave[l];
      target += leave[l];
    }
    const pi = matchUnmaskProbabilities(w, masked, target);
    for (let l = 0; l < length; l++) {
      if (!masked[l]) continue;
      const i = o + l;
      const scale = leave[l] > 0 ? pi[l] / leave[l] : 0;
      for (let c = 0; c < W; c++) if (c !== V) out[i * W + c] = rows[i * W + c] * scale;
      out[i * W + V] = 1 - pi[l];
    }
  }
  return out;
}
