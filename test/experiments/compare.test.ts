// Tests of the comparison grid: the corpus data adapter is deterministic, and a tiny grid (AR + MDLM + HDLM + GIDD+,
// 2 seeds, unigram row) scores every run on the same tokens, with gen PPL and entropy, and resumes run by run.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { openCorpus, type Corpus } from "../../src/data";
import { runGrid, gridMarkdown, differencesMarkdown, type GridMethod, type RunSettings } from "../../src/experiments";
import { corpusTokenData } from "../../src/train/corpus-data";

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

test("a tiny grid (AR, MDLM, HDLM, GIDD+ x 2 seeds + unigram) scores every run on the same tokens, and a rerun resumes", async () => {
  await initEngine();
  const c = await smallCorpus();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-grid-"));
  const before = tf.memory().numTensors;
  const lines: string[] = [];
  const config = {
    corpus: c,
    wikitext: c,
    methods: [
      { name: "AR", objective: { kind: "ar" } },
      { name: "MDLM", objective: { kind: "mdlm" } },
      { name: "HDLM", objective: { kind: "hdlm", numClusters: 4 } },
      { name: "GIDD+", objective: { kind: "gidd" } },
    ] as GridMethod[],
    seeds: [0, 1],
    run: { preset: "tiny", steps: 2, batchSize: 2 } as RunSettings,
    eval: { batchSize: 4, strata: 2, maxRows: 8, samples: 2, sampleSteps: 2, seed: 0, curveEvery: 1, curveBatches: 1 },
    outDir,
    progress: false,
    onMetrics: (run: string) => lines.push(run),
  };
  const r = await runGrid(config);
  // Models are disposed; what remains are src/losses/segment.ts's cached per-cluster-map tables (2 per HDLM map).
  assert.ok(tf.memory().numTensors - before <= 2 * 2, `tensors grew by ${tf.memory().numTensors - before}`);
  assert.equal(r.rows.length, 9);
  assert.equal(r.trained.length, 8);
  assert.ok(lines.length >= 8 * 2);
  const tokens = r.rows[0].scores.owt.perRowTokens;
  for (const row of r.rows) {
    for (const key of ["owt", "wikitext"]) {
      const s = row.scores[key];
      assert.ok(Number.isFinite(s.natsPerToken) && s.natsPerToken > 0 && s.stdError > 0, `${row.id} ${key}: ${JSON.stringify(s.natsPerToken)}`);
    }
    assert.deepEqual(row.scores.owt.perRowTokens, tokens, `${row.id}: scored on the same tokens as the unigram row`);
    if (row.kind === "unigram" || row.kind === "ar") continue;
    assert.ok(Number.isFinite(row.genPpl) && row.genPpl > 1, `${row.id} gen PPL ${row.genPpl}`);
    assert.ok(row.entropy >= 0 && row.entropy <= Math.log(16) + 1e-9);
    assert.equal(row.trainTokens, 2 * 2 * 16);
    assert.equal(row.curve.length, 2, "a curve point per step");
  }
  const md = gridMarkdown(r).split("\n");
  assert.equal(md.length, 2 + 5);
  assert.match(md[2], /^\| unigram/);
  assert.match(differencesMarkdown(r), /MDLM − AR/);

  // A rerun reads the finished rows; a run whose row is missing resumes from its checkpoint to the same scores. The
  // gen-PPL scorer comes from the kept copy, so its run folder may be gone (a grid resumed on another checkout).
  assert.ok(fs.existsSync(path.join(outDir, "scorer", "checkpoint.bin")));
  fs.rmSync(path.join(outDir, "runs", "ar-seed0"), { recursive: true });
  fs.rmSync(path.join(outDir, "rows", "mdlm-seed1.json"));
  const again = await runGrid(config);
  assert.deepEqual(again.trained, ["mdlm-seed1"]);
  const a = r.rows.find((x) => x.id === "mdlm-seed1");
  const b = again.rows.find((x) => x.id === "mdlm-seed1");
  assert.equal(b?.scores.owt.natsPerToken, a?.scores.owt.natsPerToken);
  // One method and seed alone (a grid split over processes side by side) scores samples with the kept scorer.
  fs.rmSync(path.join(outDir, "rows", "hdlm-seed1.json"));
  const alone = await runGrid({ ...config, methods: [config.methods[2]], seeds: [1] });
  assert.deepEqual(alone.trained, ["hdlm-seed1"]);
  const h = alone.rows.find((x) => x.id === "hdlm-seed1");
  assert.equal(h?.genPpl, r.rows.find((x) => x.id === "hdlm-seed1")?.genPpl, "same scorer, same samples, same gen PPL");
  // finishedOnly: the tables of the rows finished so far; a run without a row is left out, not trained.
  fs.rmSync(path.join(outDir, "rows", "gidd-seed1.json"));
  const partial = await runGrid({ ...config, finishedOnly: true });
  assert.deepEqual(partial.trained, []);
  assert.equal(partial.rows.length, 8);
  assert.ok(!partial.rows.some((x) => x.id === "gidd-seed1"));
  assert.match(gridMarkdown(partial), /\| GIDD\+ \| 1 \|/);
  // Rows made with other settings are not mixed into a table.
  await assert.rejects(runGrid({ ...config, run: { ...config.run, optim: { lr: 0.5 } } }), /ar-seed0\.json was made with other settings \(settings\.train\.optim\.lr differs\)/);
});
