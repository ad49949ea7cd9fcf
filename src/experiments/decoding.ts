// `npm run decoding` (decoding.md, issue 12): MDLM and HDLM trained here at one stated budget, each fine-tuned by
// R2FT (`--init`), decoded plain / semi-AR / convolutional (HDLM: also without force transition) at several step
// counts and seeds, as prefix continuations of held-out OpenWebText windows; metrics: gen PPL of the continuation
// under the AR scorer, rep-2/3/4, distinct-n, high-prior rate, unigram entropy. Resumable row by row.
import * as fs from "fs";
import * as path from "path";
import type { Corpus } from "../data/corpus";
import { corpusTokenData } from "../train/corpus-data";
import { resolveConfig, type TrainConfig, type TrainModelConfig } from "../train/config";
import { train } from "../train/trainer";
import { loadRun, readRunConfig, type LoadedRun } from "../train/load-run";
import { writeFileAtomic } from "../util/fs";
import { HierarchicalSchedule } from "../schedules/hierarchical";
import { MdlmSampler } from "../samplers/mdlm-sampler";
import { HdlmSampler } from "../samplers/hdlm-sampler";
import type { Denoiser, GridSampler, Sampler } from "../samplers/sampler";
import { prefixPrompt } from "../samplers/prompt";
import type { DecodingConfig } from "../decoding/decoding-config";
import { arScorer, type SequenceScorer } from "../eval/gen-ppl";
import { repetitionReport, distinctN, highPriorIds } from "../eval/repetition";
import type { HdlmObjective } from "../methods/hdlm";

/** One decoding strategy of the sweep. */
export interface Strategy {
  key: string;
  /** Which model it applies to. */
  models: ReadonlyArray<"mdlm" | "hdlm">;
  decoding: DecodingConfig;
  /** HDLM only: false = the force-transition ablation. */
  forceTransition?: boolean;
}

/** Settings of one experiment (every number the README states). */
export interface DecodingExperimentSettings {
  /** Base training of both models: steps x batch x L, model width, lr. */
  train: { steps: number; batchSize: number; lr: number; model: { hidden: number; layers: number; heads: number; condDim: number }; numClusters: number };
  /** R2FT fine-tune from each base (decoding.md §3; the prompt/span rules at their defaults). */
  r2ft: { steps: number; batchSize: number; lr: number; betaA: number };
  /** Sampler steps swept. */
  steps: number[];
  seeds: number[];
  /** Continuations per (row, seed). */
  samples: number;
  /** Prompt tokens of each held-out window; the rest of the L-window is generated. */
  promptLength: number;
  /** Semi-AR block B and the conv kernel K = B + 1 (odd), top-k. */
  blockLength: number;
  topK: number;
  /** High-prior tokens: the `highPriorTop` most frequent ids of the training split. */
  highPriorTop: number;
}

/** One measured row. */
export interface DecodingRow {
  id: string;
  model: "mdlm" | "hdlm" | "reference";
  stage: "base" | "r2ft" | "text";
  strategy: string;
  steps: number;
  seed: number;
  genPpl: number;
  rep2: number;
  rep3: number;
  rep4: number;
  distinct4: number;
  distinct2: number;
  entropy: number;
  highPriorRate: number;
  modelCalls: number;
  seconds: number;
  sample: string;
}

/** The strategies of the sweep at block length B: plain, semi-AR B, conv K = B + 1; HDLM also unforced plain. */
export function decodingStrategies(blockLength: number, topK: number): Strategy[] {
  const K = blockLength % 2 === 0 ? blockLength + 1 : blockLength;
  return [
    { key: "plain", models: ["mdlm", "hdlm"], decoding: { kind: "plain" } },
    { key: `semi-ar B=${blockLength}`, models: ["mdlm", "hdlm"], decoding: { kind: "semi-ar", blockLength, select: "base" } },
    { key: `conv K=${K}`, models: ["mdlm"], decoding: { kind: "conv", kernelSize: K, topK, normalization: "matched", temperature: 1, convMult: 1, emptyRow: "closed" } },
    { key: `conv K=${K}`, models: ["hdlm"], decoding: { kind: "hdlm-conv", kernelSize: K, convMult: 1, emptyRow: "closed" } },
    { key: "plain, no force transition", models: ["hdlm"], decoding: { kind: "plain" }, forceTransition: false },
  ];
}

/** The AR scorer of a run folder (the grid's parameters-only copy, results/compare-full/scorer): loadRun + arScorer. */
export function loadGenPplScorer(dir: string): { run: LoadedRun; scorer: SequenceScorer } {
  const run = loadRun(dir);
  const name = `AR ${run.config.model.hidden}x${run.config.model.layers}, ${run.config.steps} steps (${dir})`;
  return { run, scorer: arScorer((x, mask) => run.arLogits(x, mask), { name, vocabSize: run.vocabSize, seqLen: run.config.model.seqLen }) };
}

