// s_norm (decoding.md §1 step 5): the per-sequence constant that rescales the gated unmask weights so that the
// expected number of unmasks per step equals the plain step's, and the capped rescaling of probabilities.
import { checkLayout } from "./config";

/** ε in the s_norm denominator (decoding.md §1 step 5, `eps0` of the reference). */
export const S_NORM_EPSILON = 1e-12;

/**
 * s_norm_b = |M_b| / (Σ_{i∈M_b} mass_i·s_i + ε) per sequence (decoding.md §1 step 5), with M_b the masked positions
 * of row b, `mass` the per-position candidate mass (Σ_j top_ij) and `gate` the s_i. Then Σ_{i∈M} mass_i·s_i·s_norm
 * = |M| (up to ε). A row with no masked position gets 0.
 */
export function sNorm(mass: ArrayLike<number>, gate: ArrayLike<number>, masked: ArrayLike<number>, batch = 1, length = masked.length / batch): Float64Array {
  checkLayout(masked.length, batch, length, "masked");
  checkLayout(mass.length, batch, length, "mass");
  checkLayout(gate.length, batch, length, "gate");
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    let den = 0;
    for (let l = 0; l < length; l++) {
      const i = b * length + l;
      if (!masked[i]) continue;
      count++;
      den += mass[i] * gate[i];
    }
    out[b] = count === 0 ? 0 : count / (den + S_NORM_EPSILON);
  }
  return out;
}

/**
 * Per-position probabilities π_i = min(1, c·w_i) over the eligible positions of one row, with c chosen so that
 * Σ π_i = `target` exactly (decoding.md §1 step 5: the expected number of unmasks equals the plain step's).
 * When no π_i reaches 1 this is π_i = w_i·target/Σw, i.e. s_norm scaled by the plain step's unmask rate; when some
 * would exceed 1 they are capped at 1 and the rest is rescaled (water-filling), which keeps the sum exact.
 * If `target` is at least the number of eligible positions with w_i > 0, all of those get 1 (the most the gate
 * allows: a position with w_i = 0, e.g. no decoded neighbour, is never decoded). Ineligible positions get 0.
 */
export function matchUnmaskProbabilities(weights: ArrayLike<number>, eligible: ArrayLike<number>, target: number): Float64Array {
  if (weights.length !== eligible.length) throw new RangeError(`weights and eligible must have the same length, got ${weights.length} and ${eligible.length}`);
  if (typeof target !== "number" || !Number.isFinite(target) || target < 0) throw new RangeError(`target must be a finite number >= 0, got ${String(target)}`);
  const out = new Float64Array(weights.length);
  const idx: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weights must be finite and >= 0, got ${w} at index ${i}`);
    if (eligible[i] && w > 0) idx.push(i);
  }
  if (idx.length === 0 || target === 0) return out;
  if (target >= idx.length) {
    for (const i of idx) out[i] = 1;
    return out;
  }
  idx.sort((a, b) => weights[b] - weights[a] || a - b);
  let rest = 0;
  for (const i of idx) rest += weights[i];
  // m = number of capped positions (the m largest weights); increase m until the scale keeps the next one <= 1.
  for (let m = 0; m < idx.length; m++) {
    const c = (target - m) / rest;
    if (c * weights[idx[m]] <= 1) {
      for (let r = 0; r < idx.length; r++) out[idx[r]] = r < m ? 1 : Math.min(1, c * weights[idx[r]]);
      return out;
    }
    rest -= weights[idx[m]];
  }
  for (const i of idx) out[i] = 1; // unreachable: target < idx.length makes the last m valid
  return out;
}
