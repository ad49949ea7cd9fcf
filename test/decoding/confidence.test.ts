// Tests of the confidence drop-in (decoding.md §1 "Confidence-based drop-in"): the top-n choice equals a brute-force
// sort of p(argmax)·tanh(u), ties go to the lower position, rows are independent, bad counts are named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { rowArgmax, gatedConfidence, topNPositions, selectByGatedConfidence } from "../../src/decoding/confidence";
import { boxFilterGateValues, decodedNeighbourCounts } from "../../src/decoding/box-filter";

test("top-n of p(argmax)·tanh(u) equals a brute-force sort (random toys)", () => {
  const rng = new SeededRng(21);
  const V = 5;
  for (let rep = 0; rep < 100; rep++) {
    const B = 1 + rng.int(3), L = 3 + rng.int(15), K = 2 * rng.int(3) + 1;
    const decoded = Array.from({ length: B * L }, () => (rng.uniform() < 0.35 ? 1 : 0));
    const probs = Array.from({ length: B * L * V }, () => rng.uniform());
    const { values } = rowArgmax(probs, V);
    const conf = gatedConfidence(values, boxFilterGateValues(decoded, { kernelSize: K }, B, L));
    const masked = decoded.map((d) => 1 - d);
    const n = rng.int(L + 2);
    const got = topNPositions(conf, masked, n, B, L);
    const u = decodedNeighbourCounts(decoded, K, B, L);
    for (let b = 0; b < B; b++) {
      const cands: Array<[number, number]> = [];
      for (let l = 0; l < L; l++) {
        const i = b * L + l;
        if (!masked[i]) continue;
        let best = 0;
        for (let v = 0; v < V; v++) best = Math.max(best, probs[i * V + v]);
        cands.push([best * Math.tanh(u[i]), i]);
      }
      cands.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
      const want = cands.slice(0, n).map((c) => c[1]).sort((x, y) => x - y);
      assert.deepEqual(Array.from(got[b]), want, `rep ${rep} row ${b}`);
    }
  }
});

test("argmax and tie-breaks: lower id, lower position; positiveOnly skips positions with no decoded neighbour", () => {
  const a = rowArgmax([0.2, 0.4, 0.4, 0.9, 0.05, 0.05], 3);
  assert.deepEqual(Array.from(a.ids), [1, 0]);
  assert.deepEqual(Array.from(a.values), [0.4, 0.9]);
  assert.deepEqual(Array.from(topNPositions([0.5, 0.5, 0.5, 0.1], [1, 1, 1, 1], 2)[0]), [0, 1]);
  assert.deepEqual(Array.from(topNPositions([0, 0.3, 0, 0], [1, 1, 1, 1], 3)[0]), [0, 1, 2]);
  assert.deepEqual(Array.from(topNPositions([0, 0.3, 0, 0], [1, 1, 1, 1], 3, 1, 4, true)[0]), [1]);
  // per-row counts
  const two = topNPositions([0.1, 0.9, 0.5, 0.2, 0.8, 0.3], [1, 1, 1, 1, 1, 1], [1, 2], 2, 3);
  assert.deepEqual(two.map((r) => Array.from(r)), [[1], [4, 5]]);
  assert.throws(() => topNPositions([1, 2], [1, 1], -1), /^RangeError: n must be an integer >= 0, got -1$/);
  assert.throws(() => topNPositions([1, 2], [1, 1], [1, 1]), /^RangeError: n must be a count or one count per row/);
  assert.throws(() => topNPositions([NaN, 2], [1, 1], 1), /scores must not be NaN/);
});

test("selectByGatedConfidence: the drop-in in one call matches the pieces, respects eligible, returns argmax tokens", () => {
  const rng = new SeededRng(22);
  const V = 4, B = 2, L = 9, MASK = V;
  const probs = Array.from({ length: B * L * V }, () => rng.uniform());
  const z = [0, 1, MASK, MASK, MASK, MASK, MASK, MASK, MASK, /* row 2 */ MASK, MASK, MASK, MASK, 2, MASK, MASK, MASK, MASK];
  const r = selectByGatedConfidence({ probs, z, batch: B, length: L, vocabSize: V, kernelSize: 3, n: 2 });
  const decoded = z.map((x) => (x === MASK ? 0 : 1));
  const conf = gatedConfidence(rowArgmax(probs, V).values, boxFilterGateValues(decoded, { kernelSize: 3 }, B, L));
  const want = topNPositions(conf, decoded.map((d) => 1 - d), 2, B, L);
  assert.deepEqual(r.positions.map((p) => Array.from(p)), want.map((p) => Array.from(p)));
  // K = 3: only neighbours of decoded tokens score above 0, so the choice is 2 (then a zero-score position) in row 1
  assert.ok(r.positions[0].includes(2));
  r.positions.forEach((p, b) => p.forEach((i, k) => assert.equal(r.tokens[b][k], rowArgmax(probs.slice(i * V, i * V + V), V).ids[0])));
  // eligible narrows the choice; decoded positions are never chosen
  const only = new Array(B * L).fill(0);
  only[5] = only[14] = only[0] = 1;
  const narrow = selectByGatedConfidence({ probs, z, batch: B, length: L, vocabSize: V, kernelSize: 3, n: 3, eligible: only });
  assert.deepEqual(narrow.positions.map((p) => Array.from(p)), [[5], [14]]);
});
