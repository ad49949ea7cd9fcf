// The comparison grid at equal training tokens (issue 8): AR, then every diffusion method, per seed, each run trained
// in its own run folder (atomic checkpoints, resumed after an interruption), then scored on exactly the same tokens
// (whole-document windows of the OWT validation and held-out splits, WikiText-2 rows) by the unclipped ELBO with K
// t strata per sequence (diffusion) or the exact NLL (AR, unigram), plus generative PPL and entropy of samples.
// Every finished run is one JSON file in `<outDir>/rows/`: a rerun skips it, so a long grid continues run by run;
// `<outDir>/scorer/` keeps the weights of the AR model that scores samples (generative PPL).
import * as fs from "fs";
import * as path from "path";
import type { Corpus } from "../data/corpus";
import type { TokenBatch } from "../data/sequences";
import { boundPpl } from "../eval/valid-ppl";
import { summarizeRows, type RowScores } from "../eval/row-scores";
import { UnigramModel } from "../eval/unigram";
import { arRows } from "../eval/ar-rows";
import { arScorer, generativePpl, type SequenceScorer } from "../eval/gen-ppl";
import { unigramEntropy } from "../eval/entropy";
import { train, type MetricsLine } from "../train/trainer";
import { loadRun, sampleRun, type LoadedRun } from "../train/load-run";
import type { OptimConfig } from "../train/optimizer";
import { writeFileAtomic } from "../util/fs";
import { corpusTokenData } from "../train/corpus-data";
import { runConfig, type ObjectiveSpec, type RunSettings } from "./compare";
import { firstDifference } from "../util/json-diff";
import { tf } from "../engine/tf";
import { readCheckpoint, writeCheckpoint } from "../train/checkpoint";

/** One method of the grid: a label for tables, its objective (`ar` included) and optional optimiser overrides. */
export interface GridMethod {
  name: string;
  objective: ObjectiveSpec;
  optim?: Partial<OptimConfig>;
}

/** How every run is scored. */
export interface GridEvalSettings {
  /** Rows per evaluation batch. */
  batchSize: number;
  /** t strata per sequence of the stratified ELBO estimator (>= 16 for tables; fewer only in smoke runs). */
  strata: number;
  /** At most this many rows per evaluation set (0 = all; the table states the counts). */
  maxRows: number;
  /** Samples per diffusion run for generative PPL and entropy. */
  samples: number;
  /** Reverse steps of the samplers. */
  sampleSteps: number;
  /** Seed of every t, z_t and sample draw (the same for every run: paired comparisons). */
  seed: number;
  /** Training-curve points: validate every this many steps on `curveBatches` fixed batches (0 = only at the end). */
  curveEvery: number;
  curveBatches: number;
}

/** Everything {@link runGrid} needs. */
export interface GridConfig {
  /** The training corpus, opened with a held-out fraction > 0 (its validation and held-out splits are scored). */
  corpus: Corpus;
  /** WikiText-2 in the corpus's vocabulary, or null to skip. */
  wikitext: Corpus | null;
  /** WikiText-2 test (opened with split "test"), or null/absent to skip. */
  wikitextTest?: Corpus | null;
  /** Methods in run order; the first `ar` method's first seed is the generative-PPL scorer. */
  methods: GridMethod[];
  seeds: number[];
  /** Model, optimiser and budget shared by every run (equal tokens: same steps x batch x seqLen). */
  run: RunSettings;
  eval: GridEvalSettings;
  /** Finished rows live in `<outDir>/rows/` (small JSON files: keep them, e.g. in git, to resume a grid anywhere). */
  outDir: string;
  /** Run folders with checkpoints (default `<outDir>/runs`). */
  runsDir?: string;
  /** Only the finished rows: runs without a row are left out of the tables, nothing is trained (default false). */
  finishedOnly?: boolean;
  /** Training progress bars on stderr (default true). */
  progress?: boolean;
  /** Every training metrics line of every run. */
  onMetrics?: (run: string, line: MetricsLine) => void;
  log?: (message: string) => void;
}

