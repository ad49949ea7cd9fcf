// Tests of the unigram row and the AR row's scoring on the same tokens: add-alpha frequencies by hand, and the AR
// model's exact NLL at positions >= 1 with the unigram at each row's first position, padding excluded.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { UnigramModel } from "../../src/eval/unigram";
import { arRows } from "../../src/eval/ar-rows";

before(async () => {
  await initEngine();
});

test("unigram: add-alpha frequencies of framed documents, scored on non-padding tokens", () => {
  const u = UnigramModel.fromDocuments([[1, 1, 2], [1]], 4, { framing: { bos: 0, eos: 0 }, alpha: 0.5 });
  // counts: 0 -> 4 (framing), 1 -> 3, 2 -> 1, 3 -> 0; total 8 + 0.5 * 4 = 10
  assert.equal(u.countedTokens, 8);
  assert.ok(Math.abs(u.logProb[0] - Math.log(4.5 / 10)) < 1e-12);
  assert.ok(Math.abs(u.logProb[3] - Math.log(0.5 / 10)) < 1e-12);
  const r = u.rows([{ tokens: Int32Array.of(1, 2, 3, 0), mask: Int32Array.of(1, 1, 0, 0), batchSize: 2, seqLen: 2 }]);
  assert.deepEqual(Array.from(r.tokens), [2, 0]);
  assert.ok(Math.abs(r.nats[0] + Math.log(3.5 / 10) + Math.log(1.5 / 10)) < 1e-12);
  assert.throws(() => UnigramModel.fromDocuments([[5]], 4), /token id 5 is outside \[0, 4\)/);
});

test("AR rows: exact NLL given the prefix at positions >= 1, the unigram at position 0, padding skipped", () => {
  const V = 3;
  const q = [0.2, 0.3, 0.5];
  // A causal "model" whose next-token distribution is q everywhere.
  const model = (x: tf.Tensor2D) => tf.tidy(() => {
    const [B, L] = x.shape;
    return tf.tile(tf.reshape(tf.log(tf.tensor1d(q)), [1, 1, V]), [B, L, 1]) as tf.Tensor3D;
  });
  const u = UnigramModel.fromDocuments([[0, 1, 2, 2]], V, { alpha: 1 });
  const batch = { tokens: Int32Array.of(2, 0, 1, 1, 2, 0), mask: Int32Array.of(1, 1, 1, 1, 1, 0), batchSize: 2, seqLen: 3 };
  const before = tf.memory().numTensors;
  const r = arRows(model, [batch], u);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(r.tokens), [3, 2]);
  const want0 = -u.logProb[2] - Math.log(q[0]) - Math.log(q[1]);
  const want1 = -u.logProb[1] - Math.log(q[2]);
  assert.ok(Math.abs(r.nats[0] - want0) < 1e-5, `${r.nats[0]} vs ${want0}`);
  assert.ok(Math.abs(r.nats[1] - want1) < 1e-5, `${r.nats[1]} vs ${want1}`);
});
