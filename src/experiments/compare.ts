// The MDLM vs HDLM vs GIDD+ comparison at equal training tokens (issue 4, hdlm.md §7): trains each method per seed and an AR
// reference scorer on one corpus, then scores validation PPL bounds (OWT, WikiText-2), generative PPL and entropy.
import { tf } from "../engine/tf";
import type { Corpus } from "../data/corpus";
import type { TokenBatch } from "../data/sequences";
import { ditForward, arForward } from "../models/transformer";
import { HierarchicalSchedule } from "../schedules/hierarchical";
import { LogLinearSchedule } from "../schedules/log-linear";
import { HdlmSampler } from "../samplers/hdlm-sampler";
import { MdlmSampler } from "../samplers/mdlm-sampler";
import { GiddSampler } from "../samplers/gidd-sampler";
import type { Sampler, StepCallback } from "../samplers/sampler";
import { validationPpl, hdlmElboScorer, mdlmElboScorer, giddElboScorer, type ElboScorer, type ValidPplResult } from "../eval/valid-ppl";
import { arScorer, generativePpl } from "../eval/gen-ppl";
import { unigramEntropy } from "../eval/entropy";
import { resolveConfig, type GiddObjective, type HdlmObjective, type ObjectiveConfig, type TrainConfig, type TrainPresetName } from "../train/config";
import { Trainer, type MetricsLine } from "../train/trainer";
import type { TokenData } from "../train/text-data";
import { causalCrossEntropy, giddSchedule } from "../train/objectives";
import type { OptimConfig } from "../train/optimizer";
import { corpusTokenData } from "./corpus-data";

/** A training objective as written in a config: HDLM/GIDD fields left out take the defaults of `resolveConfig`. */
export type ObjectiveSpec = ObjectiveConfig | ({ kind: "hdlm" } & Partial<HdlmObjective>) | ({ kind: "gidd" } & Partial<GiddObjective>);

/** One method of the grid: a label for tables and its training objective (mdlm, hdlm or gidd). */
export interface CompareMethod {
  name: string;
  objective: ObjectiveSpec;
}

/** Model, optimiser and budget shared by every run of a comparison (equal tokens: same steps × batch × seqLen). */
export interface RunSettings {
  /** Size preset the overrides apply to (default "cpu"). */
  preset?: TrainPresetName;
  model?: Partial<TrainConfig["model"]>;
  optim?: Partial<OptimConfig>;
  steps: number;
  batchSize: number;
}

/** Everything `runComparison` needs. */
export interface CompareConfig {
  /** The training corpus (its validation split is the OWT evaluation set). */
  corpus: Corpus;
  /** WikiText-2 in the same vocabulary (`openWikiText({ vocab: corpus.compactVocab })`), or null to skip. */
  wikitext: Corpus | null;
  methods: CompareMethod[];
  seeds: number[];
  run: RunSettings;
  /** The AR reference scorer's run (same sizes; its own step count). Seed: the first of `seeds`. */
  reference: RunSettings;
  eval: {
    /** Sequences per evaluation batch. */
    batchSize: number;
    /** At most this many OWT validation batches (default: all validation documents once). */
    owtBatches?: number;
    /** At most this many WikiText-2 batches (packed rows). */
    wikiBatches: number;
    /** Samples per run for generative PPL and entropy. */
    samples: number;
    /** Reverse steps of the samplers. */
    sampleSteps: number;
    /** Seed of validation draws and samples (the same for every run). */
    seed?: number;
  };
  /** Called after every training step of every run (live loss curves). */
  onStep?: (run: string, line: Extract<MetricsLine, { split: "train" }>) => void;
  /** Progress messages (one line each). */
  log?: (message: string) => void;
}

/** One trained model's measurements. */
export interface CompareRow {
  method: string;
  seed: number;
  steps: number;
  /** Training tokens seen (steps × batch × seqLen, padding included as in the trainer's count). */
  trainTokens: number;
  /** Mean training loss over the last 10% of steps. */
  finalTrainLoss: number;
  /** exp(ELBO) on the OWT validation split (upper bound; exact NLL PPL for the AR reference). */
  owtPpl: number;
  owtTokens: number;
  /** exp(ELBO) on WikiText-2 (NaN when skipped). */
  wikiPpl: number;
  wikiTokens: number;
  /** exp(mean NLL) of the samples under the AR reference (NaN for the reference itself). */
  genPpl: number;
  /** Mean unigram entropy of a sample, nats. */
  entropy: number;
  trainSeconds: number;
}

/** Mean ± sample standard deviation of each metric, per method. */
export interface CompareSummary {
  method: string;
  seeds: number;
  trainTokens: number;
  owtPpl: [number, number];
  wikiPpl: [number, number];
  genPpl: [number, number];
  entropy: [number, number];
}

