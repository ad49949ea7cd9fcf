// Tests of the comparison grid: the corpus data adapter is deterministic, the summary statistics are right, and a tiny
// grid (AR reference + MDLM + HDLM + GIDD+, 2 seeds) gives finite PPL bounds, gen PPL and entropy for every row.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { openCorpus, type Corpus } from "../../src/data";
import {
  corpusTokenData,
  runComparison,
  summarizeComparison,
  comparisonMarkdown,
  type CompareRow,
} from "../../src/experiments";

const OWT_SMALL = path.resolve(__dirname, "..", "..", "data", "openwebtext", "owt-subset-003.jsonl.gz");
let corpus: Corpus | null = null;

async function smallCorpus(): Promise<Corpus> {
  corpus ??= await openCorpus({
    paths: [OWT_SMALL],
    seqLen: 16,
    compactVocab: 64,
    validationFraction: 0.2,
    cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-compare-")),
    onProgress: null,
  });
  return corpus;
}

test("summarizeComparison gives mean and sample std per method; the table has one line per method", () => {
  const row = (method: string, owtPpl: number): CompareRow => ({
    method, seed: 0, steps: 1, trainTokens: 10, finalTrainLoss: 1, owtPpl, owtTokens: 1, wikiPpl: 2, wikiTokens: 1, genPpl: 3, entropy: 1, trainSeconds: 0,
  });
  const s = summarizeComparison([row("A", 10), row("A", 14), row("B", 5)]);
  assert.equal(s.length, 2);
  assert.deepEqual(s[0].owtPpl, [12, Math.sqrt(8)]);
  assert.deepEqual(s[1].owtPpl, [5, 0]);
  const md = comparisonMarkdown(s).split("\n");
  assert.equal(md.length, 4);
  assert.match(md[2], /^\| A \| 2 \| 10 \| 12\.0 ± 2\.8 \|/);
});

test("corpusTokenData: batches are pure functions of (seed, index); validation ignores the run seed", async () => {
  const data = corpusTokenData(await smallCorpus());
  const a = data.batch("train", 3, 4, 16, 7);
  assert.deepEqual(Array.from(data.batch("train", 3, 4, 16, 7).tokens), Array.from(a.tokens));
  assert.notDeepEqual(Array.from(data.batch("train", 4, 4, 16, 7).tokens), Array.from(a.tokens));
  assert.deepEqual(Array.from(data.batch("val", 1, 4, 16, 0).tokens), Array.from(data.batch("val", 1, 4, 16, 99).tokens));
  for (const v of a.tokens) assert.ok(v >= 0 && v < data.vocabSize);
  const stream = data.trainTokens();
  assert.ok(stream.some((v) => v === -1), "documents are separated by -1 breaks");
});

test("a tiny grid gives finite numbers for every row and equal training tokens", async () => {
  await initEngine();
  const c = await smallCorpus();
  const before = tf.memory().numTensors;
  const steps: string[] = [];
  const r = runComparison({
    corpus: c,
    wikitext: c,
    methods: [
      { name: "MDLM", objective: { kind: "mdlm" } },
      { name: "HDLM", objective: { kind: "hdlm", numClusters: 4 } },
      { name: "GIDD+", objective: { kind: "gidd" } },
    ],
    seeds: [0, 1],
    run: { preset: "tiny", steps: 2, batchSize: 2 },
    reference: { steps: 2, batchSize: 2 },
    eval: { batchSize: 4, owtBatches: 1, wikiBatches: 1, samples: 2, sampleSteps: 2 },
    onStep: (run) => steps.push(run),
  });
  // Every model is disposed; what remains are src/losses/segment.ts's per-cluster-map tables (2 tensors for each
  // HDLM run's map, cached by design and not freed with the trainer).
  assert.ok(tf.memory().numTensors - before <= 2 * 2, `tensors grew by ${tf.memory().numTensors - before}`);
  assert.equal(r.rows.length, 7);
  assert.equal(steps.length, 14);
  for (const row of r.rows) {
    assert.ok(Number.isFinite(row.owtPpl) && row.owtPpl > 1, `${row.method} OWT PPL ${row.owtPpl}`);
    assert.ok(Number.isFinite(row.wikiPpl) && row.wikiPpl > 1, `${row.method} wiki PPL ${row.wikiPpl}`);
    if (row.method.startsWith("AR")) continue;
    assert.ok(Number.isFinite(row.genPpl) && row.genPpl > 1, `${row.method} gen PPL ${row.genPpl}`);
    assert.ok(Number.isFinite(row.entropy) && row.entropy >= 0 && row.entropy <= Math.log(16) + 1e-9);
    assert.equal(row.trainTokens, 2 * 2 * 16);
  }
  assert.equal(r.summary.length, 4);
  assert.equal(r.markdown.split("\n").length, 6);
});
