// The temporal-dynamics comparison of issue 10 (temporal.md §6 pipeline): per seed, pre-train a small MDLM and a
// small HDLM on the arithmetic task, evaluate the base model on held-out problems (final pass, ever pass, voting per
// weighting, TSE), run TCR with each reward at the same budget and evaluate each policy the same way. Resumable part
// by part: a finished part is a JSON row under <out>/rows/, an unfinished run resumes from its checkpoint.
import * as fs from "fs";
import * as path from "path";
import { ditDenoiser } from "../methods/denoiser";
import { CharVocab } from "../tasks/char-vocab";
import { makeArithmeticTask } from "../tasks/arithmetic";
import type { ArithmeticProblem } from "../tasks/arithmetic";
import { makeTaskSplits } from "../tasks/splits";
import type { Task } from "../tasks/task";
import type { TemporalReport } from "../rl/temporal-eval";
import { evaluateTemporal } from "../train/task-eval";
import type { RewardName } from "../rl/rewards";
import { loadRun } from "../train/load-run";
import { pretrainTaskModel, TaskModelKind } from "../train/task-model";
import { promptWidthOf } from "../train/task-data";
import { parseTcrConfig, readTcrMetrics, runTcr, TcrMetrics } from "../train/tcr";
import { writeFileAtomic } from "../util/fs";
import { TEMPORAL_WEIGHTINGS } from "../temporal/weighting";

/** The three TCR rewards compared (temporal.md §6): TSE only, TSE + accuracy, accuracy only. */
export const TEMPORAL_REWARDS: readonly RewardName[] = ["tse", "spherical_plus", "accuracy"];

/** Sizes of one comparison. */
export interface TemporalSize {
  /** Operands in [0, maxOperand] (99 = the spec's range). */
  maxOperand: number;
  trainProblems: number;
  valProblems: number;
  testProblems: number;
  /** Evaluation samples per held-out problem. */
  evalRepeats: number;
  model: { hidden: number; layers: number; heads: number; condDim: number; seqLen: number };
  pretrain: { steps: number; batchSize: number; lr: number };
  /** Sampler steps S and temperature of the evaluation (0 = argmax tokens; the unmasking order stays random). */
  evalSampleSteps: number;
  evalTemperature: number;
  tcr: { steps: number; promptsPerStep: number; groupSize: number; innerUpdates: number; refSyncEvery: number; lr: number; sampleSteps: number; temperature: number };
}

/** The measured size (about 30 min on 2 loaded cores) and a smoke size (seconds). */
export const TEMPORAL_SIZES: Record<"smoke" | "full", TemporalSize> = {
  full: {
    maxOperand: 19, trainProblems: 900, valProblems: 100, testProblems: 200, evalRepeats: 2,
    model: { hidden: 64, layers: 2, heads: 2, condDim: 32, seqLen: 16 },
    pretrain: { steps: 2000, batchSize: 64, lr: 3e-3 },
    evalSampleSteps: 12, evalTemperature: 0,
    tcr: { steps: 40, promptsPerStep: 4, groupSize: 6, innerUpdates: 2, refSyncEvery: 20, lr: 3e-4, sampleSteps: 12, temperature: 0.9 },
  },
  smoke: {
    maxOperand: 9, trainProblems: 150, valProblems: 20, testProblems: 20, evalRepeats: 1,
    model: { hidden: 16, layers: 1, heads: 2, condDim: 8, seqLen: 14 },
    pretrain: { steps: 30, batchSize: 16, lr: 1e-2 },
    evalSampleSteps: 6, evalTemperature: 0,
    tcr: { steps: 2, promptsPerStep: 2, groupSize: 3, innerUpdates: 1, refSyncEvery: 1, lr: 1e-3, sampleSteps: 6, temperature: 0.9 },
  },
};

/** One evaluated model: which, its report (without the per-sample TSE lists) and, for TCR, its training curve. */
export interface TemporalRow {
  kind: TaskModelKind;
  seed: number;
  /** "base" or "tcr-<reward>". */
  variant: string;
  samples: number;
  report: Omit<TemporalReport, "tse"> & { tse: { mean: number | null; correct: number | null; wrong: number | null; nCorrect: number; nWrong: number; noAnswerRate: number } };
  /** TSE values of correct and wrong samples (for histograms). */
  tseValues: { correct: number[]; wrong: number[] };
  curve?: TcrMetrics[];
  seconds: number;
}