/** The resolved trainer config of one run (the data block is unused: data come from the corpus). */
export function runConfig(run: RunSettings, objective: ObjectiveSpec, seed: number, seqLen: number): TrainConfig {
  return resolveConfig(
    {
      preset: run.preset ?? "cpu",
      seed,
      steps: run.steps,
      batchSize: run.batchSize,
      model: { ...run.model, seqLen },
      optim: { warmupSteps: Math.max(1, Math.round(run.steps / 20)), ...run.optim },
      objective,
      runDir: `runs/compare/${objective.kind}-${seed}`,
      evalEvery: 0,
      checkpointEvery: 0,
    },
    "compare",
  );
}

/** A trained model and its loss curve. */
export interface TrainedRun {
  trainer: Trainer;
  losses: number[];
  seconds: number;
}

/**
 * Trains one model for `config.steps` updates on `data` (no files written: the caller keeps the live trainer to
 * evaluate and sample, and disposes it). `onStep` sees every training metrics line.
 */
export function trainModel(config: TrainConfig, data: TokenData, onStep?: (line: Extract<MetricsLine, { split: "train" }>) => void): TrainedRun {
  const trainer = new Trainer(config, data);
  const losses: number[] = [];
  const t0 = Date.now();
  try {
    while (trainer.step < config.steps) {
      const line = trainer.trainStep();
      if (!Number.isFinite(line.loss)) throw new Error(`${config.objective.kind} seed ${config.seed}: training loss is ${line.loss} at step ${line.step}; lower optim.lr`);
      losses.push(line.loss);
      onStep?.(line);
    }
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return { trainer, losses, seconds: (Date.now() - t0) / 1000 };
}

/** The ELBO scorer and the sampler of a trained diffusion model (hdlm.md §6, baselines.md §1-§2). */
export function diffusionTools(trainer: Trainer, sampleSteps: number): { scorer: ElboScorer; sampler: Sampler } {
  const o = trainer.config.objective;
  const V = trainer.data.vocabSize;
  switch (o.kind) {
    case "mdlm": {
      const schedule = new LogLinearSchedule();
      return { scorer: mdlmElboScorer({ schedule, vocabSize: V }), sampler: new MdlmSampler({ vocabSize: V, steps: sampleSteps }) };
    }
    case "hdlm": {
      const clusters = trainer.objective.clusters;
      if (clusters === null) throw new Error("hdlm trainer has no cluster map");
      const schedule = new HierarchicalSchedule({ gamma: o.gamma });
      return {
        scorer: hdlmElboScorer({ schedule, clusters, xi: o.xi }),
        sampler: new HdlmSampler({ schedule, clusters, steps: sampleSteps, xi: o.xi }),
      };
    }
    case "gidd": {
      const schedule = giddSchedule(o);
      return { scorer: giddElboScorer({ schedule, vocabSize: V }), sampler: new GiddSampler({ schedule, vocabSize: V, steps: sampleSteps }) };
    }
    case "ar":
      throw new Error("the AR reference is scored with arNll, not an ELBO scorer");
    default: {
      const never: never = o;
      throw new Error(`objective ${JSON.stringify(never)} has no evaluation`);
    }
  }
}

/** Validation batches of a corpus, at most `maxBatches` (crops with a fixed seed; WikiText: packed rows). */
export function evalBatches(corpus: Corpus, batchSize: number, maxBatches?: number): TokenBatch[] {
  const out: TokenBatch[] = [];
  for (const b of corpus.validation(batchSize, 0)) {
    if (maxBatches !== undefined && out.length >= maxBatches) break;
    out.push(b);
  }
  return out;
}

/** Validation PPL bound (hdlm.md §7.1, Monte Carlo with a fixed seed) of a trained diffusion model. */
export function diffusionPpl(trainer: Trainer, scorer: ElboScorer, batches: TokenBatch[], seed: number): ValidPplResult {
  const { params, model } = trainer;
  return validationPpl((z, t, pad) => ditForward(params, model, z, t, pad).logits, scorer, batches, { seed });
}

/**
 * Pooled next-token NLL of an AR model (nats per scored token, all but the first position of each row, padding
 * excluded) and the number of scored tokens.
 */
export function arNll(trainer: Trainer, batches: TokenBatch[]): { nll: number; tokens: number } {
  let sum = 0;
  let tokens = 0;
  for (const b of batches) {
    const { batchSize: B, seqLen: L } = b;
    let scored = 0;
    for (let r = 0; r < B; r++) for (let i = 1; i < L; i++) scored += b.mask[r * L + i];
    if (scored === 0) continue;
    const mean = tf.tidy(() => {
      const x = tf.tensor2d(b.tokens, [B, L], "int32");
      const m = tf.tensor2d(Float32Array.from(b.mask), [B, L], "float32");
      return causalCrossEntropy(arForward(trainer.params, trainer.model, x, m), x, m).dataSync()[0];
    });
    sum += mean * scored;
    tokens += scored;
  }
  if (tokens === 0) throw new Error("arNll: no tokens to score");
  return { nll: sum / tokens, tokens };
}

/** Draws `count` unconditional samples of length `seqLen` from a trained diffusion model. */
export function drawSamples(trainer: Trainer, sampler: Sampler, count: number, seed: number, onStep?: StepCallback): Int32Array[] {
  const { params, model } = trainer;
  const L = model.seqLen;
  const r = sampler.sample((z, t) => ditForward(params, model, z, t, null).logits, { batch: count, length: L, seed, onStep });
  return Array.from({ length: count }, (_, b) => r.tokens.data.slice(b * L, (b + 1) * L));
}

function meanStd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return [m, 0];
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return [m, Math.sqrt(v)];
}

