// Tests of generative PPL (a known sequence under a fixed toy bigram table equals the hand computation, windows,
// special-id filtering, the scorer's name) and of the unigram entropy of known token lists.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { arScorer, generativePpl } from "../../src/eval/gen-ppl";
import { tokenEntropy, unigramEntropy } from "../../src/eval/entropy";

before(async () => {
  await initEngine();
});

// Bigram table T[a][b] = p(next = b | current = a) over V = 3.
const T = [
  [0.1, 0.6, 0.3],
  [0.2, 0.2, 0.6],
  [0.5, 0.25, 0.25],
];
const bigram = (tokens: tf.Tensor2D) => {
  const [B, L] = tokens.shape;
  const ids = tokens.dataSync();
  const out = new Float32Array(B * L * 4).fill(-50); // one extra column the scorer must ignore
  for (let i = 0; i < B * L; i++) for (let v = 0; v < 3; v++) out[i * 4 + v] = Math.log(T[ids[i]][v]);
  return tf.tensor3d(out, [B, L, 4]);
};

test("gen PPL of a known sequence under a bigram table equals the hand computation", () => {
  const scorer = arScorer(bigram, { name: "toy-bigram", vocabSize: 3, seqLen: 8 });
  const r = generativePpl([[0, 1, 2, 1]], scorer);
  const nll = -(Math.log(0.6) + Math.log(0.6) + Math.log(0.25));
  assert.equal(r.tokens, 3);
  assert.ok(Math.abs(r.genPpl - Math.exp(nll / 3)) < 1e-5, `${r.genPpl} vs ${Math.exp(nll / 3)}`);
  assert.equal(r.scorer, "toy-bigram");
  // Pooled over samples of different lengths (padding in the batch is not scored).
  const two = generativePpl([[0, 1, 2, 1], [2, 0]], scorer);
  assert.equal(two.tokens, 4);
  assert.ok(Math.abs(two.nll - (nll - Math.log(0.5)) / 4) < 1e-6);
});

test("special ids are dropped before scoring; long samples are scored in windows of the context length", () => {
  const scorer = arScorer(bigram, { name: "toy", vocabSize: 3, seqLen: 3, batchSize: 2 });
  const r = generativePpl([[0, 9, 1, 2, 1, 0]], scorer, { keep: (id) => id < 3 });
  // Filtered: [0, 1, 2, 1, 0] -> windows [0, 1, 2] and [1, 0]: scored 1|0, 2|1, 0|1.
  const nll = -(Math.log(0.6) + Math.log(0.6) + Math.log(0.2));
  assert.equal(r.tokens, 3);
  assert.ok(Math.abs(r.nll - nll / 3) < 1e-6);
  assert.throws(() => generativePpl([[5, 1]], scorer), /sequence 0 holds 5/);
  assert.throws(() => generativePpl([[1]], scorer), /no tokens to score/);
});

test("unigram entropy of known token lists", () => {
  assert.ok(Math.abs(tokenEntropy([0, 0, 1, 1]) - Math.log(2)) < 1e-12);
  assert.ok(Math.abs(tokenEntropy([0, 1, 2, 3]) - Math.log(4)) < 1e-12);
  assert.equal(tokenEntropy([5, 5, 5]), 0);
  const h = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
  assert.ok(Math.abs(tokenEntropy([7, 7, 1, 2]) - h) < 1e-12);
  assert.ok(Math.abs(unigramEntropy([[0, 0, 1, 1], [5, 5, 5]]) - Math.log(2) / 2) < 1e-12);
  const pooled = -((2 / 7) * Math.log(2 / 7) * 2 + (3 / 7) * Math.log(3 / 7));
  assert.ok(Math.abs(unigramEntropy([[0, 0, 1, 1], [5, 5, 5]], "pooled") - pooled) < 1e-12);
  assert.throws(() => unigramEntropy([]), /samples must hold at least one sequence/);
});