/** The task, vocabulary and problem splits of a size (test split disjoint from train and val). */
export function temporalProblems(size: TemporalSize): { task: Task<ArithmeticProblem, number>; vocab: CharVocab; train: ArithmeticProblem[]; val: ArithmeticProblem[]; test: ArithmeticProblem[]; promptWidth: number } {
  const task = makeArithmeticTask(size.maxOperand);
  const sp = makeTaskSplits(task, { trainSeed: 1, testSeed: 2, train: size.trainProblems + size.valProblems, test: size.testProblems });
  const val = sp.train.slice(0, size.valProblems);
  const train = sp.train.slice(size.valProblems);
  return { task, vocab: new CharVocab(), train, val, test: sp.test, promptWidth: promptWidthOf(task, [...sp.train, ...sp.test]) };
}

function row(kind: TaskModelKind, seed: number, variant: string, r: TemporalReport, seconds: number, curve?: TcrMetrics[]): TemporalRow {
  return {
    kind, seed, variant, samples: r.oscillation.samples,
    report: { oscillation: r.oscillation, voting: r.voting, tseTest: r.tseTest, tse: { mean: r.tse.all.mean, correct: r.tse.correct.mean, wrong: r.tse.wrong.mean, nCorrect: r.tse.correct.n, nWrong: r.tse.wrong.n, noAnswerRate: r.tse.noAnswerRate } },
    tseValues: { correct: r.tse.correct.values, wrong: r.tse.wrong.values },
    ...(curve ? { curve } : {}),
    seconds,
  };
}

/** Options of {@link runTemporal}. */
export interface TemporalRunOptions {
  size: TemporalSize;
  seeds: number[];
  kinds: TaskModelKind[];
  rewards: readonly RewardName[];
  outDir: string;
  log?: (m: string) => void;
  progress?: boolean;
}

/**
 * Runs every missing part of the comparison into `outDir` (runs/<kind>-seed<s>/{base,tcr-<reward>}, rows/*.json)
 * and returns all rows. A part whose row exists is skipped; an interrupted run resumes from its checkpoint.
 */
export async function runTemporal(o: TemporalRunOptions): Promise<{ rows: TemporalRow[]; ran: string[] }> {
  const log = o.log ?? (() => undefined);
  const { task, vocab, train, val, test, promptWidth } = temporalProblems(o.size);
  const s = o.size;
  const rowsDir = path.join(o.outDir, "rows");
  fs.mkdirSync(rowsDir, { recursive: true });
  const rows: TemporalRow[] = [];
  const ran: string[] = [];
  const evalSeed = (seed: number) => 1000 + seed;
  for (const seed of o.seeds) {
    for (const kind of o.kinds) {
      const runDir = path.join(o.outDir, "runs", `${kind}-seed${seed}`);
      const baseDir = path.join(runDir, "base");
      const baseRow = path.join(rowsDir, `${kind}-seed${seed}-base.json`);
      if (!fs.existsSync(baseRow) || o.rewards.some((r) => !fs.existsSync(path.join(rowsDir, `${kind}-seed${seed}-tcr-${r}.json`)))) {
        const t0 = Date.now();
        log(`${kind} seed ${seed}: pre-training (${s.pretrain.steps} steps)`);
        await pretrainTaskModel({ runDir: baseDir, kind, task, vocab, train, val, seed, steps: s.pretrain.steps, batchSize: s.pretrain.batchSize, lr: s.pretrain.lr, model: s.model, promptWidth, progress: o.progress });
        if (!fs.existsSync(baseRow)) {
          const run = loadRun(baseDir);
          try {
            const { report } = evaluateTemporal(run.tools({ steps: s.evalSampleSteps, temperature: s.evalTemperature }).sampler, run.denoiser(), task, vocab, test, promptWidth, s.model.seqLen, { seed: evalSeed(seed), repeats: s.evalRepeats });
            writeFileAtomic(baseRow, JSON.stringify(row(kind, seed, "base", report, (Date.now() - t0) / 1000)) + "\n");
            ran.push(`${kind}-seed${seed}-base`);
          } finally {
            run.dispose();
          }
        }
      }
      rows.push(JSON.parse(fs.readFileSync(baseRow, "utf8")) as TemporalRow);
      for (const reward of o.rewards) {
        const file = path.join(rowsDir, `${kind}-seed${seed}-tcr-${reward}.json`);
        if (!fs.existsSync(file)) {
          const t0 = Date.now();
          log(`${kind} seed ${seed}: TCR with reward ${reward} (${s.tcr.steps} steps)`);
          const config = parseTcrConfig({ runDir: path.join(runDir, `tcr-${reward}`), baseRun: baseDir, reward, seed, promptWidth, checkpointEvery: 5, ...s.tcr });
          let report: TemporalReport | null = null;
          await runTcr(config, { task, vocab, train }, {
            progress: o.progress,
            keep: (trainer) => {
              const policy = ditDenoiser(trainer.params, trainer.model);
              const sampler = trainer.base.tools({ steps: s.evalSampleSteps, temperature: s.evalTemperature }).sampler;
              report = evaluateTemporal(sampler, (z, t) => policy(z, t), task, vocab, test, promptWidth, s.model.seqLen, { seed: evalSeed(seed), repeats: s.evalRepeats }).report;
            },
          });
          writeFileAtomic(file, JSON.stringify(row(kind, seed, `tcr-${reward}`, report as unknown as TemporalReport, (Date.now() - t0) / 1000, readTcrMetrics(config.runDir))) + "\n");
          ran.push(`${kind}-seed${seed}-tcr-${reward}`);
        }
        rows.push(JSON.parse(fs.readFileSync(file, "utf8")) as TemporalRow);
      }
    }
  }
  return { rows, ran };
}

