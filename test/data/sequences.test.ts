// Sequence construction: per-document crops (BOS + tokens + EOS, random window, padding + mask; HDLM §7.1),
// MDLM packing (EOS separators, BOS/EOS-framed blocks), and the deterministic hash split.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cropBatch, packDocuments, stackRows, splitOf, textHash32, codePointCount, documentWindows, windowBatches } from "../../src/data";
import { SeededRng } from "../../src/util/rng";

const F = { bos: 900, eos: 901, pad: 902 };

test("short documents: BOS + tokens + EOS, then pad with mask 0", () => {
  const b = cropBatch([[1, 2, 3], []], F, 8);
  assert.deepEqual(Array.from(b.tokens.subarray(0, 8)), [900, 1, 2, 3, 901, 902, 902, 902]);
  assert.deepEqual(Array.from(b.mask.subarray(0, 8)), [1, 1, 1, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(b.tokens.subarray(8)), [900, 901, 902, 902, 902, 902, 902, 902]);
  assert.equal(b.batchSize, 2);
  assert.equal(b.seqLen, 8);
  // exactly L - 2 tokens fill the row
  const full = cropBatch([[5, 6]], F, 4);
  assert.deepEqual(Array.from(full.tokens), [900, 5, 6, 901]);
  assert.deepEqual(Array.from(full.mask), [1, 1, 1, 1]);
});

test("long documents: every crop is a contiguous window of the framed document; all windows occur (uniform)", () => {
  const doc = Array.from({ length: 10 }, (_, i) => 100 + i);
  const framed = [900, ...doc, 901];
  const L = 5;
  const counts = new Array(framed.length - L + 1).fill(0);
  const rng = new SeededRng(7);
  const draws = 8000;
  for (let k = 0; k < draws; k++) {
    const row = Array.from(cropBatch([doc], F, L, rng).tokens);
    const start = framed.indexOf(row[0]);
    assert.deepEqual(row, framed.slice(start, start + L));
    counts[start]++;
  }
  // 8 windows, each with p = 1/8: 5-sigma binomial band
  const p = 1 / counts.length;
  const sd = Math.sqrt(draws * p * (1 - p));
  for (const c of counts) assert.ok(Math.abs(c - draws * p) < 5 * sd, `window count ${c}`);
  // without an rng, the crop is the first window (deterministic evaluation)
  assert.deepEqual(Array.from(cropBatch([doc], F, L).tokens), framed.slice(0, L));
  assert.throws(() => cropBatch([doc], F, 1), /seqLen must be an integer >= 2, got 1/);
});

test("packing: rows are BOS + (L-2 tokens of the EOS-separated stream) + EOS; the stream is preserved", () => {
  const docs = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11]];
  const L = 5;
  const rows = Array.from(packDocuments(docs, F, L));
  const stream = docs.flatMap((d) => [...d, F.eos]); // 15 tokens -> 5 blocks of 3
  assert.equal(rows.length, Math.floor(stream.length / (L - 2)));
  for (const r of rows) {
    assert.equal(r.length, L);
    assert.equal(r[0], F.bos);
    assert.equal(r[L - 1], F.eos);
  }
  assert.deepEqual(rows.flatMap((r) => Array.from(r.subarray(1, L - 1))), stream.slice(0, rows.length * (L - 2)));
  const b = stackRows(rows.slice(0, 2), L);
  assert.deepEqual(Array.from(b.tokens), [900, 1, 2, 3, 901, 900, 901, 4, 901, 901]);
  assert.ok(b.mask.every((m) => m === 1));
  // a partial last block is dropped
  assert.equal(Array.from(packDocuments([[1, 2, 3, 4]], F, 5)).length, 1);
});

test("split by text hash: deterministic, disjoint, seed-dependent, with the requested fraction", () => {
  const texts = Array.from({ length: 4000 }, (_, i) => `document number ${i} with some text`);
  const a = texts.map((t) => splitOf(textHash32(t), 0.1, 0));
  const b = texts.map((t) => splitOf(textHash32(t), 0.1, 0));
  assert.deepEqual(a, b);
  const val = a.filter((s) => s === "validation").length;
  // binomial(4000, 0.1): mean 400, sd 19
  assert.ok(Math.abs(val - 400) < 5 * 19, `validation count ${val}`);
  const c = texts.map((t) => splitOf(textHash32(t), 0.1, 1));
  assert.notDeepEqual(a, c);
  // fractions nest: validation at 0.05 is a subset of validation at 0.1
  for (const t of texts) if (splitOf(textHash32(t), 0.05, 0) === "validation") assert.equal(splitOf(textHash32(t), 0.1, 0), "validation");
  assert.equal(textHash32("abc"), 0x1a47e90b); // FNV-1a 32 reference value
  assert.throws(() => splitOf(1, 1.5), /validationFraction must be in \[0, 1\], got 1.5/);
  assert.equal(codePointCount("a🙂é"), 3);
});

test("documentWindows: every framed token exactly once in consecutive windows; windowBatches batches them", () => {
  const framing = { bos: 9, eos: 9, pad: 0 };
  const doc = [1, 2, 3, 4, 5];
  const w = Array.from(documentWindows(doc, framing, 3));
  assert.deepEqual(w.map((x) => Array.from(x.tokens)), [[9, 1, 2], [3, 4, 5], [9, 0, 0]]);
  assert.deepEqual(w.map((x) => Array.from(x.mask)), [[1, 1, 1], [1, 1, 1], [1, 0, 0]]);
  const batches = Array.from(windowBatches([doc, [7]], framing, 3, 2));
  assert.deepEqual(batches.map((b) => b.batchSize), [2, 2]);
  let real = 0;
  for (const b of batches) for (const m of b.mask) real += m;
  assert.equal(real, doc.length + 2 + 1 + 2);
  assert.throws(() => Array.from(windowBatches([doc], framing, 3, 0)), /batchSize must be an integer >= 1/);
});

test("splitOf with a held-out band: the validation band is unchanged, the three splits are disjoint, fractions hold (4 sigma)", () => {
  const n = 20000;
  let val = 0, held = 0;
  for (let i = 0; i < n; i++) {
    const h = textHash32(`document ${i}`);
    const s = splitOf(h, 0.05, 0, 0.05);
    assert.equal(s === "validation", splitOf(h, 0.05, 0) === "validation", "adding a held-out band leaves validation as it was");
    if (s === "validation") val++;
    if (s === "heldout") held++;
  }
  const sd = Math.sqrt(n * 0.05 * 0.95);
  assert.ok(Math.abs(val - n * 0.05) < 4 * sd && Math.abs(held - n * 0.05) < 4 * sd, `${val} validation, ${held} held-out of ${n}`);
  assert.throws(() => splitOf(1, 0.6, 0, 0.5), /heldoutFraction must be in \[0, 1 - validationFraction\]/);
});
