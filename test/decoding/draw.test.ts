// Tests of the seeded Bernoulli draw of positions and the candidate draw (decoding.md §1 step 6).
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { drawUnmaskPositions, drawCandidate } from "../../src/decoding/draw";

test("Bernoulli positions: p = 0 never, p = 1 always, frequencies within 4σ, same seed same draw", () => {
  const p = [0, 1, 0.1, 0.5, 0.93];
  const N = 20000;
  const rng = new SeededRng(1);
  const hits = new Array(p.length).fill(0);
  for (let k = 0; k < N; k++) drawUnmaskPositions(p, rng).forEach((f, i) => (hits[i] += f));
  assert.equal(hits[0], 0);
  assert.equal(hits[1], N);
  p.forEach((q, i) => assert.ok(Math.abs(hits[i] - N * q) <= 4 * Math.sqrt(N * q * (1 - q)) + 1e-9, `position ${i}: ${hits[i]} vs ${N * q}`));
  assert.deepEqual(drawUnmaskPositions(p, new SeededRng(5)), drawUnmaskPositions(p, new SeededRng(5)));
  assert.throws(() => drawUnmaskPositions([1.5], rng), /^RangeError: unmask probabilities must lie in \[0, 1\], got 1.5 at index 0$/);
});

test("candidate draw follows the weights of its slice", () => {
  const w = [9, 0.2, 0.6, 0.2, 9];
  const rng = new SeededRng(2);
  const N = 20000;
  const c = [0, 0, 0];
  for (let k = 0; k < N; k++) c[drawCandidate(w, 1, 3, rng)]++;
  [0.2, 0.6, 0.2].forEach((q, j) => assert.ok(Math.abs(c[j] - N * q) <= 4 * Math.sqrt(N * q * (1 - q)), `candidate ${j}: ${c[j]}`));
});
