// Held-out evaluation of a task model (temporal.md §6 pipeline steps 2-3): sample completions with the prompt
// fixed and the per-step answers recorded, then report oscillation, voting per weighting and TSE.
import type { Denoiser, Sampler } from "../samplers/sampler";
import type { DecodingConfig } from "../decoding/decoding-config";
import type { CharVocab } from "../tasks/char-vocab";
import type { Task } from "../tasks/task";
import { sampleTrajectories, Trajectory } from "../rl/trajectories";
import { temporalReport, TemporalReport } from "../rl/temporal-eval";
import { taskPrompt } from "./task-data";

/** Samples `repeats` completions of every problem (prompt of width `promptWidth` held fixed; `decoding` = the sampler's position rule) and reports them. */
export function evaluateTemporal<P>(
  sampler: Sampler,
  denoiser: Denoiser,
  task: Task<P, number>,
  vocab: CharVocab,
  problems: readonly P[],
  promptWidth: number,
  seqLen: number,
  options: { seed: number; repeats: number; keepTexts?: boolean; decoding?: DecodingConfig },
): { report: TemporalReport; trajectories: Trajectory<number>[] } {
  const trajectories = sampleTrajectories(sampler, denoiser, task, vocab, problems, (p) => taskPrompt(task, vocab, p, promptWidth, seqLen), { seed: options.seed, repeats: options.repeats, batchSize: 200, keepTexts: options.keepTexts, decoding: options.decoding });
  return { report: temporalReport(task, problems, trajectories), trajectories };
}