/**
 * Gen PPL of continuations: exp(mean NLL of the generated tokens given their prompt) under the AR scorer, i.e.
 * NLL(prompt + continuation) − NLL(prompt), pooled over samples.
 */
export function continuationPpl(scorer: SequenceScorer, prompts: ReadonlyArray<ArrayLike<number>>, full: ReadonlyArray<ArrayLike<number>>): number {
  const a = scorer.score(full), b = scorer.score(prompts);
  return Math.exp((a.nll - b.nll) / (a.tokens - b.tokens));
}

/** Held-out windows of exactly L real tokens (framed documents), the first `count` of them. */
export function heldoutWindows(corpus: Corpus, count: number): Int32Array[] {
  const out: Int32Array[] = [];
  const L = corpus.seqLen;
  for (const b of corpus.windows("heldout", 16)) {
    for (let r = 0; r < b.batchSize && out.length < count; r++) {
      const row = b.mask.subarray(r * L, (r + 1) * L);
      if (row.every((m) => m > 0)) out.push(Int32Array.from(b.tokens.subarray(r * L, (r + 1) * L)));
    }
    if (out.length >= count) break;
  }
  if (out.length < count) throw new Error(`the held-out split has ${out.length} full ${L}-token windows; the sweep needs ${count}`);
  return out;
}

/**
 * The training config of a base model or its R2FT fine-tune. `model` is the base's model when the base is a given run
 * (an R2FT fine-tune has its init run's shape); otherwise the settings' model.
 */
export function decodingRunConfig(s: DecodingExperimentSettings, corpus: Corpus, objective: unknown, runDir: string, r2ft: boolean, init?: string, model?: TrainModelConfig): TrainConfig {
  const t = r2ft ? s.r2ft : s.train;
  return resolveConfig({
    preset: "cpu",
    seed: 0,
    runDir,
    steps: t.steps,
    batchSize: t.batchSize,
    microBatch: 0,
    model: model ?? { ...s.train.model, seqLen: corpus.seqLen },
    optim: { lr: t.lr, warmupSteps: Math.max(1, Math.round(t.steps / 10)), ...(r2ft ? { weightDecay: 0.1, minLrRatio: 1 } : {}) },
    objective,
    data: { vocabSize: corpus.vocabSize },
    evalEvery: 0,
    checkpointEvery: Math.max(1, Math.round(t.steps / 5)),
    ...(init !== undefined ? { init } : {}),
  }, "decoding");
}

/**
 * A base run given by the caller (e.g. a compare grid run): its objective (HDLM's with the run's own clusters.json)
 * and model, checked to be a finished `kind` run on the corpus's vocabulary and sequence length (one line naming the
 * folder otherwise).
 */
export function givenBaseRun(dir: string, kind: "mdlm" | "hdlm", corpus: Corpus): { objective: Record<string, unknown>; model: TrainModelConfig } {
  let cfg: TrainConfig;
  try {
    cfg = readRunConfig(dir);
  } catch (e) {
    throw new Error(`--${kind}-run: ${(e as Error).message}`);
  }
  if (cfg.objective.kind !== kind) throw new Error(`--${kind}-run ${dir}: the run trained objective ${cfg.objective.kind}, not ${kind}`);
  if (cfg.data.vocabSize !== corpus.vocabSize || cfg.model.seqLen !== corpus.seqLen) {
    throw new Error(`--${kind}-run ${dir}: the run has V ${cfg.data.vocabSize}, L ${cfg.model.seqLen}; the corpus V ${corpus.vocabSize}, L ${corpus.seqLen}`);
  }
  const objective: Record<string, unknown> = kind === "hdlm" ? { ...cfg.objective, clusterFile: path.join(dir, "clusters.json") } : { ...cfg.objective };
  return { objective, model: cfg.model };
}

/** Trains (or resumes, or skips when finished) the run of `cfg` on the corpus. */
async function ensureRun(cfg: TrainConfig, corpus: Corpus, log: (m: string) => void): Promise<number> {
  const ck = path.join(cfg.runDir, "checkpoint.bin");
  if (fs.existsSync(ck)) {
    const r = loadRun(cfg.runDir);
    const step = r.step;
    r.dispose();
    if (step >= cfg.steps) return 0;
  }
  const t0 = Date.now();
  log(`${cfg.runDir}: training ${cfg.objective.kind} ${cfg.steps} steps x ${cfg.batchSize} x ${cfg.model.seqLen}${cfg.init ? ` from ${cfg.init}` : ""}`);
  await train(cfg, { data: corpusTokenData(corpus), resume: fs.existsSync(ck), progress: false });
  return (Date.now() - t0) / 1000;
}

