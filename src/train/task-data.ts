// A synthetic task's problems as the trainer's TokenData (temporal.md §6 pipeline step 1): each row is
// `prompt + " "` (left-padded to a fixed width) then the answer, EOS-padded to L, with the prompt held clean,
// so the loss falls on the answer span only; batches are a pure function of (seed, index).
import type { TokenBatch } from "../data/sequences";
import { CharVocab } from "../tasks/char-vocab";
import type { Task, TaskAnswer } from "../tasks/task";
import { streamRng, STREAM } from "./streams";
import type { TokenData } from "./text-data";

/** One problem laid out for conditional training and sampling. */
export interface TaskRow {
  /** Ids of the prompt prefix then the answer, EOS-padded to L. */
  readonly ids: Int32Array;
}

/**
 * The clean prefix of `p`: `prompt + " "` left-padded with spaces to `promptWidth` characters, so every row's
 * answer span starts at the same position (the estimator and GRPO take a fixed prompt/completion split). An error
 * naming `promptWidth` if the prompt is longer, and naming `seqLen` if nothing is left for the answer.
 */
export function taskPrefix<P, A extends TaskAnswer>(task: Task<P, A>, p: P, promptWidth: number, seqLen: number): string {
  const prefix = `${task.prompt(p)} `;
  if (!Number.isInteger(promptWidth) || prefix.length > promptWidth) throw new RangeError(`promptWidth must be an integer >= ${prefix.length} (the prompt ${JSON.stringify(prefix)}), got ${promptWidth}`);
  if (promptWidth >= seqLen) throw new RangeError(`seqLen must exceed promptWidth ${promptWidth} (the prompt is longer than the sequence), got ${seqLen}`);
  return prefix.padStart(promptWidth, " ");
}

/** The widest clean prefix `prompt + " "` over `problems` (the smallest valid promptWidth). */
export function promptWidthOf<P, A extends TaskAnswer>(task: Task<P, A>, problems: readonly P[]): number {
  let w = 0;
  for (const p of problems) w = Math.max(w, task.prompt(p).length + 1);
  return w;
}

/** The training row of `p`: its prefix (clean), then the answer and EOS padding; an error naming `seqLen` if it does not fit. */
export function taskRow<P, A extends TaskAnswer>(task: Task<P, A>, vocab: CharVocab, p: P, promptWidth: number, seqLen: number): TaskRow {
  const text = taskPrefix(task, p, promptWidth, seqLen) + task.answerText(p);
  if (text.length > seqLen) throw new RangeError(`seqLen ${seqLen} is shorter than the ${task.name} problem ${JSON.stringify(text)} (${text.length} characters); raise model.seqLen`);
  return { ids: vocab.encode(text, seqLen) };
}

/** The prompt ids of `p` over L positions for a sampler's `prompt` option: the clean prefix, then -1 (free). */
export function taskPrompt<P, A extends TaskAnswer>(task: Task<P, A>, vocab: CharVocab, p: P, promptWidth: number, seqLen: number): Int32Array {
  const out = new Int32Array(seqLen).fill(-1);
  out.set(vocab.encode(taskPrefix(task, p, promptWidth, seqLen)), 0);
  return out;
}

/**
 * TokenData over a task's train problems (random rows per batch, from hash(seed, index)) and a fixed validation
 * list (consecutive windows). Every position is real (mask 1); `clean` marks the prompt.
 */
export class TaskTokenData<P, A extends TaskAnswer> implements TokenData {
  readonly vocabSize: number;
  readonly describe: string;
  private readonly train: TaskRow[];
  private readonly val: TaskRow[];

  constructor(
    readonly task: Task<P, A>,
    readonly vocab: CharVocab,
    problems: { train: readonly P[]; val: readonly P[] },
    readonly seqLen: number,
    readonly promptWidth: number = promptWidthOf(task, [...problems.train, ...problems.val]),
  ) {
    if (problems.train.length === 0) throw new RangeError("train must hold at least one problem");
    if (problems.val.length === 0) throw new RangeError("val must hold at least one problem");
    this.vocabSize = vocab.size;
    this.train = problems.train.map((p) => taskRow(task, vocab, p, this.promptWidth, seqLen));
    this.val = problems.val.map((p) => taskRow(task, vocab, p, this.promptWidth, seqLen));
    this.describe = `${task.name}: ${this.train.length} train / ${this.val.length} val problems, ${vocab.size} character ids, L = ${seqLen} (prompt ${this.promptWidth}), loss on the answer span`;
  }

  trainTokens(): Int32Array {
    const out = new Int32Array(this.train.length * this.seqLen);
    this.train.forEach((r, i) => out.set(r.ids, i * this.seqLen));
    return out;
  }

  batch(split: "train" | "val", index: number, batchSize: number, seqLen: number, seed: number): TokenBatch {
    if (seqLen !== this.seqLen) throw new RangeError(`seqLen must be ${this.seqLen} (the task data's), got ${seqLen}`);
    const rng = streamRng(seed, index, STREAM.data);
    const rows = split === "train"
      ? Array.from({ length: batchSize }, () => this.train[rng.int(this.train.length)])
      : Array.from({ length: batchSize }, (_, b) => this.val[(index * batchSize + b) % this.val.length]);
    const tokens = new Int32Array(batchSize * seqLen);
    const clean = new Uint8Array(batchSize * seqLen);
    rows.forEach((r, b) => {
      tokens.set(r.ids, b * seqLen);
      clean.fill(1, b * seqLen, b * seqLen + this.promptWidth);
    });
    return { tokens, mask: new Float32Array(batchSize * seqLen).fill(1), clean, batchSize, seqLen };
  }
}