/** Mean ± std over seeds of each method's rows, in the order methods first appear. */
export function summarizeComparison(rows: CompareRow[]): CompareSummary[] {
  const order: string[] = [];
  for (const r of rows) if (!order.includes(r.method)) order.push(r.method);
  return order.map((method) => {
    const rs = rows.filter((r) => r.method === method);
    return {
      method,
      seeds: rs.length,
      trainTokens: rs[0].trainTokens,
      owtPpl: meanStd(rs.map((r) => r.owtPpl)),
      wikiPpl: meanStd(rs.map((r) => r.wikiPpl)),
      genPpl: meanStd(rs.map((r) => r.genPpl)),
      entropy: meanStd(rs.map((r) => r.entropy)),
    };
  });
}

function pm([m, s]: [number, number], digits: number): string {
  if (!Number.isFinite(m)) return "–";
  return s > 0 ? `${m.toFixed(digits)} ± ${s.toFixed(digits)}` : m.toFixed(digits);
}

/** The summary as a markdown table (mean ± std over seeds). */
export function comparisonMarkdown(summary: CompareSummary[]): string {
  const head = "| method | seeds | train tokens | OWT valid PPL (bound) | WikiText-2 PPL (bound) | gen PPL (AR ref) | entropy (nats) |";
  const rule = "|---|---|---|---|---|---|---|";
  const body = summary.map(
    (s) => `| ${s.method} | ${s.seeds} | ${s.trainTokens.toLocaleString("en-US")} | ${pm(s.owtPpl, 1)} | ${pm(s.wikiPpl, 1)} | ${pm(s.genPpl, 1)} | ${pm(s.entropy, 2)} |`,
  );
  return [head, rule, ...body].join("\n");
}

/** What `runComparison` returns. */
export interface ComparisonResult {
  rows: CompareRow[];
  summary: CompareSummary[];
  markdown: string;
  /** Settings and counts needed to read the table (estimator, tokens scored, scorer). */
  meta: Record<string, unknown>;
  /** A few decoded samples per method (first seed). */
  samples: Record<string, string[]>;
}

/**
 * Runs the grid (issue 4): the AR reference scorer first, then every method × seed at the same steps, batch and
 * sequence length (equal training tokens), each scored on the OWT validation split and WikiText-2 (PPL bound,
 * hdlm.md §7.1, Monte Carlo with a seed shared by all runs), by generative PPL of `eval.samples` samples under the
 * AR reference (§7.2; the scorer is trained here, not gpt2-large) and by the samples' unigram entropy.
 */
