// Tests of s_norm (decoding.md §1 step 5) and of the capped rescaling that keeps the expected unmask count exact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { sNorm, matchUnmaskProbabilities, S_NORM_EPSILON } from "../../src/decoding/s-norm";
import { boxFilterGateValues } from "../../src/decoding/box-filter";

test("s_norm makes Σ_{i∈M} mass_i·s_i·s_norm = |M| per sequence (random toys)", () => {
  const rng = new SeededRng(11);
  for (let rep = 0; rep < 30; rep++) {
    const B = 1 + rng.int(3), L = 4 + rng.int(20);
    const decoded = Array.from({ length: B * L }, () => (rng.uniform() < 0.3 ? 1 : 0));
    for (let b = 0; b < B; b++) decoded[b * L] = 1; // a prompt token per row
    const masked = decoded.map((d) => 1 - d);
    const gate = boxFilterGateValues(decoded, { kernelSize: 5 }, B, L);
    const mass = Array.from({ length: B * L }, () => 0.2 + 0.8 * rng.uniform());
    const norm = sNorm(mass, gate, masked, B, L);
    for (let b = 0; b < B; b++) {
      let total = 0, count = 0;
      for (let l = 0; l < L; l++) {
        const i = b * L + l;
        if (!masked[i]) continue;
        count++;
        total += mass[i] * gate[i] * norm[b];
      }
      assert.ok(Math.abs(total - count) < 1e-9 * Math.max(1, count), `row ${b}: ${total} vs ${count}`);
    }
  }
  // ε in the denominator: nothing gated open gives a finite, huge constant (times s = 0 it decodes nothing)
  const n = sNorm([1, 1], [0, 0], [1, 1]);
  assert.equal(n[0], 2 / S_NORM_EPSILON);
  assert.equal(sNorm([1], [1], [0])[0], 0);
});

test("matched probabilities: uncapped they are w·target/Σw; capped they still sum to the target exactly", () => {
  const w = [0.1, 0.2, 0.3, 0, 0.4];
  const el = [1, 1, 1, 1, 1];
  const p = matchUnmaskProbabilities(w, el, 0.5);
  w.forEach((x, i) => assert.ok(Math.abs(p[i] - (x * 0.5) / 1.0) < 1e-12));
  // target 2.5 over weights 0.1..0.4: 0.4 and 0.3 would exceed 1 -> capped, the rest rescaled
  const q = matchUnmaskProbabilities(w, el, 2.5);
  assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 2.5) < 1e-12);
  assert.equal(q[4], 1);
  assert.equal(q[3], 0);
  q.forEach((v) => assert.ok(v >= 0 && v <= 1));
  // ratios kept among the uncapped ones
  if (q[2] < 1) assert.ok(Math.abs(q[1] / q[0] - 2) < 1e-12);
  // ineligible positions get 0; a target above the open positions saturates them
  const r = matchUnmaskProbabilities([1, 1, 1], [1, 0, 1], 5);
  assert.deepEqual(Array.from(r), [1, 0, 1]);
  const rng = new SeededRng(5);
  for (let rep = 0; rep < 200; rep++) {
    const n = 1 + rng.int(12);
    const ws = Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 0 : rng.uniform() ** 3));
    const open = ws.filter((x) => x > 0).length;
    const target = rng.uniform() * n;
    const out = matchUnmaskProbabilities(ws, new Array(n).fill(1), target);
    const sum = out.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - Math.min(target, open)) < 1e-9, `sum ${sum} target ${target} open ${open}`);
    ws.forEach((x, i) => x === 0 && assert.equal(out[i], 0));
  }
  assert.throws(() => matchUnmaskProbabilities([1], [1], -1), /^RangeError: target must be/);
  assert.throws(() => matchUnmaskProbabilities([NaN], [1], 1), /weights must be finite/);
});
