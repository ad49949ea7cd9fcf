// The one interface of a synthetic task with an exact checker (temporal.md §6): a seeded problem generator,
// prompt and answer texts, an answer parser that never throws, and a checker. Arithmetic and Countdown implement it.
import { SeededRng } from "../util/rng";

/** A parsed answer: a number (arithmetic, GSM8K-like) or an expression string (Countdown). */
export type TaskAnswer = number | string;

/**
 * A synthetic task with an exact checker (temporal.md §6). `P` is the problem, `A` the parsed answer.
 * The model sees `fullText(p) = prompt(p) + " " + answerText(p)`, with the loss on the answer span only.
 */
export interface Task<P, A extends TaskAnswer> {
  readonly name: string;
  /** One problem from the generator's stream (deterministic given the generator's state). */
  generate(rng: SeededRng): P;
  /** The prompt text, ending with `=`. */
  prompt(p: P): string;
  /** A correct answer span (the text after the prompt and one space). */
  answerText(p: P): string;
  /** The answer in a completion (or in a whole prompt + completion), or null if none parses. Never throws. */
  parse(text: string): A | null;
  /** True iff `answer` solves `p` (null is never correct). Never throws. */
  isCorrect(answer: A | null, p: P): boolean;
  /** The identity of a problem for de-duplication and train/test disjointness. */
  problemKey(p: P): string;
}

/** `prompt + " " + answer`: the text a model is trained on (temporal.md §6 pipeline step 1). */
export function fullText<P, A extends TaskAnswer>(task: Task<P, A>, p: P): string {
  return `${task.prompt(p)} ${task.answerText(p)}`;
}
