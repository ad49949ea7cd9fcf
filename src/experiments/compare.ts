// Building blocks of the method comparisons (hdlm.md §7): the run config of a method at shared sizes, in-memory
// training, each diffusion objective's ELBO scorer and sampler, validation bounds, AR NLL and samples. The resumable
// grid over methods and seeds is src/experiments/grid.ts.
import type { Corpus } from "../data/corpus";
import type { TokenBatch } from "../data/sequences";
import { ditDenoiser } from "../methods/denoiser";
import type { Sampler, StepCallback } from "../samplers/sampler";
import { validationPpl, type ValidPplResult } from "../eval/valid-ppl";
import type { ElboScorer } from "../methods/types";
import { resolveConfig, type GiddObjective, type HdlmObjective, type ObjectiveConfig, type TrainConfig, type TrainPresetName } from "../train/config";
import { Trainer, type MetricsLine } from "../train/trainer";
import type { TokenData } from "../train/text-data";
import { objectiveTools } from "../train/load-run";
import { checkInterrupt } from "../util/interrupt";
import type { OptimConfig } from "../train/optimizer";

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
 * evaluate and sample, and disposes it). `onStep` sees every training metrics line. Between steps it yields to the
 * event loop and stops with KeyboardInterrupt when a notebook cell is interrupted (the trainer is disposed).
 */
export async function trainModel(config: TrainConfig, data: TokenData, onStep?: (line: Extract<MetricsLine, { split: "train" }>) => void): Promise<TrainedRun> {
  const trainer = new Trainer(config, data);
  const losses: number[] = [];
  const t0 = Date.now();
  try {
    while (trainer.step < config.steps) {
      await checkInterrupt();
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

/** The ELBO scorer and the sampler of a trained diffusion model (hdlm.md §6, baselines.md §1-§2; src/train objectiveTools). */
export function diffusionTools(trainer: Trainer, sampleSteps: number): { scorer: ElboScorer; sampler: Sampler } {
  return objectiveTools(trainer.config.objective, trainer.data.vocabSize, trainer.objective.clusters, { steps: sampleSteps });
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

/** Validation PPL bound (hdlm.md §7.1, 16 t strata per sequence, fixed seed) of a trained diffusion model. */
export function diffusionPpl(trainer: Trainer, scorer: ElboScorer, batches: TokenBatch[], seed: number): ValidPplResult {
  const { params, model } = trainer;
  return validationPpl(ditDenoiser(params, model), scorer, batches, { estimator: "stratified", quadraturePoints: 16, seed });
}

/** Draws `count` unconditional samples of length `seqLen` from a trained diffusion model. */
export function drawSamples(trainer: Trainer, sampler: Sampler, count: number, seed: number, onStep?: StepCallback): Int32Array[] {
  const { params, model } = trainer;
  const L = model.seqLen;
  const denoise = ditDenoiser(params, model);
  const r = sampler.sample((z, t) => denoise(z, t), { batch: count, length: L, seed, onStep });
  return Array.from({ length: count }, (_, b) => r.tokens.data.slice(b * L, (b + 1) * L));
}
