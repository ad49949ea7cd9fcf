// The decoding experiment's pieces (src/experiments/decoding*.ts): the strategies of the sweep, gen PPL of a
// continuation (NLL of prompt + continuation minus NLL of the prompt) on a toy scorer with known values, and the
// table and figures built from hand-made rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { decodingStrategies, continuationPpl, decodingRunConfig, givenBaseRun, type DecodingRow, type DecodingExperimentSettings } from "../../src/experiments/decoding";
import type { Corpus } from "../../src/data/corpus";
import { resolveConfig } from "../../src/train/config";
import { decodingCells, decodingMarkdown, decodingFigure } from "../../src/experiments/decoding-report";
import type { SequenceScorer } from "../../src/eval/gen-ppl";
import { parseDecodingConfig } from "../../src/decoding/decoding-config";
import { fineTuneR2ft } from "../../src/experiments/decoding-notebook";
import { initEngine, tf } from "../../src/engine";
import { Trainer } from "../../src/train";
import { smallOwt, tinyConfig, tmpDir } from "../train/helpers";

test("strategies: plain, semi-AR B, conv K = B + 1 (hdlm-conv for HDLM), HDLM without force transition; each a valid config", () => {
  const s = decodingStrategies(16, 5);
  assert.deepEqual(s.map((x) => `${x.key}:${x.models.join("+")}`), ["plain:mdlm+hdlm", "semi-ar B=16:mdlm+hdlm", "conv K=17:mdlm", "conv K=17:hdlm", "plain, no force transition:hdlm"]);
  for (const x of s) assert.deepEqual(parseDecodingConfig(x.decoding), x.decoding, x.key);
  assert.equal(s.find((x) => x.forceTransition === false)?.decoding.kind, "plain");
});

test("continuation gen PPL: a toy scorer with NLL 1 nat per token id 0 and 3 nats per other id", () => {
  const scorer: SequenceScorer = {
    name: "toy",
    score: (seqs) => {
      let nll = 0, tokens = 0;
      for (const s of seqs) for (let i = 1; i < s.length; i++) (nll += s[i] === 0 ? 1 : 3), tokens++;
      return { nll, tokens };
    },
  };
  // prompts [5, 0] and [0, 0]; continuations [0, 7] and [7, 7]: continuation NLL (1 + 3 + 3 + 3) over 4 tokens
  const v = continuationPpl(scorer, [[5, 0], [0, 0]], [[5, 0, 0, 7], [0, 0, 7, 7]]);
  assert.ok(Math.abs(v - Math.exp(10 / 4)) < 1e-12, String(v));
});

test("cells, table and figures from rows: seed means, one line per cell, steps on x", () => {
  const row = (model: DecodingRow["model"], stage: DecodingRow["stage"], strategy: string, steps: number, seed: number, genPpl: number, rep4: number): DecodingRow => ({
    id: `${model}/${stage}/${strategy}/S${steps}/seed${seed}`, model, stage, strategy, steps, seed, genPpl, rep2: 0.1, rep3: 0.05, rep4, distinct4: 0.9, distinct2: 0.8, entropy: 3, highPriorRate: 0.3, modelCalls: steps + 1, seconds: 1, sample: "",
  });
  const rows = [row("reference", "text", "held-out text", 0, 0, 80, 0), row("mdlm", "base", "plain", 16, 0, 100, 0.1), row("mdlm", "base", "plain", 16, 1, 200, 0.3), row("mdlm", "base", "plain", 32, 0, 90, 0.2), row("mdlm", "r2ft", "plain", 16, 0, 120, 0)];
  const cells = decodingCells(rows);
  assert.equal(cells.length, 4);
  assert.equal(cells[1].mean("genPpl"), 150);
  assert.ok(Math.abs(cells[1].mean("rep4") - 0.2) < 1e-12);
  const md = decodingMarkdown(rows, "toy scorer");
  assert.match(md, /^Gen PPL scorer: toy scorer/);
  assert.match(md, /\| MDLM \| before R2FT \| plain \| 16 \| 150\.0 \(100\.0 \/ 200\.0\) \| 0\.100 \| 0\.200 \| 0\.900 \| 3\.000 \| 0\.300 \| 17 \|/);
  assert.equal(md.split("\n").filter((l) => l.startsWith("| MDLM") || l.startsWith("| REFERENCE")).length, 4);
  const fig = decodingFigure(rows, "genPpl", "t");
  assert.equal(fig.data.length, 2, "one line per (model, stage, strategy); the reference text is not a line");
  assert.deepEqual((fig.data[0] as { x: number[] }).x, [16, 32]);
  assert.deepEqual((fig.data[0] as { y: number[] }).y, [150, 90]);
  assert.ok(Number.isNaN((fig.data[1] as { y: number[] }).y[1]), "a missing cell is a gap");
  const lines = fig.data as { line?: { color?: string; dash?: string } }[];
  assert.equal(lines[0].line?.color, lines[1].line?.color, "a base line and its R2FT fine-tune share a colour");
  assert.deepEqual([lines[0].line?.dash, lines[1].line?.dash], [undefined, "dash"]);
  assert.equal(fig.layout.yaxis?.type, "log", "gen PPL on a log axis");
  assert.notEqual(decodingFigure(rows, "rep4", "t").layout.yaxis?.type, "log", "rep-4 (a share) on a linear axis");
});