/** A bound or likelihood on one evaluation set, with the per-row scores behind it (for paired differences). */
export interface SetScore {
  natsPerToken: number;
  stdError: number;
  ppl: number;
  tokens: number;
  rows: number;
  /** "stratified, 16 t strata per sequence, seed 0", "exact NLL (unigram at each row's first position)", ... */
  estimator: string;
  perRow: number[];
  perRowTokens: number[];
}

/** One finished run (or the unigram row). */
export interface GridRow {
  id: string;
  method: string;
  /** The objective's kind ("unigram" for the unigram row). */
  kind: string;
  /** "ar" (a causal model: the gen-PPL scorer), "dit" (a diffusion model) or "unigram". */
  modelKind: "ar" | "dit" | "unigram";
  seed: number;
  steps: number;
  trainTokens: number;
  trainSeconds: number;
  /** Validation-curve points written by the trainer: fixed batches, one draw each (diffusion: ELBO; AR: NLL). */
  curve: { tokens: number; val: number }[];
  /** Keyed by evaluation set ("owt", "heldout", "wikitext"). */
  scores: Record<string, SetScore>;
  /** exp(mean NLL) of the samples under the AR scorer (NaN for AR and unigram rows). */
  genPpl: number;
  /** Mean unigram entropy of a sample, nats (NaN for AR and unigram rows). */
  entropy: number;
  samples: string[];
  /** The run's resolved training config and the evaluation settings it was scored with (a rerun checks them). */
  settings: { train: unknown; eval: GridEvalSettings };
}

/** An evaluation set: a name for tables and its rows (every model is scored on these same rows). */
export interface EvalSet {
  key: string;
  label: string;
  batches: TokenBatch[];
  /** Share of the scored tokens that are the compact vocabulary's unknown id. */
  unkFraction: number;
}

/** What {@link runGrid} returns. */
export interface GridResult {
  rows: GridRow[];
  sets: { key: string; label: string; rows: number; tokens: number; unkFraction: number }[];
  /** Runs trained (or resumed) in this call; the others were read from `<outDir>/rows/`. */
  trained: string[];
}

/** A file-name-safe id of a method and seed: "hdlm-n-64-gamma-1-seed0". */
export function runId(method: string, seed: number): string {
  return `${method.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}-seed${seed}`;
}

function takeRows(batches: Iterable<TokenBatch>, maxRows: number): TokenBatch[] {
  const out: TokenBatch[] = [];
  let rows = 0;
  for (const b of batches) {
    if (maxRows > 0 && rows >= maxRows) break;
    if (maxRows > 0 && rows + b.batchSize > maxRows) {
      const keep = maxRows - rows;
      const L = b.seqLen;
      out.push({ tokens: b.tokens.slice(0, keep * L), mask: b.mask.slice(0, keep * L), batchSize: keep, seqLen: L });
      rows += keep;
      break;
    }
    out.push(b);
    rows += b.batchSize;
  }
  return out;
}

function unkShare(batches: TokenBatch[], unk: number | null): number {
  if (unk === null) return 0;
  let n = 0, u = 0;
  for (const b of batches) {
    for (let i = 0; i < b.tokens.length; i++) {
      if (b.mask[i] === 0) continue;
      n++;
      if (b.tokens[i] === unk) u++;
    }
  }
  return n > 0 ? u / n : 0;
}

/** The evaluation sets of a grid: OWT validation and held-out windows (whole documents), WikiText-2 rows. */
export function gridEvalSets(corpus: Corpus, wikitext: Corpus | null, ev: Pick<GridEvalSettings, "batchSize" | "maxRows">, wikitextTest: Corpus | null = null): EvalSet[] {
  const unk = corpus.compactVocab?.unk ?? null;
  const sets: EvalSet[] = [];
  const add = (key: string, label: string, batches: TokenBatch[]) => {
    if (batches.length > 0) sets.push({ key, label, batches, unkFraction: unkShare(batches, unk) });
  };
  add("owt", "OWT valid", takeRows(corpus.windows("validation", ev.batchSize), ev.maxRows));
  add("heldout", "OWT held-out", takeRows(corpus.windows("heldout", ev.batchSize), ev.maxRows));
  if (wikitext !== null) add("wikitext", "WikiText-2 valid", takeRows(wikitext.validation(ev.batchSize), ev.maxRows));
  if (wikitextTest !== null) add("wikitext-test", "WikiText-2 test", takeRows(wikitextTest.validation(ev.batchSize), ev.maxRows));
  return sets;
}

