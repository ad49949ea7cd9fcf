// Runs as a notebook shows them: one method trained with a live progress display (interruptible between steps), and a
// trained diffusion run's validation bounds on fixed batches as one table row.
import type { TokenBatch } from "../data/sequences";
import { LiveProgress } from "../notebook/progress";
import type { TokenData } from "../train/text-data";
import { diffusionPpl, diffusionTools, runConfig, trainModel, type ObjectiveSpec, type RunSettings, type TrainedRun } from "./compare";

/** Trains `objective` at `settings` (seed `seed`) on `data` with a live loss display labelled `label`. */
export async function trainLive(label: string, objective: ObjectiveSpec, settings: RunSettings, data: TokenData, seqLen: number, seed = 0): Promise<TrainedRun> {
  const cfg = runConfig(settings, objective, seed, seqLen);
  const progress = new LiveProgress({ total: cfg.steps, label });
  const r = await trainModel(cfg, data, (line) => progress.update(line.step, { loss: line.loss, lr: line.lr }));
  progress.done();
  return r;
}

/** A trained diffusion run's bounds: OWT and WikiText-2 PPL bounds and nats/token with the OWT standard error. */
export interface BoundRow {
  model: string;
  steps: number;
  trainTokens: number;
  owtPplBound: number;
  owtNats: number;
  owtNatsSE: number;
  owtTokens: number;
  wikiPplBound: number;
  wikiTokens: number;
  trainSeconds: number;
  [extra: string]: unknown;
}

/**
 * The validation bounds (16 t strata per sequence, seed 0: the same draws for every model) of a trained diffusion run
 * on `owt` and `wiki` batches, as a table row labelled `label` with `extra` columns; a non-finite bound is an error.
 */
export function boundRow(label: string, run: TrainedRun, batches: { owt: TokenBatch[]; wiki: TokenBatch[] }, extra: Record<string, unknown> = {}): BoundRow {
  const { scorer } = diffusionTools(run.trainer, 1);
  const o = diffusionPpl(run.trainer, scorer, batches.owt, 0);
  const w = diffusionPpl(run.trainer, scorer, batches.wiki, 0);
  if (!Number.isFinite(o.ppl) || !Number.isFinite(w.ppl)) throw new Error(`${label}: PPL bound is not finite (OWT ${o.ppl}, WikiText-2 ${w.ppl})`);
  const c = run.trainer.config;
  return {
    model: label, ...extra, steps: c.steps, trainTokens: c.steps * c.batchSize * run.trainer.model.seqLen,
    owtPplBound: o.ppl, owtNats: o.elbo, owtNatsSE: o.stdError, owtTokens: o.tokens, wikiPplBound: w.ppl, wikiTokens: w.tokens, trainSeconds: run.seconds,
  };
}
