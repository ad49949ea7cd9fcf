// `npm run decoding`: MDLM and HDLM (trained here at a stated budget, or given runs), each fine-tuned by R2FT, decoded
// plain / semi-AR / convolutional (and HDLM without force transition) at several step counts and 2 seeds, as prefix
// continuations of held-out OpenWebText windows; writes <out>/results.{json,md} and the gen PPL / rep-4 vs steps
// figures. Resumable: finished rows are <out>/rows/*.json, runs resume from their checkpoints.
//
// Usage: npm run decoding -- [--smoke] [--out DIR] [--runs DIR] [--scorer DIR] [--steps 16,32] [--seeds 0,1]
//        [--samples N] [--train-steps N] [--r2ft-steps N] [--mdlm-run DIR] [--hdlm-run DIR] [--report]
// --report writes the tables and figures of the rows measured so far (same flags otherwise) and measures nothing.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { initEngine, describeEngine, engineLabel } from "../src/engine";
import { openCorpus } from "../src/data";
import { runDecodingExperiment, type DecodingExperimentSettings } from "../src/experiments/decoding";
import { decodingMarkdown, decodingFigure } from "../src/experiments/decoding-report";
import { standaloneHtml, plotlyJsPath, figureToPng, pngEnabled } from "../src/plot";
import { writeResultFiles } from "../src/experiments/results-files";

function ints(flag: string, v: string | undefined, fallback: number[], min = 1): number[] {
  if (v === undefined) return fallback;
  const out = v.split(",").map(Number);
  if (out.length === 0 || out.some((x) => !Number.isInteger(x) || x < min)) throw new Error(`--${flag} needs comma-separated integers >= ${min}, got ${v}`);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      smoke: { type: "boolean" }, out: { type: "string" }, runs: { type: "string" }, scorer: { type: "string" },
      steps: { type: "string" }, seeds: { type: "string" }, samples: { type: "string" },
      "train-steps": { type: "string" }, "r2ft-steps": { type: "string" }, "mdlm-run": { type: "string" }, "hdlm-run": { type: "string" }, report: { type: "boolean" },
    },
    strict: true,
  });
  const smoke = values.smoke === true;
  const settings: DecodingExperimentSettings = {
    train: smoke
      ? { steps: 3, batchSize: 2, lr: 3e-3, model: { hidden: 32, layers: 1, heads: 2, condDim: 32 }, numClusters: 8 }
      : { steps: ints("train-steps", values["train-steps"], [150])[0], batchSize: 8, lr: 3e-3, model: { hidden: 64, layers: 2, heads: 4, condDim: 64 }, numClusters: 64 },
    r2ft: { steps: smoke ? 2 : ints("r2ft-steps", values["r2ft-steps"], [60])[0], batchSize: smoke ? 2 : 8, lr: 1e-3, betaA: 0.1 },
    steps: ints("steps", values.steps, smoke ? [4] : [16, 32]),
    seeds: ints("seeds", values.seeds, smoke ? [0] : [0, 1], 0),
    samples: ints("samples", values.samples, [smoke ? 2 : 4])[0],
    promptLength: 64,
    blockLength: 16,
    topK: 5,
    highPriorTop: 20,
  };
  const out = values.out ?? path.join("out", smoke ? "decoding-smoke" : "decoding");
  const runsDir = values.runs ?? path.join(out, "runs");
  const scorerDir = values.scorer ?? path.join("results", "compare-full", "scorer");
  const engine = await initEngine();
  const log = (m: string) => process.stderr.write(`decoding: ${m}\n`);
  log(describeEngine(engine));
  const corpus = await openCorpus({ seqLen: 128, compactVocab: 8192, heldoutFraction: 0.05, onProgress: null });
  const t0 = Date.now();
  const baseRuns = { ...(values["mdlm-run"] ? { mdlm: values["mdlm-run"] } : {}), ...(values["hdlm-run"] ? { hdlm: values["hdlm-run"] } : {}) };
  const result = await runDecodingExperiment({ corpus, settings, outDir: out, runsDir, scorerDir, baseRuns, reportOnly: values.report === true, log });
  const seconds = (Date.now() - t0) / 1000;
  const command = `npm run decoding --${process.argv.slice(2).map((a) => ` ${a}`).join("")}`;
  const t = settings.train;
  const md = [
    decodingMarkdown(result.rows, result.scorer),
    "",
    `Measured with \`${command}\` (${engineLabel(engine)}; this invocation ${seconds.toFixed(0)} s wall, of which training ${result.trainSeconds.toFixed(0)} s; sampling the ${result.rows.length} rows took ${result.rows.reduce((a, r) => a + r.seconds, 0).toFixed(0)} s in all, counting rows measured by earlier invocations).`,
    `Models: MDLM and HDLM (n = ${t.numClusters}, gamma = 1) ${baseRuns.mdlm || baseRuns.hdlm ? `(given runs: ${JSON.stringify(baseRuns)})` : `trained here, each ${t.steps} steps x ${t.batchSize} x 128 tokens, DiT ${t.model.hidden}x${t.model.layers}, lr ${t.lr}`}; V = ${corpus.vocabSize} (the compare grid's compact vocabulary).`,
    `R2FT: ${settings.r2ft.steps} steps x ${settings.r2ft.batchSize} from each base (--init), lr ${settings.r2ft.lr} constant after warmup, weight decay 0.1, beta_w = beta_l = 1, beta_a = ${settings.r2ft.betaA}, gamma = 0, prompts of 32-64 tokens, repeat spans of 30-49 tokens.`,
    `Decoding: ${settings.samples} continuations per seed (seeds ${settings.seeds.join(", ")}; each seed its own held-out windows), prompt ${settings.promptLength} tokens, ${128 - settings.promptLength} generated; semi-AR blocks of ${settings.blockLength} with the base sampler inside a block; conv K = ${settings.blockLength + 1}, top-k ${settings.topK}, s_norm matched (HDLM: the MASK -> cluster gate, hdlm-lab's extension); high-prior tokens = the ${settings.highPriorTop} most frequent training ids. The held-out text rows score the true continuations.`,
  ].join("\n");
  writeResultFiles(out, { meta: { command, seconds, trainSeconds: result.trainSeconds, settings, scorer: result.scorer }, rows: result.rows }, md);
  const plotly = path.join(out, "plotly.min.js");
  fs.copyFileSync(plotlyJsPath(), plotly);
  for (const [key, name, title] of [["genPpl", "gen-ppl-vs-steps", "Gen PPL of continuations vs sampler steps"], ["rep4", "rep4-vs-steps", "rep-4 of continuations vs sampler steps"]] as const) {
    const fig = decodingFigure(result.rows, key, title);
    fs.writeFileSync(path.join(out, `${name}.html`), standaloneHtml(fig, title, "plotly.min.js"));
    if (pngEnabled()) {
      const r = figureToPng(fig, path.join(out, `${name}.png`));
      if ("skipped" in r) log(`no PNG: ${r.skipped}`);
    }
  }
  process.stdout.write(md + "\n");
  log(`wrote ${path.join(out, "results.json")}, results.md and figures`);
}

main().catch((e: unknown) => {
  process.stderr.write(`decoding: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