function setScore(rows: RowScores, estimator: string): SetScore {
  const s = summarizeRows(rows);
  return { ...s, estimator, perRow: Array.from(rows.nats), perRowTokens: Array.from(rows.tokens) };
}

function readCurve(runDir: string): { tokens: number; val: number }[] {
  const file = path.join(runDir, "metrics.jsonl");
  if (!fs.existsSync(file)) return [];
  const out: { tokens: number; val: number }[] = [];
  for (const l of fs.readFileSync(file, "utf8").split("\n")) {
    if (l.trim() === "") continue;
    const m = JSON.parse(l) as MetricsLine;
    if (m.split === "val") out.push({ tokens: m.tokens, val: m.loss });
  }
  return out;
}

/**
 * A parameters-only copy of the gen-PPL scorer's run folder in `scorerDir` (its config and vocabulary, the weights
 * without the optimiser moments), kept beside the rows so that a grid resumed on another checkout, where the run
 * folders are gone, scores samples with the same AR model.
 */
function keepScorer(runDir: string, scorerDir: string): void {
  const ckFile = path.join(runDir, "checkpoint.bin");
  if (!fs.existsSync(ckFile)) {
    throw new Error(`the gen-PPL scorer's run folder ${runDir} has no checkpoint.bin and ${scorerDir} holds no copy of it; move its row away (${path.join(path.dirname(scorerDir), "rows")}) to train it again`);
  }
  const ck = readCheckpoint(ckFile);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(ck.tensors)) if (name.startsWith("param/")) tensors[name] = tf.tensor(t.data, t.shape, "float32");
  fs.mkdirSync(scorerDir, { recursive: true });
  try {
    writeCheckpoint(path.join(scorerDir, "checkpoint.bin"), tensors, ck.meta);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  for (const f of ["config.json", "vocab.json"]) if (fs.existsSync(path.join(runDir, f))) fs.copyFileSync(path.join(runDir, f), path.join(scorerDir, f));
}

/** The gen-PPL scorer kept in `scorerDir`, named after the AR run it copies. */
function openScorer(scorerDir: string, vocabSize: number, seqLen: number): { scorer: SequenceScorer; run: LoadedRun } {
  const r = loadRun(scorerDir);
  const cfg = JSON.parse(fs.readFileSync(path.join(scorerDir, "config.json"), "utf8")) as { seed?: number; steps?: number };
  const scorer = arScorer((x, mask) => r.arLogits(x, mask), { name: `AR seed ${cfg.seed ?? "?"} (${cfg.steps ?? "?"} steps, same corpus)`, vocabSize, seqLen });
  return { run: r, scorer };
}

/** The unigram row: token frequencies of the training split, scored on every set. */
export function unigramRow(corpus: Corpus, sets: EvalSet[]): { model: UnigramModel; row: GridRow } {
  const train = corpus.documents("train");
  const model = UnigramModel.fromDocuments(Array.from(train, (d) => corpus.documentTokens(d)), corpus.vocabSize, { framing: corpus.framing });
  const scores: Record<string, SetScore> = {};
  for (const s of sets) scores[s.key] = setScore(model.rows(s.batches), `exact NLL of add-0.5 unigram frequencies of the training split (${model.countedTokens} tokens)`);
  return {
    model,
    row: { id: "unigram", method: "unigram (train split)", kind: "unigram", modelKind: "unigram", seed: 0, steps: 0, trainTokens: model.countedTokens, trainSeconds: 0, curve: [], scores, genPpl: NaN, entropy: NaN, samples: [], settings: { train: null, eval: { batchSize: 0, strata: 0, maxRows: 0, samples: 0, sampleSteps: 0, seed: 0, curveEvery: 0, curveBatches: 0 } } },
  };
}

