// Tests of the box-filter gate (decoding.md §1 steps 2-3): u_i against a naive window count (prompt tokens counted,
// zero padding at the edges, rows kept apart), the s_i table, the gate objects and the bad-input messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { decodedNeighbourCounts, boxFilterGateValues, convolutionGate } from "../../src/decoding/box-filter";
import { decodedMask, fullWindowGate } from "../../src/decoding/gate";
import { checkKernelSize, kernelFromBlock, checkTopK, checkConvMult } from "../../src/decoding/config";

function naiveCounts(decoded: number[], K: number): number[] {
  const h = (K - 1) / 2;
  return decoded.map((_, i) => {
    let u = 0;
    for (let j = i - h; j <= i + h; j++) if (j >= 0 && j < decoded.length && decoded[j]) u++;
    return u;
  });
}

test("u_i equals a naive window count on random masks, every odd K, edges zero-padded", () => {
  const rng = new SeededRng(3);
  for (const K of [1, 3, 5, 7, 11, 31]) {
    for (let rep = 0; rep < 20; rep++) {
      const L = 1 + rng.int(25);
      const d = Array.from({ length: L }, () => (rng.uniform() < 0.4 ? 1 : 0));
      assert.deepEqual(Array.from(decodedNeighbourCounts(d, K)), naiveCounts(d, K), `K=${K} d=${d.join("")}`);
    }
  }
});

test("u_i by hand: a 3-token prompt counts, the window is clipped at both edges", () => {
  // prompt [7 8 9], then 6 MASK (id 100): decoded = 1 1 1 0 0 0 0 0 0
  const z = [7, 8, 9, 100, 100, 100, 100, 100, 100];
  const d = decodedMask(z, 100);
  assert.deepEqual(Array.from(d), [1, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(decodedNeighbourCounts(d, 3)), [2, 3, 2, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(decodedNeighbourCounts(d, 5)), [3, 3, 3, 2, 1, 0, 0, 0, 0]);
  // K larger than the row: every position sees the whole row
  assert.deepEqual(Array.from(decodedNeighbourCounts(d, 21)), new Array(9).fill(3));
});

test("rows of a batch do not see each other", () => {
  const d = [0, 0, 0, 1, /* row 2 */ 1, 0, 0, 0];
  assert.deepEqual(Array.from(decodedNeighbourCounts(d, 3, 2, 4)), [0, 0, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(decodedNeighbourCounts(d, 3, 1, 8)), [0, 0, 1, 2, 2, 1, 0, 0]);
});

test("s_i = tanh(κ u): 0, 0.7616, 0.9640, 0.9951 at κ = 1; κ scales u", () => {
  const s = boxFilterGateValues([1, 1, 1, 0, 0, 0, 0], { kernelSize: 3 });
  // u = 2 3 2 1 0 0 0
  const want = [0.964, 0.9951, 0.964, 0.7616, 0, 0, 0];
  s.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `s[${i}] = ${v}, want ${want[i]}`));
  assert.equal(s[4], 0);
  const half = boxFilterGateValues([1, 0, 0], { kernelSize: 3, convMult: 0.5 });
  assert.ok(Math.abs(half[1] - Math.tanh(0.5)) < 1e-12);
  const g = convolutionGate({ kernelSize: 5 });
  assert.equal(g.name, "conv(K=5)");
  assert.deepEqual(Array.from(g.weights([0, 0, 1, 0, 0, 0, 0, 0], 2, 4)), [Math.tanh(1), Math.tanh(1), Math.tanh(1), Math.tanh(1), 0, 0, 0, 0]);
  assert.deepEqual(Array.from(fullWindowGate().weights([0, 1, 0], 1, 3)), [1, 1, 1]);
});

test("bad input: one line naming the field", () => {
  const oneLine = (fn: () => unknown, field: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof RangeError && field.test(e.message) && !e.message.includes("\n"));
  for (const K of [4, 0, -3, 2.5, NaN]) {
    oneLine(() => checkKernelSize(K), /^kernelSize must be an odd positive integer/);
    oneLine(() => convolutionGate({ kernelSize: K }), /^kernelSize/);
    oneLine(() => decodedNeighbourCounts([1, 0], K), /^kernelSize/);
  }
  oneLine(() => checkTopK(0), /^topK must be an integer >= 1, got 0/);
  oneLine(() => checkTopK(1.5), /^topK/);
  oneLine(() => checkConvMult(0), /^convMult/);
  oneLine(() => boxFilterGateValues([1, 0, 0, 0], { kernelSize: 3 }, 3, 1), /^decoded must hold batch \* length/);
  assert.equal(kernelFromBlock(64), 65);
  assert.equal(kernelFromBlock(51), 51);
  oneLine(() => kernelFromBlock(0), /^blockLength/);
});

test("emptyRow 'open' gives weight 1 to a row with no decoded token and leaves other rows alone", () => {
  const d = [0, 0, 0, 0, /* row 2 */ 0, 1, 0, 0];
  assert.deepEqual(Array.from(boxFilterGateValues(d, { kernelSize: 3 }, 2, 4)).slice(0, 4), [0, 0, 0, 0]);
  const open = boxFilterGateValues(d, { kernelSize: 3, emptyRow: "open" }, 2, 4);
  assert.deepEqual(Array.from(open), [1, 1, 1, 1, Math.tanh(1), Math.tanh(1), Math.tanh(1), 0]);
  assert.equal(convolutionGate({ kernelSize: 3, emptyRow: "open" }).name, "conv(K=3, empty rows open)");
  assert.throws(() => convolutionGate({ kernelSize: 3, emptyRow: "no" as "open" }), /^RangeError: emptyRow must be 'closed' or 'open', got 'no'$/);
});
