// Tests of the trainer's data through src/data: openTrainingData maps config fields (vocabSize, valFraction, maxDocs)
// onto openCorpus, names data.vocabSize when the split cannot fill it, and train saves the vocabulary loadRun decodes with.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { initEngine } from "../../src/engine";
import { openTrainingData, train, loadRun } from "../../src/train";
import { OWT_SMALL, smallOwt, tinyConfig, tmpDir } from "./helpers";

before(async () => {
  await initEngine();
});

const owt = (over: Record<string, unknown>) => ({ kind: "openwebtext" as const, files: [OWT_SMALL], vocabSize: 256, maxDocs: 0, valFraction: 0.1, ...over });

test("openTrainingData: vocabSize is the compact size, maxDocs limits the documents, too large a vocabulary names data.vocabSize", async () => {
  const full = await openTrainingData(owt({}), 32, { onProgress: null });
  assert.equal(full.data.vocabSize, 256);
  assert.equal(full.data.compactVocab?.size, 256);
  const nTrain = full.corpus.documents("train").length;
  const nVal = full.corpus.documents("validation").length;
  assert.equal(nTrain + nVal, 42);
  const few = await openTrainingData(owt({ maxDocs: 20 }), 32, { onProgress: null });
  const m = /^(\d+) train \/ (\d+) val docs/.exec(few.data.describe);
  assert.ok(m !== null, few.data.describe);
  assert.equal(Number(m[1]) + Number(m[2]), 20);
  // Every training token of the first 20 documents is in range, and -1 separates documents.
  for (const v of few.data.trainTokens()) assert.ok(v === -1 || (v >= 0 && v < 256));
  await assert.rejects(openTrainingData(owt({ vocabSize: 50000 }), 32, { onProgress: null }), /data\.vocabSize is 50000 but the training split .* fills only \d+ ids/);
  await assert.rejects(openTrainingData(owt({ vocabSize: 2 }), 32, { onProgress: null }), /data\.vocabSize must be an integer in \[3, 50257\]/);
});

test("train saves the compact vocabulary as vocab.json and loadRun decodes with it", async () => {
  const data = await smallOwt();
  const dir = path.join(tmpDir("hdlm-vocab-"), "run");
  await train(tinyConfig(dir, { steps: 1, evalEvery: 0, checkpointEvery: 0, evalBatches: 1 }), { data, progress: false });
  assert.ok(fs.existsSync(path.join(dir, "vocab.json")));
  const run = loadRun(dir);
  try {
    const v = run.vocab();
    const ids = data.batch("val", 0, 1, 32, 0).tokens;
    assert.equal(v.decode(ids), data.compactVocab?.decode(ids));
    assert.equal(v.compact(50256), 0); // EOS is compact id 0
    const { data: again } = await run.data();
    assert.deepEqual(Array.from(again.batch("train", 2, 2, 32, 5).tokens), Array.from(data.batch("train", 2, 2, 32, 5).tokens));
    fs.rmSync(path.join(dir, "vocab.json"));
    const bare = loadRun(dir);
    try {
      assert.throws(() => bare.vocab(), /has no vocab\.json/);
    } finally {
      bare.dispose();
    }
  } finally {
    run.dispose();
  }
});
