// `npm run compare`: AR vs MDLM vs HDLM vs GIDD+ at equal training tokens, 2 seeds each, plus the unigram row, on the
// bundled OpenWebText subset (validation and held-out splits) and WikiText-2; prints the tables and writes
// <out>/results.{json,md}. Resumable run by run: finished runs are <out>/rows/*.json, unfinished ones resume from
// their checkpoint in <out>/runs/, so rerunning the same command after an interruption continues where it stopped.
//
// Usage: npm run compare -- [--size smoke|small|full] [--smoke] [--steps N] [--seeds 0,1] [--out DIR] [--runs DIR] [--methods ar,mdlm,hdlm,gidd] [--lr X] [--finished-only]
//
// --methods/--seeds select runs, so a grid can be split over processes side by side (each with HDLM_THREADS=1 on a
// 2-core machine: 9% more tokens/s in all than one process on 2 threads); the AR scorer kept in <out>/scorer scores
// every process's samples. --finished-only trains nothing: the tables of the rows finished so far.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { initEngine, describeEngine, engineLabel } from "../src/engine";
import { openCorpus, openWikiText } from "../src/data";
import { runGrid, gridMarkdown, differencesMarkdown, gridSize, gridMethods, gridCurvesFigure, type GridSizeName } from "../src/experiments";
import { figureToPng, pngEnabled } from "../src/plot";
import { writeResultFiles } from "../src/experiments/results-files";

function positiveInt(flag: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} needs a positive integer, got ${v}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      size: { type: "string" }, smoke: { type: "boolean" }, steps: { type: "string" }, seeds: { type: "string" },
      out: { type: "string" }, runs: { type: "string" }, methods: { type: "string" }, lr: { type: "string" },
      "finished-only": { type: "boolean" },
    },
    strict: true,
  });
  const size = (values.smoke ? "smoke" : values.size ?? "full") as GridSizeName;
  if (!["smoke", "small", "full"].includes(size)) throw new Error(`--size must be smoke, small or full, got ${size}`);
  const steps = positiveInt("steps", values.steps);
  const lr = values.lr === undefined ? null : Number(values.lr);
  if (lr !== null && !(lr > 0)) throw new Error(`--lr needs a positive number, got ${values.lr}`);
  const seeds = (values.seeds ?? "0,1").split(",").map(Number);
  if (seeds.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--seeds needs comma-separated integers >= 0, got ${values.seeds}`);
  // The full grid's finished rows are kept in the repository (results/), so a grid interrupted by the end of a
  // session continues in the next one; checkpoints of unfinished runs stay in runs/ (not committed).
  const out = values.out ?? (size === "full" ? path.join("results", "compare-full") : path.join("out", "compare", size));
  const runsDir = values.runs ?? path.join("runs", `compare-${size}`);
  const s = gridSize(size, { steps, lr });
  const methods = gridMethods(s, values.methods?.split(","));

  const engine = await initEngine();
  const log = (m: string) => process.stderr.write(`compare: ${m}\n`);
  const engineName = engineLabel(engine);
  log(describeEngine(engine));
  const corpus = await openCorpus({ seqLen: s.seqLen, compactVocab: s.vocab, heldoutFraction: 0.05, onProgress: null });
  const wikitext = await openWikiText({ seqLen: s.seqLen, vocab: corpus.compactVocab, onProgress: null });
  const t0 = Date.now();
  const result = await runGrid({ corpus, wikitext, methods, seeds, run: s.run, eval: s.eval, outDir: out, runsDir, log, progress: process.stderr.isTTY, finishedOnly: values["finished-only"] === true });
  const seconds = (Date.now() - t0) / 1000;
  const trainSeconds = result.rows.reduce((a, r) => a + r.trainSeconds, 0);
  const command = `npm run compare --${process.argv.slice(2).map((a) => ` ${a}`).join("")}`;
  const st = corpus.stats();
  const m0 = result.rows.find((r) => r.kind !== "unigram");
  fs.mkdirSync(out, { recursive: true });
  // The validation curves of every run (the trainer's fixed batches) as a picture beside the tables.
  const png = pngEnabled() ? figureToPng(gridCurvesFigure(result.rows, `Validation loss vs training tokens (npm run compare, size ${size})`), path.join(out, "curves.png")) : { skipped: "HDLM_FIGURE_PNG=0 or smoke mode" };
  if ("skipped" in png) log(`no curves.png: ${png.skipped}`);
  const md = [
    gridMarkdown(result),
    "",
    "Paired differences (same tokens, same t and z_t seeds; seed i against seed i), called a difference only beyond 2 SE:",
    "",
    differencesMarkdown(result),
    "",
    `Measured with \`${command}\` (${engineName}; this invocation ${seconds.toFixed(0)} s wall, trained ${result.trained.length} of ${result.rows.length - 1} runs; training time of all runs ${trainSeconds.toFixed(0)} s).`,
    `Data: bundled OpenWebText subset, ${st.train.documents} train / ${st.validation.documents} validation / ${st.heldout.documents} held-out documents (split by text hash), compact vocabulary of ${corpus.vocabSize} ids (${((st.compactCoverage ?? 1) * 100).toFixed(1)}% of training tokens in-vocabulary).`,
    `Each run: ${s.run.steps} steps x ${s.run.batchSize} x ${s.seqLen} tokens${m0 ? ` (${m0.trainTokens.toLocaleString("en-US")} tokens)` : ""}, model ${JSON.stringify(s.run.model ?? {})} on preset ${s.run.preset}, lr ${s.run.optim?.lr}.`,
    `Scored tokens: ${result.sets.map((x) => `${x.label} ${x.tokens.toLocaleString("en-US")} tokens in ${x.rows} rows (${(x.unkFraction * 100).toFixed(1)}% UNK)`).join("; ")}. OWT sets are every token of every document of the split (framed BOS + text + EOS) in consecutive ${s.seqLen}-token windows${s.eval.maxRows > 0 ? `, at most ${s.eval.maxRows} rows per set` : ""}; WikiText-2 is packed rows.`,
    `Estimators: diffusion rows are the unclipped ELBO with ${s.eval.strata} t strata per sequence (an upper bound on NLL); AR rows are the exact NLL with each row's first token scored by the unigram model; the unigram row is add-0.5 training-split frequencies. SE: over rows, combined with the spread over seeds.`,
    ...("png" in png ? [`Training curves (validation loss on the trainer's fixed batches vs tokens): curves.png.`] : []),
    `Gen PPL: ${s.eval.samples} samples x ${s.seqLen} tokens per run, ${s.eval.sampleSteps} sampler steps, framing tokens dropped, scored by the first AR run (trained here; not gpt2-large).`,
  ].join("\n");
  const meta = { command, engine: engineName, wallSeconds: seconds, trainSeconds, size, sizes: s, seeds, methods, sets: result.sets, corpus: { train: st.train, validation: st.validation, heldout: st.heldout, coverage: st.compactCoverage } };
  writeResultFiles(out, { meta, rows: result.rows }, md);
  process.stdout.write(md + "\n");
  log(`wrote ${path.join(out, "results.json")} and results.md`);
}

main().catch((e: unknown) => {
  process.stderr.write(`compare: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
