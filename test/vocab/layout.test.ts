// Tests of the HDLM id layout (hdlm.md §1.1): ranges, padding, and error messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { vocabLayout } from "../../src/vocab";

test("layout: mask = V, clusters V+1..V+n, width V+1+n", () => {
  const L = vocabLayout(10, 3);
  assert.equal(L.maskId, 10);
  assert.equal(L.width, 14);
  assert.equal(L.paddedWidth, 14);
  assert.deepEqual([0, 1, 2].map((k) => L.clusterId(k)), [11, 12, 13]);
  assert.equal(L.clusterIndex(13), 2);
  // Every id in [0, width) is exactly one of token / mask / cluster.
  for (let id = 0; id < L.width; id++) {
    const kinds = [L.isToken(id), L.isMask(id), L.isCluster(id)].filter(Boolean).length;
    assert.equal(kinds, 1, `id ${id}`);
  }
  assert.equal(L.isToken(9), true);
  assert.equal(L.isCluster(10), false);
  assert.equal(L.isCluster(14), false);
  assert.equal(L.isToken(-1), false);
});

test("layout: padVocabTo rounds the width up (GPT-2 with n = 64 gives 50432 as in the reference)", () => {
  const L = vocabLayout(50257, 64, { padVocabTo: 128 });
  assert.equal(L.width, 50322);
  assert.equal(L.paddedWidth, 50432);
  assert.equal(vocabLayout(127 - 1 - 2, 2, { padVocabTo: 128 }).paddedWidth, 128);
  assert.equal(vocabLayout(128 - 1 - 2, 2, { padVocabTo: 128 }).paddedWidth, 128);
});

test("layout: bad arguments name the argument", () => {
  assert.throws(() => vocabLayout(0, 3), /vocabSize must be an integer >= 1, got 0/);
  assert.throws(() => vocabLayout(10, 2.5), /numClusters/);
  assert.throws(() => vocabLayout(10, 3, { padVocabTo: 0 }), /padVocabTo/);
  assert.throws(() => vocabLayout(10, 3).clusterId(3), /cluster index k must be an integer in \[0, 3\), got 3/);
  assert.throws(() => vocabLayout(10, 3).clusterIndex(10), /id 10 is not a cluster token; cluster ids are 11..13/);
});
