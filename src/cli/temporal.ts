// `hdlm temporal --run <dir>`: the temporal dynamics of a task model (temporal.md §2-§4) on held-out problems:
// samples with the prompt fixed and per-step answers recorded, then prints the oscillation metrics, the accuracy of
// temporal self-consistency voting under each weighting and the TSE statistics (correct vs wrong samples).
import * as fs from "fs";
import * as path from "path";
import { loadRun, LoadedRun } from "../train/load-run";
import { taskModelInfo } from "../train/task-model";
import { loadTcrPolicy } from "../train/tcr";
import { evaluateTemporal } from "../train/task-eval";
import { CharVocab } from "../tasks/char-vocab";
import { makeTaskSplits } from "../tasks/splits";
import { loadTaskFile } from "../tasks/task-file";
import type { ArithmeticProblem } from "../tasks/arithmetic";
import { TEMPORAL_WEIGHTINGS } from "../temporal/weighting";
import { parseDecodingConfig, type DecodingConfig } from "../decoding/decoding-config";
import { CliIo, UsageError, intFlag, parseFlags } from "./args";

export const TEMPORAL_USAGE = `usage: hdlm temporal --run <dir> [--problems <task file>] [--n N] [--samples K] [--steps S] [--temperature T] [--seed s]

  --run <dir>        a task model's run folder (npm run temporal: out/temporal/runs/<kind>-seed<s>/base) or a TCR
                     run folder (.../tcr-<reward>)
  --problems <file>  held-out problems (a task file {"task": "arithmetic", "split", "problems"}); default: the
                     run task's held-out split (test seed 2)
  --n N              held-out problems when generated (default 200)
  --samples K        samples per problem (default 1)
  --steps S          sampler steps (default 12)
  --temperature T    sampling temperature (default 0: argmax tokens; the unmasking order stays random)
  --seed s           seed of every draw (default 0)
  --decoding <json>  the sampler's position rule, e.g. '{"kind":"semi-ar","blockLength":6,"select":"confidence"}'
                     (low-confidence remasking over a 6-token completion); default the method's own law`;

/** Parsed `temporal` arguments. */
export interface TemporalArgs {
  run: string;
  problems: string | null;
  n: number;
  samples: number;
  steps: number;
  temperature: number;
  seed: number;
  decoding: DecodingConfig | null;
}

/** Parses the arguments after `temporal`; throws a usage error naming the bad argument. */
export function parseTemporalArgs(args: string[]): TemporalArgs {
  const f = parseFlags("temporal", args, { run: "string", problems: "string", n: "int", samples: "int", steps: "int", temperature: "string", seed: "int", decoding: "string" });
  if (f.run === undefined) throw new UsageError("temporal needs --run <dir>");
  const temperature = f.temperature === undefined ? 0 : Number(f.temperature);
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new UsageError(`temporal: --temperature must be a number >= 0, got ${String(f.temperature)}`);
  return {
    run: f.run as string,
    problems: (f.problems as string | undefined) ?? null,
    n: intFlag("temporal", f, "n", 200),
    samples: intFlag("temporal", f, "samples", 1),
    steps: intFlag("temporal", f, "steps", 12, 2),
    temperature,
    seed: intFlag("temporal", f, "seed", 0, 0),
    decoding: f.decoding === undefined ? null : decodingFlag(f.decoding as string),
  };
}

function decodingFlag(text: string): DecodingConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`temporal: --decoding must be a JSON object like {"kind":"confidence","blockLength":6}, got ${text}`);
  }
  try {
    return parseDecodingConfig(raw, "--decoding");
  } catch (e) {
    throw new UsageError(`temporal: ${(e as Error).message}`);
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const bits = (x: number | null) => (x === null ? "-" : x.toFixed(3));

/** Loads the run (a task model or a TCR policy), samples the held-out problems and prints the report. */
export async function runTemporal(a: TemporalArgs, io: CliIo): Promise<void> {
  const isTcr = fs.existsSync(path.join(a.run, "tcr.json"));
  let run: LoadedRun;
  let what: string;
  let baseDir = a.run;
  if (isTcr) {
    const p = loadTcrPolicy(a.run);
    run = p.run;
    baseDir = p.config.baseRun;
    what = `TCR policy (reward ${p.config.reward}, step ${p.step}) on ${p.config.baseRun}`;
  } else {
    run = loadRun(a.run);
    what = `${run.config.objective.kind} task model (step ${run.step})`;
  }
  try {
    const { task, promptWidth } = taskModelInfo(baseDir, run.config);
    let problems: ArithmeticProblem[];
    if (a.problems !== null) {
      const file = loadTaskFile(a.problems);
      if (file.task !== "arithmetic") throw new Error(`${a.problems}: task must be "arithmetic" for this run, got "${file.task}"`);
      problems = file.problems;
    } else problems = makeTaskSplits(task, { trainSeed: 1, testSeed: 2, train: 0, test: a.n }).test;
    const vocab = new CharVocab();
    if (run.vocabSize !== vocab.size) throw new Error(`${a.run}: the run has ${run.vocabSize} token ids, not the task vocabulary's ${vocab.size}`);
    const sampler = run.tools({ steps: a.steps, temperature: a.temperature }).sampler;
    const t0 = Date.now();
    const { report: r } = evaluateTemporal(sampler, run.denoiser(), task, vocab, problems, promptWidth, run.model.seqLen, { seed: a.seed, repeats: a.samples, ...(a.decoding !== null ? { decoding: a.decoding } : {}) });
    const o = r.oscillation;
    io.out(`${a.run}: ${what}; ${task.name}, ${problems.length} problems x ${a.samples} samples, ${sampler.name}${a.decoding !== null ? `, decoding ${JSON.stringify(a.decoding)}` : ""} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    io.out(`oscillation: final pass ${pct(o.finalPassRate)}, ever pass ${pct(o.everPassRate)}, gap ${pct(o.oscillationGap)}, first correct step ${o.meanFirstCorrectStep === null ? "-" : o.meanFirstCorrectStep.toFixed(2)}, answer changes per step ${o.meanAnswerChangeRate.toFixed(3)}`);
    io.out(`voting accuracy: ${TEMPORAL_WEIGHTINGS.map((w) => `${w} ${pct(r.voting[w])}`).join(", ")}`);
    io.out(`TSE (bits, exp alpha 12.8, skip 0.5): all ${bits(r.tse.all.mean)}, correct ${bits(r.tse.correct.mean)} (n ${r.tse.correct.n}), wrong ${bits(r.tse.wrong.mean)} (n ${r.tse.wrong.n}), no answer ${pct(r.tse.noAnswerRate)}`);
    io.out(r.tseTest === null ? "TSE test: needs correct and wrong samples" : `TSE test (Mann-Whitney, correct < wrong): U ${r.tseTest.u.toFixed(1)}, z ${r.tseTest.z.toFixed(2)}, one-sided p ${r.tseTest.p.toExponential(2)}`);
  } finally {
    run.dispose();
  }
}