/**
 * Runs the grid: for each method in order and each seed, trains (or resumes, or skips when `<outDir>/rows/<id>.json`
 * exists) and scores the run on every evaluation set; returns every row, the unigram row first.
 */
export async function runGrid(config: GridConfig): Promise<GridResult> {
  const { corpus, wikitext, methods, seeds, run, eval: ev, outDir } = config;
  if (seeds.length === 0) throw new Error("seeds must list at least one seed");
  if (methods.length === 0) throw new Error("methods must list at least one method");
  if (!Number.isInteger(ev.strata) || ev.strata < 1) throw new Error(`eval.strata must be a positive integer, got ${ev.strata}`);
  const log = config.log ?? (() => undefined);
  const L = corpus.seqLen;
  const data = corpusTokenData(corpus);
  const sets = gridEvalSets(corpus, wikitext, ev, config.wikitextTest ?? null);
  if (!sets.some((s) => s.key === "heldout")) log("no held-out split (open the corpus with heldoutFraction > 0 to score one)");
  const rowsDir = path.join(outDir, "rows");
  fs.mkdirSync(rowsDir, { recursive: true });
  const uni = unigramRow(corpus, sets);
  const rows: GridRow[] = [uni.row];
  log(`unigram: ${sets.map((s) => `${s.label} ${uni.row.scores[s.key].natsPerToken.toFixed(4)} ± ${uni.row.scores[s.key].stdError.toFixed(4)} nats (${(s.unkFraction * 100).toFixed(1)}% UNK)`).join(", ")}`);
  const trained: string[] = [];
  const drop = new Set([corpus.framing.bos, corpus.framing.eos, corpus.framing.pad]);
  // The scorer kept by an earlier call scores samples from the start, so a call without the AR method (e.g. one
  // process per method, running side by side) still reports gen PPL against the same model.
  const scorerDir = path.join(outDir, "scorer");
  let genScorer: { scorer: SequenceScorer; run: LoadedRun } | null = fs.existsSync(path.join(scorerDir, "checkpoint.bin")) ? openScorer(scorerDir, corpus.vocabSize, L) : null;
  log(`data: ${data.describe}; evaluation: ${sets.map((s) => `${s.label} ${s.batches.reduce((a, b) => a + b.batchSize, 0)} rows`).join(", ")}`);

  try {
    for (const m of methods) {
      for (const seed of seeds) {
        const id = runId(m.name, seed);
        const rowFile = path.join(rowsDir, `${id}.json`);
        let modelKind: "ar" | "dit" | "unigram";
        const cfg = runConfig({ ...run, optim: { ...run.optim, ...m.optim } }, m.objective, seed, L);
        cfg.runDir = path.join(config.runsDir ?? path.join(outDir, "runs"), id);
        cfg.data.vocabSize = corpus.vocabSize;
        cfg.evalEvery = ev.curveEvery;
        cfg.evalBatches = ev.curveBatches;
        cfg.checkpointEvery = Math.max(1, Math.min(cfg.steps, Math.round(cfg.steps / 10)));
        const settings = { train: JSON.parse(JSON.stringify({ ...cfg, runDir: undefined })) as unknown, eval: ev };
        if (fs.existsSync(rowFile)) {
          const old = JSON.parse(fs.readFileSync(rowFile, "utf8")) as GridRow;
          const diff = firstDifference(old.settings, settings, "settings");
          if (diff !== null) throw new Error(`${rowFile} was made with other settings (${diff} differs); move it away or pass another output folder`);
          rows.push(old);
          modelKind = old.modelKind;
          log(`${id}: done earlier (${rowFile})`);
        } else if (config.finishedOnly === true) {
          log(`${id}: not finished (no ${rowFile}); left out`);
          continue;
        } else {
          const resume = fs.existsSync(path.join(cfg.runDir, "checkpoint.bin"));
          log(`${id}: ${resume ? "resuming" : "training"} ${cfg.steps} steps x ${cfg.batchSize} x ${L} in ${cfg.runDir}`);
          const t0 = Date.now();
          let seconds = 0;
          const secFile = path.join(cfg.runDir, "train-seconds.json");
          if (resume && fs.existsSync(secFile)) seconds = (JSON.parse(fs.readFileSync(secFile, "utf8")) as { seconds: number }).seconds;
          await train(cfg, {
            data,
            resume,
            progress: config.progress,
            hooks: {
              onMetrics: (line) => {
                config.onMetrics?.(id, line);
                fs.mkdirSync(cfg.runDir, { recursive: true });
                writeFileAtomic(secFile, JSON.stringify({ seconds: seconds + (Date.now() - t0) / 1000 }) + "\n");
              },
            },
          });
          seconds += (Date.now() - t0) / 1000;
          const r = loadRun(cfg.runDir);
          modelKind = r.modelKind;
          const isAr = r.modelKind === "ar";
          try {
            const scores: Record<string, SetScore> = {};
            let genPpl = NaN, entropy = NaN;
            let samples: string[] = [];
            for (const s of sets) {
              if (isAr) scores[s.key] = setScore(arRows((x, mask) => r.arLogits(x, mask), s.batches, uni.model), "exact NLL; each row's first position by the unigram row's model");
              else {
                const { name, bound } = r.bound();
                const v = boundPpl(bound, name, s.batches, { estimator: "stratified", quadraturePoints: ev.strata, seed: ev.seed });
                scores[s.key] = setScore(v.rows, `unclipped ELBO, ${v.estimator}`);
              }
            }
            if (!isAr && genScorer !== null) {
              const smp = sampleRun(r, { n: ev.samples, steps: ev.sampleSteps, seed: ev.seed + 1000 * seed });
              const seqs = Array.from({ length: smp.tokens.batch }, (_, b) => smp.tokens.data.slice(b * smp.tokens.length, (b + 1) * smp.tokens.length));
              genPpl = generativePpl(seqs, genScorer.scorer, { keep: (tok) => !drop.has(tok) }).genPpl;
              entropy = unigramEntropy(seqs);
              samples = seqs.slice(0, 3).map((q) => corpus.decode(q));
            }
            const row: GridRow = {
              id, method: m.name, kind: cfg.objective.kind, modelKind: r.modelKind, seed, steps: cfg.steps, trainTokens: cfg.steps * cfg.batchSize * L, trainSeconds: seconds,
              curve: readCurve(cfg.runDir), scores, genPpl, entropy, samples, settings,
            };
            writeFileAtomic(rowFile, JSON.stringify(row) + "\n");
            rows.push(row);
            trained.push(id);
            log(`${id}: ${sets.map((s) => `${s.label} ${scores[s.key].natsPerToken.toFixed(4)} ± ${scores[s.key].stdError.toFixed(4)} nats`).join(", ")}${Number.isFinite(genPpl) ? `, gen PPL ${genPpl.toFixed(1)}` : ""} (${seconds.toFixed(0)} s)`);
          } finally {
            r.dispose();
          }
        }
        if (modelKind === "ar" && genScorer === null) {
          if (!fs.existsSync(path.join(scorerDir, "checkpoint.bin"))) keepScorer(cfg.runDir, scorerDir);
          genScorer = openScorer(scorerDir, corpus.vocabSize, L);
        }
      }
    }
  } finally {
    genScorer?.run.dispose();
  }
  return {
    rows,
    trained,
    sets: sets.map((s) => ({ key: s.key, label: s.label, rows: s.batches.reduce((a, b) => a + b.batchSize, 0), tokens: uni.row.scores[s.key].tokens, unkFraction: s.unkFraction })),
  };
}