test("given base runs (--mdlm-run / --hdlm-run): R2FT takes the run's model and objective, not the settings' small model", () => {
  const corpus = { vocabSize: 512, seqLen: 32 } as Corpus;
  const settings = {
    train: { steps: 3, batchSize: 2, lr: 3e-3, model: { hidden: 16, layers: 1, heads: 2, condDim: 16 }, numClusters: 8 },
    r2ft: { steps: 2, batchSize: 2, lr: 1e-3, betaA: 0.1 },
  } as DecodingExperimentSettings;
  const root = tmpDir("hdlm-dec-given-");
  const run = (name: string, objective: unknown, vocabSize = 512) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    const cfg = resolveConfig({ preset: "cpu", runDir: dir, steps: 10, batchSize: 4, microBatch: 0, model: { hidden: 48, layers: 3, heads: 4, condDim: 48, seqLen: 32 }, objective, data: { vocabSize } });
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(cfg));
    fs.writeFileSync(path.join(dir, "checkpoint.bin"), "");
    return dir;
  };
  const hdlm = run("hdlm", { kind: "hdlm", numClusters: 16, gamma: 1 });
  const given = givenBaseRun(hdlm, "hdlm", corpus);
  assert.equal(given.objective.numClusters, 16);
  assert.equal(given.objective.clusterFile, path.join(hdlm, "clusters.json"));
  assert.equal(given.model.hidden, 48);
  const r2ft = decodingRunConfig(settings, corpus, { kind: "r2ft", base: given.objective, betaA: 0.1 }, path.join(root, "r2ft"), true, hdlm, given.model);
  assert.deepEqual([r2ft.model.hidden, r2ft.model.layers, r2ft.init, r2ft.steps], [48, 3, hdlm, 2]);
  assert.equal(decodingRunConfig(settings, corpus, { kind: "mdlm" }, path.join(root, "own"), false).model.hidden, 16, "without a given run: the settings' model");
  assert.throws(() => givenBaseRun(hdlm, "mdlm", corpus), /--mdlm-run .*hdlm: the run trained objective hdlm, not mdlm/);
  assert.throws(() => givenBaseRun(run("wide", { kind: "mdlm" }, 1024), "mdlm", corpus), /--mdlm-run .*wide: the run has V 1024, L 32; the corpus V 512, L 32/);
  assert.throws(() => givenBaseRun(path.join(root, "missing"), "mdlm", corpus), /--mdlm-run: run folder .*missing does not exist/);
  fs.rmSync(root, { recursive: true, force: true });
});

test("fineTuneR2ft (notebook 05) trains: without a step hook the copied parameters still move, the base's do not", async () => {
  await initEngine();
  const owt = await smallOwt();
  const base = new Trainer(tinyConfig(tmpDir("hdlm-dec-nb-"), { objective: { kind: "mdlm" }, steps: 4, batchSize: 4 }), owt);
  try {
    for (let i = 0; i < 4; i++) base.trainStep();
    const before = base.params.embed.dataSync().slice();
    const t = fineTuneR2ft(base, owt, { steps: 3, batchSize: 4, lr: 1e-3, r2ft: { promptMin: 4, promptMax: 8, repeatMin: 4, repeatMax: 8 } });
    try {
      assert.equal(t.step, 3);
      assert.equal(t.objective.kind, "r2ft");
      assert.deepEqual(base.params.embed.dataSync(), before, "the base is untouched");
      const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(t.params.embed, base.params.embed))).dataSync()[0]);
      assert.ok(moved > 0, "the fine-tuned copy moved");
    } finally {
      t.dispose();
    }
  } finally {
    base.dispose();
  }
});