/** The sampler of a loaded run for a strategy (the base objective of an R2FT run). */
function runSampler(run: LoadedRun, steps: number, strategy: Strategy): GridSampler {
  const o = run.config.objective;
  const base = (o.kind === "r2ft" ? o.base : o) as { kind: string };
  if (base.kind === "hdlm") {
    const h = base as HdlmObjective;
    return new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: h.gamma }), clusters: run.clusters!, xi: h.xi, steps, forceTransition: strategy.forceTransition ?? true });
  }
  return new MdlmSampler({ vocabSize: run.vocabSize, steps });
}

/** Metrics of continuations (the generated part) with their prompts. */
export function measureContinuations(scorer: SequenceScorer, prompts: Int32Array[], full: Int32Array[], P: number, highPrior: Set<number>, decode: (ids: ArrayLike<number>) => string): Omit<DecodingRow, "id" | "model" | "stage" | "strategy" | "steps" | "seed" | "modelCalls" | "seconds"> {
  const gen = full.map((f) => f.subarray(P));
  const rep = repetitionReport(gen, { highPrior });
  return {
    genPpl: continuationPpl(scorer, prompts, full),
    rep2: rep.rep2, rep3: rep.rep3, rep4: rep.rep4, distinct2: rep.distinct2, distinct4: distinctN(gen, 4), entropy: rep.entropy, highPriorRate: rep.highPriorRate ?? NaN,
    sample: decode(gen[0]),
  };
}

/**
 * Decodes the continuations of held-out windows `full` (prompt = the first P tokens) with `sampler` and `strategy`
 * (seed 1000 + seed) and measures them; the row fields besides its id and labels.
 */
export function decodeAndMeasure(
  sampler: Sampler,
  denoiser: Denoiser,
  full: Int32Array[],
  P: number,
  strategy: Strategy,
  seed: number,
  metrics: { scorer: SequenceScorer; highPrior: Set<number>; decode: (ids: ArrayLike<number>) => string },
): Omit<DecodingRow, "id" | "model" | "stage" | "strategy" | "steps"> {
  const L = full[0].length;
  const prompts = full.map((f) => f.subarray(0, P));
  const t0 = Date.now();
  const r = sampler.sample(denoiser, { batch: prompts.length, length: L, seed: 1000 + seed, prompt: prefixPrompt(prompts, L), decoding: strategy.decoding });
  const seconds = (Date.now() - t0) / 1000;
  const outs = prompts.map((_, b) => r.tokens.data.slice(b * L, (b + 1) * L));
  return { seed, modelCalls: r.modelCalls, seconds, ...measureContinuations(metrics.scorer, prompts, outs, P, metrics.highPrior, metrics.decode) };
}

/** What {@link runDecodingExperiment} needs. */
export interface DecodingExperimentConfig {
  corpus: Corpus;
  settings: DecodingExperimentSettings;
  outDir: string;
  /** Folder of the base and R2FT runs. */
  runsDir: string;
  /** The gen-PPL scorer's run folder (V and L must equal the corpus's). */
  scorerDir: string;
  /** Reuse trained base runs instead of training them (same V, L); keys mdlm, hdlm. */
  baseRuns?: Partial<Record<"mdlm" | "hdlm", string>>;
  /** Only collect the rows already measured (an interrupted sweep's table); measures nothing. */
  reportOnly?: boolean;
  log?: (m: string) => void;
}

