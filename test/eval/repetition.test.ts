// Tests of the repetition metrics (decoding.md §4 "What to test"): rep-n is 0 without repeats and 0.6 for rep-2 of
// `a b a b a b`; distinct-n pooled and per sample; truncation at EOS; the high-prior rate; the report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ngramKeys, repN, repetitionRate, distinctN, highPriorIds, highPriorTokenRate, repetitionReport } from "../../src/eval/repetition";
import { tokenEntropy } from "../../src/eval/entropy";

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test("rep-n on hand-made strings", () => {
  const abab = [1, 2, 1, 2, 1, 2]; // a b a b a b
  close(repN(abab, 2), 1 - 2 / 5, "rep-2 of a b a b a b");
  close(repN(abab, 3), 1 - 2 / 4, "rep-3");
  close(repN(abab, 4), 1 - 2 / 3, "rep-4");
  close(repN(abab, 1), 1 - 2 / 6, "rep-1");
  for (const n of [1, 2, 3, 4]) assert.equal(repN([5, 6, 7, 8, 9, 10], n), 0, `no repeats, n=${n}`);
  assert.equal(repN([3, 3, 3, 3, 3], 4), 0.5); // 2 four-grams, both "3,3,3,3"
  assert.equal(repN([1, 2], 4), 0);
  // "the cat sat . the cat sat ." as ids: 8 tokens, 7 bigrams, unique: the-cat, cat-sat, sat-., .-the = 4
  close(repN([1, 2, 3, 4, 1, 2, 3, 4], 2), 1 - 4 / 7, "rep-2 of a repeated sentence");
  assert.deepEqual(ngramKeys([1, 22, 3], 2), ["1,22", "22,3"]);
  // keys are unambiguous across multi-digit ids: (1, 22) and (12, 2) differ
  assert.equal(repN([1, 22, 12, 2], 2), 0);
});

test("rep-n and distinct-n over samples: averages, pooling, short samples, truncation at EOS", () => {
  const s = [[1, 2, 1, 2, 1, 2], [5, 6, 7, 8, 9], [4]];
  close(repetitionRate(s, 2), (0.6 + 0) / 2, "mean rep-2 skips the 1-token sample");
  close(distinctN(s, 2, "per-sample"), 1 - 0.3, "per-sample distinct-2");
  // pooled: bigrams 5 + 4 + 0 = 9; unique: {1,2},{2,1} + 4 = 6
  close(distinctN(s, 2), 6 / 9, "pooled distinct-2");
  close(distinctN([[1, 2], [1, 2]], 2), 1 / 2, "a repeat across samples counts when pooled");
  close(distinctN(s, 1), 8 / 12, "distinct-1");
  // EOS = 0 cuts the sample: [1, 2, 3, 0, 0, 0, 0] -> [1, 2, 3]
  assert.equal(repetitionRate([[1, 2, 3, 0, 0, 0, 0]], 2, { truncateAt: 0 }), 0);
  close(repetitionRate([[1, 2, 3, 0, 0, 0, 0]], 2), 1 - 4 / 6, "without truncation the EOS run repeats");
  assert.throws(() => repetitionRate([[1, 2]], 4), /^RangeError: samples must hold at least one sequence of >= n = 4 tokens$/);
  assert.throws(() => repetitionRate([], 2), /^RangeError: samples must hold at least one sequence$/);
  assert.throws(() => repN([1, 2], 0), /^RangeError: n must be an integer >= 1, got 0$/);
  assert.throws(() => distinctN(s, 2, "x" as "pooled"), /^RangeError: mode must be/);
});

test("high-prior ids from unigram counts and their rate in samples", () => {
  const counts = [5, 100, 3, 100, 40]; // ids 1 and 3 tie at the top; then 4
  assert.deepEqual([...highPriorIds(counts, 2)].sort(), [1, 3]);
  assert.deepEqual([...highPriorIds(counts, 3)].sort(), [1, 3, 4]);
  const hp = highPriorIds(counts, 2);
  close(highPriorTokenRate([[1, 1, 2, 3], [0, 4]], hp), 3 / 6, "pooled rate");
  close(highPriorTokenRate([[1, 1, 2, 3], [0, 4]], [4]), 1 / 6, "ids as an array");
  close(highPriorTokenRate([[1, 9, 1, 1]], hp, { truncateAt: 9 }), 1, "truncated at 9");
  assert.throws(() => highPriorIds(counts, 6), /^RangeError: top must be an integer in \[0, 5\], got 6$/);
});

test("the report gathers rep-2/3/4, distinct-1/2/3, entropy and the high-prior rate", () => {
  const s = [[1, 2, 1, 2, 1, 2], [5, 6, 7, 8, 9, 0, 0]];
  const r = repetitionReport(s, { truncateAt: 0, highPrior: [1, 2] });
  close(r.rep2, 0.3, "rep2");
  close(r.rep3, 0.25, "rep3");
  close(r.rep4, (1 - 2 / 3) / 2, "rep4");
  close(r.distinct1, 7 / 11, "distinct1");
  close(r.entropy, (tokenEntropy([1, 2, 1, 2, 1, 2]) + tokenEntropy([5, 6, 7, 8, 9])) / 2, "entropy");
  close(r.highPriorRate ?? -1, 6 / 11, "high-prior rate");
  assert.equal(repetitionReport(s).highPriorRate, undefined);
});
