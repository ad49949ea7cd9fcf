// `npm run temporal`: the temporal-dynamics comparison of issue 10 (temporal.md §6). Per seed, pre-trains a small
// MDLM and a small HDLM on the arithmetic task (answer-span loss), evaluates each on held-out problems (final pass,
// ever pass, temporal voting fixed/linear/exp, TSE of correct vs wrong samples), runs TCR with the −TSE,
// TSE + accuracy (spherical_plus) and accuracy rewards at the same budget and evaluates each policy; writes
// <out>/results.{json,md} with the mean and 95% interval over seeds. Resumable: rerunning skips finished parts.
//
// Usage: npm run temporal -- [--smoke] [--seeds 0,1,2] [--out DIR] [--kinds mdlm,hdlm]
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { initEngine, describeEngine, engineLabel } from "../src/engine";
import { runTemporal, temporalMarkdown, TEMPORAL_REWARDS, TEMPORAL_SIZES } from "../src/experiments/temporal";
import { TASK_MODEL_KINDS, type TaskModelKind } from "../src/train/task-model";
import { writeResultFiles } from "../src/experiments/results-files";

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { smoke: { type: "boolean" }, seeds: { type: "string" }, out: { type: "string" }, kinds: { type: "string" } },
    strict: true,
  });
  const sizeName = values.smoke ? "smoke" : "full";
  const size = TEMPORAL_SIZES[sizeName];
  const seeds = (values.seeds ?? (values.smoke ? "0" : "0,1,2")).split(",").map(Number);
  if (seeds.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--seeds needs comma-separated integers >= 0, got ${values.seeds}`);
  const kinds = (values.kinds ?? "mdlm,hdlm").split(",") as TaskModelKind[];
  for (const k of kinds) if (!(TASK_MODEL_KINDS as readonly string[]).includes(k)) throw new Error(`--kinds must list mdlm and/or hdlm, got ${JSON.stringify(k)}`);
  const out = values.out ?? path.join("out", "temporal", sizeName === "full" ? "" : sizeName);
  const engine = await initEngine();
  const log = (m: string) => process.stderr.write(`temporal: ${m}\n`);
  log(describeEngine(engine));
  const t0 = Date.now();
  const { rows, ran } = await runTemporal({ size, seeds, kinds, rewards: TEMPORAL_REWARDS, outDir: out, log, progress: process.stderr.isTTY });
  const seconds = (Date.now() - t0) / 1000;
  const partSeconds = rows.reduce((a, r) => a + r.seconds, 0);
  const command = `npm run temporal --${process.argv.slice(2).map((a) => ` ${a}`).join("")}`;
  const engineName = engineLabel(engine);
  const md = [
    temporalMarkdown(rows),
    "",
    `Measured with \`${command}\` (${engineName}; this invocation ${seconds.toFixed(0)} s wall, ran ${ran.length} of ${rows.length} parts; all parts together ${partSeconds.toFixed(0)} s).`,
    `Task: arithmetic \`a op b =\` with a, b in [0, ${size.maxOperand}]${size.maxOperand < 99 ? " (a CPU-budget deviation from the spec's [0, 99])" : ""}, op in {+, -, *}; ${size.trainProblems} train / ${size.valProblems} validation / ${size.testProblems} held-out problems (disjoint seeds, de-duplicated), ${size.evalRepeats} samples per held-out problem; character vocabulary, prompt held clean, loss on the answer span.`,
    `Models: DiT ${JSON.stringify(size.model)}; pre-training ${size.pretrain.steps} steps x ${size.pretrain.batchSize} rows, lr ${size.pretrain.lr}; HDLM clusters digit / operator / other (3).`,
    `Evaluation sampler: the method's own (MDLM ddpm, HDLM ancestral), ${size.evalSampleSteps} steps, temperature ${size.evalTemperature}; per-step answers from the clean guess at every model call; voting exp α = 5, TSE exp α = 12.8 with skip 0.5.`,
    `TCR: ${size.tcr.steps} steps x ${size.tcr.promptsPerStep} prompts x G = ${size.tcr.groupSize}, μ = ${size.tcr.innerUpdates}, reference re-synced every ${size.tcr.refSyncEvery}, lr ${size.tcr.lr}, ε 0.5, β 0.04, rollouts ${size.tcr.sampleSteps} steps at temperature ${size.tcr.temperature}; the same budget for every reward. Intervals: mean ± 95% t-interval over ${seeds.length} seed(s) (seed = model init, data order, rollouts and evaluation draws; the problem sets are fixed). Nothing was tuned on the held-out problems.`,
  ].join("\n");
  writeResultFiles(out, { meta: { command, engine: engineName, wallSeconds: seconds, partSeconds, size, seeds, kinds, rewards: TEMPORAL_REWARDS }, rows }, md);
  process.stdout.write(md + "\n");
  log(`wrote ${path.join(out, "results.json")} and results.md`);
}

main().catch((e: unknown) => {
  process.stderr.write(`temporal: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