export function runComparison(config: CompareConfig): ComparisonResult {
  const { corpus, wikitext, methods, seeds, run, eval: ev } = config;
  if (seeds.length === 0) throw new Error("seeds must list at least one seed");
  if (methods.length === 0) throw new Error("methods must list at least one method");
  const log = config.log ?? (() => undefined);
  const seed = ev.seed ?? 0;
  const L = corpus.seqLen;
  const data = corpusTokenData(corpus);
  const owt = evalBatches(corpus, ev.batchSize, ev.owtBatches);
  const wiki = wikitext === null ? [] : evalBatches(wikitext, ev.batchSize, ev.wikiBatches);
  const drop = new Set([corpus.framing.bos, corpus.framing.eos, corpus.framing.pad]);
  const rows: CompareRow[] = [];
  const samples: Record<string, string[]> = {};
  const tail = (xs: number[]) => {
    const k = Math.max(1, Math.round(xs.length / 10));
    return xs.slice(-k).reduce((a, b) => a + b, 0) / k;
  };

  log(`data: ${data.describe}`);
  const refCfg = runConfig({ preset: run.preset, model: run.model, optim: run.optim, ...config.reference }, { kind: "ar" }, seeds[0], L);
  log(`reference AR scorer: ${refCfg.steps} steps x ${refCfg.batchSize} x ${L}`);
  const ref = trainModel(refCfg, data, config.onStep ? (l) => config.onStep?.("ar-reference", l) : undefined);
  let wikiMeta: { tokens: number; estimator: string } = { tokens: 0, estimator: "" };
  let owtMeta: { tokens: number; estimator: string } = { tokens: 0, estimator: "" };
  try {
    const refOwt = arNll(ref.trainer, owt);
    const refWiki = wiki.length > 0 ? arNll(ref.trainer, wiki) : { nll: NaN, tokens: 0 };
    rows.push({
      method: "AR (reference scorer)",
      seed: seeds[0],
      steps: refCfg.steps,
      trainTokens: refCfg.steps * refCfg.batchSize * L,
      finalTrainLoss: tail(ref.losses),
      owtPpl: Math.exp(refOwt.nll),
      owtTokens: refOwt.tokens,
      wikiPpl: Math.exp(refWiki.nll),
      wikiTokens: refWiki.tokens,
      genPpl: NaN,
      entropy: NaN,
      trainSeconds: ref.seconds,
    });
    log(`AR reference: OWT PPL ${Math.exp(refOwt.nll).toFixed(2)}, WikiText-2 PPL ${Math.exp(refWiki.nll).toFixed(2)} (${ref.seconds.toFixed(0)} s)`);

    // hdlm.md §7.2 with the AR model trained above as the scorer (framing ids dropped, all but the first token scored).
    const genScorer = arScorer((x, mask) => arForward(ref.trainer.params, ref.trainer.model, x, mask), {
      name: `AR reference (${refCfg.steps} steps, same corpus)`,
      vocabSize: corpus.vocabSize,
      seqLen: L,
    });
    for (const m of methods) {
      for (const s of seeds) {
        const cfg = runConfig(run, m.objective, s, L);
        const tr = trainModel(cfg, data, config.onStep ? (l) => config.onStep?.(`${m.name} seed ${s}`, l) : undefined);
        try {
          const { scorer, sampler } = diffusionTools(tr.trainer, ev.sampleSteps);
          const o = diffusionPpl(tr.trainer, scorer, owt, seed);
          const w = wiki.length > 0 ? diffusionPpl(tr.trainer, scorer, wiki, seed) : null;
          owtMeta = { tokens: o.tokens, estimator: o.estimator };
          if (w !== null) wikiMeta = { tokens: w.tokens, estimator: w.estimator };
          const sampleRows = drawSamples(tr.trainer, sampler, ev.samples, seed + 1000 * s);
          const gen = generativePpl(sampleRows, genScorer, { keep: (id) => !drop.has(id) });
          const entropy = unigramEntropy(sampleRows);
          if (samples[m.name] === undefined) samples[m.name] = sampleRows.slice(0, 3).map((r) => corpus.decode(r));
          const row: CompareRow = {
            method: m.name,
            seed: s,
            steps: cfg.steps,
            trainTokens: cfg.steps * cfg.batchSize * L,
            finalTrainLoss: tail(tr.losses),
            owtPpl: o.ppl,
            owtTokens: o.tokens,
            wikiPpl: w?.ppl ?? NaN,
            wikiTokens: w?.tokens ?? 0,
            genPpl: gen.genPpl,
            entropy,
            trainSeconds: tr.seconds,
          };
          rows.push(row);
          log(`${m.name} seed ${s}: OWT PPL <= ${row.owtPpl.toFixed(2)}, WikiText-2 PPL <= ${row.wikiPpl.toFixed(2)}, gen PPL ${row.genPpl.toFixed(2)}, entropy ${entropy.toFixed(3)} (${tr.seconds.toFixed(0)} s)`);
        } finally {
          tr.trainer.dispose();
        }
      }
    }
  } finally {
    ref.trainer.dispose();
  }
  const summary = summarizeComparison(rows);
  const m0 = runConfig(run, methods[0].objective, seeds[0], L);
  return {
    rows,
    summary,
    markdown: comparisonMarkdown(summary),
    samples,
    meta: {
      data: data.describe,
      model: m0.model,
      steps: run.steps,
      batchSize: run.batchSize,
      seqLen: L,
      optim: m0.optim,
      referenceSteps: refCfg.steps,
      owt: { ...owtMeta, batches: owt.length },
      wikitext: { ...wikiMeta, batches: wiki.length },
      genPpl: `${ev.samples} samples x ${L} tokens per run, ${ev.sampleSteps} sampler steps, framing tokens dropped, scored by the AR reference trained here (not gpt2-large)`,
      methods: methods.map((m) => ({ name: m.name, objective: m.objective })),
      seeds,
    },
  };
}
