// Conditional sampling with per-step answers (temporal.md §1): the prompt is held fixed, and at every model call
// of the sampler the step hook's clean guess (decoded tokens kept, undecided positions filled with the argmax) is
// detokenised and run through the task's answer parser, giving answers[s] (null when nothing parses).
import type { Denoiser, Sampler, SampleBatch } from "../samplers/sampler";
import type { DecodingConfig } from "../decoding/decoding-config";
import { CharVocab } from "../tasks/char-vocab";
import type { Task, TaskAnswer } from "../tasks/task";

/** One sampled completion with its per-step answers. */
export interface Trajectory<A extends TaskAnswer> {
  /** Index of the problem in the list given. */
  readonly problem: number;
  /** answers[s] of every model call s = 0…S−1; the last is the output's answer (the final denoise). */
  readonly answers: (A | null)[];
  /** The parsed answer of the output. */
  readonly final: A | null;
  readonly correct: boolean;
  /** Completion ids (the positions after the prompt) of the output. */
  readonly completion: Int32Array;
  /** The output's completion text (to the first EOS). */
  readonly text: string;
  /** The clean guess's completion text at every step (with `keepTexts`); `?` marks an undecodable id. */
  readonly stepTexts?: string[];
}

/** How to sample. */
export interface TrajectoryOptions {
  /** Completions per problem (G); rows are problem-major: row p·G + j. */
  repeats?: number;
  seed: number;
  /** Rows per sampler call (default all). */
  batchSize?: number;
  keepTexts?: boolean;
  /**
   * The position rule of each step (the sampler's `decoding` option): absent = the sampler's own law;
   * `{kind: "semi-ar", blockLength: <completion length>, select: "confidence"}` = low-confidence remasking (the
   * paper's sampler), a smaller blockLength = semi-AR blocks.
   */
  decoding?: DecodingConfig;
}

/** Builds the prompt ids of one problem over L positions (-1 = free), e.g. `taskPrompt`. */
export type PromptIds<P> = (p: P) => Int32Array;

function completionText(vocab: CharVocab, row: Int32Array): string {
  return vocab.decode(row, { invalid: "?" });
}

/**
 * Samples `repeats` completions of every problem with the prompt fixed, recording answers[s] from the step hook's
 * `cleanGuess` at every model call. `promptIds(p)` gives L ids with -1 after the prompt; every row's prompt must
 * have the same length (the completion split), else an error naming `promptIds`.
 */
export function sampleTrajectories<P, A extends TaskAnswer>(
  sampler: Sampler,
  denoiser: Denoiser,
  task: Task<P, A>,
  vocab: CharVocab,
  problems: readonly P[],
  promptIds: PromptIds<P>,
  options: TrajectoryOptions,
): Trajectory<A>[] {
  const G = options.repeats ?? 1;
  if (!Number.isInteger(G) || G < 1) throw new RangeError(`repeats must be an integer >= 1, got ${G}`);
  if (problems.length === 0) throw new RangeError("problems must hold at least one problem");
  const prompts = problems.map(promptIds);
  const L = prompts[0].length;
  const Lp = prompts[0].indexOf(-1);
  if (Lp < 0) throw new RangeError(`promptIds must leave free (-1) positions after the prompt; the prompt fills all ${L}`);
  for (const [i, p] of prompts.entries()) {
    if (p.length !== L || p.indexOf(-1) !== Lp || p.slice(Lp).some((v) => v !== -1)) throw new RangeError(`promptIds(problems[${i}]) must have length ${L} with the first ${Lp} positions fixed and the rest -1`);
  }
  const rows = problems.length * G;
  const per = options.batchSize ?? rows;
  if (!Number.isInteger(per) || per < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${per}`);
  const out: Trajectory<A>[] = [];
  for (let start = 0, call = 0; start < rows; start += per, call++) {
    const B = Math.min(per, rows - start);
    const prompt = new Int32Array(B * L);
    for (let b = 0; b < B; b++) prompt.set(prompts[Math.floor((start + b) / G)], b * L);
    const answers: (A | null)[][] = Array.from({ length: B }, () => []);
    const texts: string[][] = Array.from({ length: B }, () => []);
    const record = (guess: SampleBatch) => {
      for (let b = 0; b < B; b++) {
        const comp = completionText(vocab, guess.data.subarray(b * L + Lp, (b + 1) * L));
        answers[b].push(task.parse(comp));
        if (options.keepTexts) texts[b].push(comp);
      }
    };
    const result = sampler.sample(denoiser, {
      batch: B,
      length: L,
      seed: options.seed * 1000003 + call,
      prompt,
      ...(options.decoding !== undefined ? { decoding: options.decoding } : {}),
      onStep: (_step, _t, _tokens, info) => {
        if (info?.cleanGuess !== undefined) record(info.cleanGuess());
      },
    });
    for (let b = 0; b < B; b++) {
      const completion = result.tokens.data.slice(b * L + Lp, (b + 1) * L);
      const text = completionText(vocab, completion);
      const final = task.parse(text);
      const problem = Math.floor((start + b) / G);
      // The last model call's guess becomes the output's answer (equal for argmax finals), so answers[S−1] is final.
      if (answers[b].length > 0) answers[b][answers[b].length - 1] = final;
      else answers[b].push(final);
      out.push({
        problem,
        answers: answers[b],
        final,
        correct: task.isCorrect(final, problems[problem]),
        completion,
        text,
        ...(options.keepTexts ? { stepTexts: texts[b] } : {}),
      });
    }
  }
  return out;
}
