// Seeded draws for a gated step (decoding.md §1 step 6): which positions decode (independent Bernoulli trials with
// per-position unmask probabilities), and which candidate token each decoded position takes.
import { SeededRng } from "../util/rng";

/**
 * Independent Bernoulli draws: out[i] = 1 with probability `unmask[i]` (clamped to [0, 1]). One uniform is used
 * per position with 0 < p < 1, in index order, so a seed fixes the outcome. p = 0 never fires, p = 1 always does.
 */
export function drawUnmaskPositions(unmask: ArrayLike<number>, rng: SeededRng): Uint8Array {
  const out = new Uint8Array(unmask.length);
  for (let i = 0; i < unmask.length; i++) {
    const p = unmask[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`unmask probabilities must lie in [0, 1], got ${p} at index ${i}`);
    if (p === 0) continue;
    out[i] = p === 1 || rng.uniform() < p ? 1 : 0;
  }
  return out;
}

/** Index j in [0, count) drawn ∝ `weights[offset + j]` (a candidate among a position's top-k). */
export function drawCandidate(weights: ArrayLike<number>, offset: number, count: number, rng: SeededRng): number {
  return rng.categorical(weights, offset, count);
}
