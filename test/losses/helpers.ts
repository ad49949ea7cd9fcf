// Shared fixtures for the loss and sampler tests: toy cluster layouts and seeded random logits.
import { makeClusterLayout } from "../../src/processes";
import { SeededRng } from "../../src/util/rng";

export const toy2 = makeClusterLayout([0, 0, 0, 1, 1, 1]); // V = 6, n = 2
export const toy3 = makeClusterLayout([0, 1, 2, 0, 1, 2]); // V = 6, n = 3

/** Softmax of seeded normal logits with standard deviation `scale` (float64). */
export function randomTable(V: number, seed: number, scale = 1): Float64Array {
  const rng = new SeededRng(seed);
  const l = Array.from({ length: V }, () => rng.normal() * scale);
  const m = Math.max(...l);
  const e = l.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return Float64Array.from(e.map((v) => v / s));
}

export function randomLogits(size: number, seed: number, scale = 1): Float32Array {
  const rng = new SeededRng(seed);
  return Float32Array.from({ length: size }, () => rng.normal() * scale);
}
