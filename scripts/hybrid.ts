// `npm run hybrid` (issue 11): AR (the gen-PPL scorer), SEDD, Diffusion-LM, the chained hybrid (a = 0.35, b = 0.75),
// MDLM and HDLM at one budget on the bundled OpenWebText subset, scored on OWT valid / held-out and WikiText-2 valid
// and test (bounds), the hybrid part by part with its rounding accuracy at b, gen PPL of samples; 2 seeds; writes
// <out>/results.{json,md}. Resumable run by run (finished runs are <out>/rows/*.json, unfinished ones resume from
// their checkpoint in <runs>/), so rerunning the same command after an interruption continues where it stopped.
//
// Usage: npm run hybrid -- [--smoke] [--steps N] [--seeds 0,1] [--lr X] [--out DIR] [--runs DIR]
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { initEngine, describeEngine, engineLabel } from "../src/engine";
import { openCorpus, openWikiText } from "../src/data";
import { runGrid, gridEvalSets } from "../src/experiments";
import { integer, number } from "../src/util/validate";
import { hybridMarkdown, hybridMethods, hybridParts, hybridSize } from "../src/experiments/hybrid";
import { writeResultFiles } from "../src/experiments/results-files";

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { smoke: { type: "boolean" }, steps: { type: "string" }, seeds: { type: "string" }, lr: { type: "string" }, out: { type: "string" }, runs: { type: "string" } },
    strict: true,
  });
  const size = values.smoke ? "smoke" : "full";
  // Flag values go through the config validators: one line naming the flag.
  const lr = values.lr === undefined ? null : number(Number(values.lr), "--lr", 0, 1, true);
  const steps = values.steps === undefined ? null : integer(Number(values.steps), "--steps", 1);
  const seeds = (values.seeds ?? "0,1").split(",").map((x, i) => integer(Number(x), `--seeds[${i}]`, 0));
  const s = hybridSize(size, { steps, lr });
  const out = values.out ?? path.join("out", size === "smoke" ? "hybrid-smoke" : "hybrid");
  const runsDir = values.runs ?? path.join(out, "runs");

  const engine = await initEngine();
  const log = (m: string) => process.stderr.write(`hybrid: ${m}\n`);
  const engineName = engineLabel(engine);
  log(describeEngine(engine));
  const corpus = await openCorpus({ seqLen: s.seqLen, compactVocab: s.vocab, heldoutFraction: 0.05, onProgress: null });
  const wikitext = await openWikiText({ split: "valid", seqLen: s.seqLen, vocab: corpus.compactVocab, onProgress: null });
  const wikitextTest = await openWikiText({ split: "test", seqLen: s.seqLen, vocab: corpus.compactVocab, onProgress: null });
  const methods = hybridMethods(s);
  const t0 = Date.now();
  const result = await runGrid({ corpus, wikitext, wikitextTest, methods, seeds, run: s.run, eval: s.eval, outDir: out, runsDir, log, progress: process.stderr.isTTY });
  const parts = hybridParts(result, gridEvalSets(corpus, wikitext, s.eval, wikitextTest), out, runsDir, s.eval, log);
  const seconds = (Date.now() - t0) / 1000;
  const trainSeconds = result.rows.reduce((a, r) => a + r.trainSeconds, 0);
  const command = `npm run hybrid --${process.argv.slice(2).map((a) => ` ${a}`).join("")}`;
  const m0 = result.rows.find((r) => r.kind !== "unigram");
  const md = [
    hybridMarkdown(result, parts),
    "",
    `Measured with \`${command}\` (${engineName}; this invocation ${seconds.toFixed(0)} s wall, trained ${result.trained.length} of ${result.rows.length - 1} runs; training time of all runs ${trainSeconds.toFixed(0)} s).`,
    `Each run: ${s.run.steps} steps x ${s.run.batchSize} x ${s.seqLen} tokens${m0 ? ` (${m0.trainTokens.toLocaleString("en-US")} tokens)` : ""}, model ${JSON.stringify(s.run.model ?? {})} on preset ${s.run.preset}, AdamW lr ${s.run.optim?.lr}; compact vocabulary of ${corpus.vocabSize} ids; seeds ${seeds.join(", ")}.`,
    `Scored: ${result.sets.map((x) => `${x.label} ${x.tokens.toLocaleString("en-US")} tokens in ${x.rows} rows (${(x.unkFraction * 100).toFixed(1)}% UNK)`).join("; ")}.`,
    `Bounds: diffusion rows are each method's likelihood bound with ${s.eval.strata} t strata per sequence (MDLM/HDLM unclipped ELBO, SEDD score entropy, Diffusion-LM Gaussian bound + rounding + prior, the hybrid's §4 bound); AR rows are the exact NLL. SE: over rows, combined with the spread over seeds. Gen PPL: ${s.eval.samples} samples x ${s.seqLen} tokens, ${s.eval.sampleSteps} sampler steps, scored by the AR run of seed ${seeds[0]} (trained here).`,
  ].join("\n");
  fs.mkdirSync(out, { recursive: true });
  const meta = { command, engine: engineName, wallSeconds: seconds, trainSeconds, size, sizes: s, seeds, methods, sets: result.sets };
  writeResultFiles(out, { meta, rows: result.rows, parts }, md);
  process.stdout.write(md + "\n");
  log(`wrote ${path.join(out, "results.json")} and results.md`);
}

main().catch((e: unknown) => {
  process.stderr.write(`hybrid: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