/** Runs (or resumes) the experiment; returns every row (the reference text rows first) and the training seconds. */
export async function runDecodingExperiment(config: DecodingExperimentConfig): Promise<{ rows: DecodingRow[]; trainSeconds: number; scorer: string }> {
  const { corpus, settings: s, outDir, runsDir } = config;
  const log = config.log ?? (() => undefined);
  const L = corpus.seqLen, P = s.promptLength;
  if (!(P >= 1 && P < L)) throw new Error(`promptLength must lie in [1, ${L}), got ${P}`);
  const rowsDir = path.join(outDir, "rows");
  fs.mkdirSync(rowsDir, { recursive: true });
  const settingsFile = path.join(outDir, "settings.json");
  const settingsText = JSON.stringify(s);
  if (fs.existsSync(settingsFile) && fs.readFileSync(settingsFile, "utf8") !== settingsText) throw new Error(`${settingsFile} holds other settings; move ${outDir} away or pass another --out`);
  writeFileAtomic(settingsFile, settingsText);

  const objectives: Record<"mdlm" | "hdlm", Record<string, unknown>> = { mdlm: { kind: "mdlm" }, hdlm: { kind: "hdlm", numClusters: s.train.numClusters, gamma: 1 } };
  let trainSeconds = 0;
  const runs: Record<string, string> = {};
  for (const m of ["mdlm", "hdlm"] as const) {
    const given = config.baseRuns?.[m];
    const baseDir = given ?? path.join(runsDir, `${m}-base`);
    if (given === undefined && !config.reportOnly) trainSeconds += await ensureRun(decodingRunConfig(s, corpus, objectives[m], baseDir, false), corpus, log);
    const { objective: base, model } = given !== undefined
      ? givenBaseRun(given, m, corpus)
      : { objective: m === "hdlm" ? { ...objectives[m], clusterFile: path.join(baseDir, "clusters.json") } : objectives[m], model: undefined };
    const r2ftDir = path.join(runsDir, `${m}-r2ft`);
    if (!config.reportOnly) trainSeconds += await ensureRun(decodingRunConfig(s, corpus, { kind: "r2ft", base, betaA: s.r2ft.betaA }, r2ftDir, true, baseDir, model), corpus, log);
    runs[`${m}/base`] = baseDir;
    runs[`${m}/r2ft`] = r2ftDir;
  }

  const windows = heldoutWindows(corpus, s.samples * Math.max(...s.seeds, 0) + s.samples);
  const counts = new Float64Array(corpus.vocabSize);
  for (const d of corpus.documents("train")) for (const id of Array.from(corpus.documentTokens(d))) counts[id]++;
  const highPrior = new Set(highPriorIds(counts, s.highPriorTop));
  const { run: scorerRun, scorer } = loadGenPplScorer(config.scorerDir);
  if (scorerRun.vocabSize !== corpus.vocabSize || scorerRun.config.model.seqLen < L) throw new Error(`the scorer ${config.scorerDir} has V ${scorerRun.vocabSize}, L ${scorerRun.config.model.seqLen}; the corpus V ${corpus.vocabSize}, L ${L}`);
  const rows: DecodingRow[] = [];
  const decode = (ids: ArrayLike<number>) => corpus.decode(ids);
  const save = (row: DecodingRow) => {
    writeFileAtomic(path.join(rowsDir, `${row.id.replace(/[^a-z0-9=.-]+/gi, "_")}.json`), JSON.stringify(row) + "\n");
    rows.push(row);
  };
  const cached = (id: string): DecodingRow | null => {
    const f = path.join(rowsDir, `${id.replace(/[^a-z0-9=.-]+/gi, "_")}.json`);
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, "utf8")) as DecodingRow) : null;
  };
  try {
    for (const seed of s.seeds) {
      const full = windows.slice(seed * s.samples, (seed + 1) * s.samples);
      const id = `reference/text/seed${seed}`;
      const old = cached(id);
      if (old !== null) rows.push(old);
      else save({ id, model: "reference", stage: "text", strategy: "held-out text", steps: 0, seed, modelCalls: 0, seconds: 0, ...measureContinuations(scorer, full.map((f) => f.subarray(0, P)), full, P, highPrior, decode) });
    }
    // step counts outermost, so an interrupted sweep has every model, stage and strategy at the smaller step counts
    const strategies = decodingStrategies(s.blockLength, s.topK);
    let missing = 0;
    for (const steps of s.steps) {
      for (const seed of s.seeds) {
        const full = windows.slice(seed * s.samples, (seed + 1) * s.samples);
        for (const m of ["mdlm", "hdlm"] as const) {
          for (const stage of ["base", "r2ft"] as const) {
            let run: LoadedRun | null = null;
            try {
              for (const strategy of strategies.filter((x) => x.models.includes(m))) {
                const id = `${m}/${stage}/${strategy.key}/S${steps}/seed${seed}`;
                const old = cached(id);
                if (old !== null) {
                  rows.push(old);
                  continue;
                }
                if (config.reportOnly) {
                  missing++;
                  continue;
                }
                run ??= loadRun(runs[`${m}/${stage}`]);
                const r = decodeAndMeasure(runSampler(run, steps, strategy), run.denoiser(), full, P, strategy, seed, { scorer, highPrior, decode });
                const row: DecodingRow = { id, model: m, stage, strategy: strategy.key, steps, ...r };
                save(row);
                log(`${id}: gen PPL ${row.genPpl.toFixed(1)}, rep-4 ${row.rep4.toFixed(3)}, distinct-4 ${row.distinct4.toFixed(3)}, entropy ${row.entropy.toFixed(3)} (${row.seconds.toFixed(0)} s)`);
              }
            } finally {
              run?.dispose();
            }
          }
        }
      }
    }
    if (missing > 0) log(`report only: ${missing} rows of the sweep are not measured yet (run without --report to measure them)`);
    const order = (r: DecodingRow) => [["reference", "mdlm", "hdlm"].indexOf(r.model), r.stage === "r2ft" ? 1 : 0, strategies.findIndex((x) => x.key === r.strategy), r.steps, r.seed];
    rows.sort((a, b) => {
      const x = order(a), y = order(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
      return 0;
    });
  } finally {
    scorerRun.dispose();
  }
  return { rows, trainSeconds, scorer: scorer.name };
}