/** Mean and 95% t-interval half-width over seeds (null half-width with one seed). */
export function meanInterval(xs: readonly number[]): { mean: number; half: number | null; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, half: null, n };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
  // Student t quantiles 0.975 for 1..9 degrees of freedom, then the normal 1.96.
  const T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262];
  return { mean, half: (T[n - 2] ?? 1.96) * (sd / Math.sqrt(n)), n };
}

const pct = (m: { mean: number; half: number | null }) => `${(100 * m.mean).toFixed(1)}${m.half === null ? "" : ` ± ${(100 * m.half).toFixed(1)}`}`;
const num = (m: { mean: number; half: number | null }, d = 3) => `${m.mean.toFixed(d)}${m.half === null ? "" : ` ± ${m.half.toFixed(d)}`}`;

/** The results table (markdown): accuracy per evaluation for MDLM and HDLM, mean ± 95% interval over seeds. */
export function temporalMarkdown(rows: readonly TemporalRow[], rewards: readonly RewardName[] = TEMPORAL_REWARDS): string {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const of = (kind: string, variant: string) => rows.filter((r) => r.kind === kind && r.variant === variant);
  const stat = (kind: string, variant: string, f: (r: TemporalRow) => number | null) => {
    const xs = of(kind, variant).map(f).filter((x): x is number => x !== null && Number.isFinite(x));
    return xs.length === 0 ? null : meanInterval(xs);
  };
  const cell = (m: ReturnType<typeof stat>, fmt: (m: { mean: number; half: number | null }) => string) => (m === null ? "n/a" : fmt(m));
  const lines = [
    `| held-out accuracy (%) | ${kinds.map((k) => k.toUpperCase()).join(" | ")} |`,
    `|---|${kinds.map(() => "---").join("|")}|`,
  ];
  const add = (label: string, variant: string, f: (r: TemporalRow) => number | null, fmt = pct) => lines.push(`| ${label} | ${kinds.map((k) => cell(stat(k, variant, f), fmt)).join(" | ")} |`);
  add("base, final pass", "base", (r) => r.report.oscillation.finalPassRate);
  add("base, ever pass", "base", (r) => r.report.oscillation.everPassRate);
  for (const w of TEMPORAL_WEIGHTINGS) add(`base, temporal voting (${w})`, "base", (r) => r.report.voting[w]);
  for (const rw of rewards) add(`TCR ${rw === "tse" ? "−TSE (no labels)" : rw === "accuracy" ? "accuracy only" : `TSE + accuracy (${rw})`}, final pass`, `tcr-${rw}`, (r) => r.report.oscillation.finalPassRate);
  lines.push("", `| base model dynamics | ${kinds.map((k) => k.toUpperCase()).join(" | ")} |`, `|---|${kinds.map(() => "---").join("|")}|`);
  add("oscillation gap (ever − final, %)", "base", (r) => r.report.oscillation.oscillationGap);
  add("answer changes per step", "base", (r) => r.report.oscillation.meanAnswerChangeRate, (m) => num(m));
  add("TSE, correct samples (bits)", "base", (r) => r.report.tse.correct, (m) => num(m));
  add("TSE, wrong samples (bits)", "base", (r) => r.report.tse.wrong, (m) => num(m));
  add("Mann-Whitney z (TSE correct < wrong)", "base", (r) => r.report.tseTest?.z ?? null, (m) => num(m, 2));
  for (const rw of rewards) add(`TSE after TCR ${rw} (bits)`, `tcr-${rw}`, (r) => r.report.tse.mean, (m) => num(m));
  return lines.join("\n");
}
