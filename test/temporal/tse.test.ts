import { test } from "node:test";
import assert from "node:assert/strict";
import { temporalSemanticEntropy, TSE_ALPHA, TSE_SKIP_RATIO } from "../../src/temporal";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
const example = [null, 5, 7, 5, 7, 5, 5, null];
const H = (ps: number[]) => -ps.reduce((acc, p) => acc + (p > 0 ? p * Math.log2(p) : 0), 0);

test("the worked example of temporal.md §4 reproduces (exp, linear, fixed)", () => {
  assert.equal(TSE_ALPHA, 12.8);
  assert.equal(TSE_SKIP_RATIO, 0.5);
  const rows: [("exp" | "linear" | "fixed"), number, number][] = [
    ["exp", 0.9672, 0.20826],
    ["linear", 0.73333, 0.83664],
    ["fixed", 0.66667, 0.9183],
  ];
  for (const [weighting, p5, tse] of rows) {
    const r = temporalSemanticEntropy(example, { weighting });
    close(r.classes.find((c) => c.key === "n:5")!.p, p5, 5e-6, `${weighting} p(5)`);
    close(r.tse, tse, 5e-6, `${weighting} TSE`);
    assert.equal(r.keptSteps, 4);
    assert.equal(r.noAnswer, false);
    assert.equal(r.classes.length, 2);
  }
  // closed forms: exp weights at the original indices 4 (7), 5 and 6 (5)
  const w5 = Math.exp(12.8 * 5 / 8) + Math.exp(12.8 * 6 / 8), w7 = Math.exp(12.8 * 4 / 8);
  close(temporalSemanticEntropy(example).tse, H([w5 / (w5 + w7), w7 / (w5 + w7)]), 1e-12, "exp closed form");
  close(temporalSemanticEntropy(example, { weighting: "linear" }).tse, H([11 / 15, 4 / 15]), 1e-12, "linear closed form");
});

test("the skip rule keeps original indices", () => {
  // The kept steps of [a, a, b, c] under skipRatio 0.5 are b at s = 2 and c at s = 3: linear weights 2/4 and 3/4,
  // not 0/2 and 1/2 (re-indexed, which would give TSE 0).
  const r = temporalSemanticEntropy([1, 1, 2, 3], { weighting: "linear" });
  close(r.classes.find((c) => c.key === "n:2")!.p, 0.4, 1e-12, "p(2)");
  close(r.tse, H([0.4, 0.6]), 1e-12, "linear TSE");
  const e = temporalSemanticEntropy([1, 1, 2, 3]);
  const w2 = Math.exp(12.8 * 2 / 4), w3 = Math.exp(12.8 * 3 / 4);
  close(e.tse, H([w2 / (w2 + w3), w3 / (w2 + w3)]), 1e-12, "exp TSE");
  // the skipped steps do not count: the early 1s disagree with everything kept, yet TSE is that of [2, 3]
  assert.equal(temporalSemanticEntropy([1, 1, 2, 2]).tse, 0);
  // floor(S * skipRatio): S = 5, 0.5 -> drop 2, keep 3
  assert.equal(temporalSemanticEntropy([1, 2, 3, 3, 3]).keptSteps, 3);
  assert.equal(temporalSemanticEntropy([1, 2, 3, 3, 3], { skipRatio: 0 }).keptSteps, 5);
});

test("TSE is 0 when all kept answers agree and log2 k for k equally weighted classes (fixed)", () => {
  assert.equal(temporalSemanticEntropy([9, 1, 4, 4, 4, 4]).tse, 0);
  assert.equal(temporalSemanticEntropy(["3+4", null, "3+4", "3+4"], { skipRatio: 0 }).tse, 0);
  for (const k of [1, 2, 3, 4, 8]) {
    const answers = Array.from({ length: 4 * k }, (_, s) => s % k);
    close(temporalSemanticEntropy(answers, { weighting: "fixed", skipRatio: 0 }).tse, Math.log2(k), 1e-12, `k=${k}`);
  }
});

test("null handling: dropped by default, singleton classes with includeNull", () => {
  // kept: [7 @4, 5 @5, 5 @6, null @7]; with includeNull, null is a third class with weight 1 (fixed)
  const r = temporalSemanticEntropy(example, { weighting: "fixed", includeNull: true });
  close(r.tse, H([2 / 4, 1 / 4, 1 / 4]), 1e-12, "includeNull fixed");
  // two nulls are two classes, not one
  const two = temporalSemanticEntropy([5, null, null], { weighting: "fixed", includeNull: true, skipRatio: 0 });
  close(two.tse, Math.log2(3), 1e-12, "two null singletons");
});

test("no valid answer returns log2 of the kept steps and records it", () => {
  const r = temporalSemanticEntropy([3, 3, null, null, null, null, null, null]);
  assert.equal(r.noAnswer, true);
  assert.equal(r.keptSteps, 4);
  assert.equal(r.tse, 2);
  const all = temporalSemanticEntropy(new Array(10).fill(null), { skipRatio: 0.3 });
  assert.equal(all.keptSteps, 7);
  close(all.tse, Math.log2(7), 1e-12, "log2 7");
  // the maximum: no sample with answers has a larger TSE over the same kept steps
  assert.ok(temporalSemanticEntropy([0, 0, 0, 1, 2, 3, 4, 5, 6], { weighting: "fixed" }).tse <= Math.log2(5) + 1e-12);
});

test("bad options: one error line naming the field", () => {
  assert.throws(() => temporalSemanticEntropy(example, { weighting: "cubic" as never }), /^RangeError: weighting must be one of "fixed", "linear", "exp", got "cubic"$/);
  assert.throws(() => temporalSemanticEntropy(example, { skipRatio: 1 }), /^RangeError: skipRatio must be in \[0, 1\), got 1$/);
  assert.throws(() => temporalSemanticEntropy(example, { alpha: NaN }), /^RangeError: alpha must be a finite number/);
  assert.throws(() => temporalSemanticEntropy(example, { key: "semantic" as never }), /^RangeError: key must be "default", "value" or a function, got "semantic"$/);
  assert.throws(() => temporalSemanticEntropy([]), /^RangeError: answers must hold at least one step/);
  assert.throws(() => temporalSemanticEntropy("5,7" as never), /^RangeError: answers must be an array/);
});
