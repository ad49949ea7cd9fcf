// Temporal self-consistency voting (temporal.md §3): a weighted tally of a sample's per-step answers,
// later steps weighing more; training-free. Ties go to the answer seen first.
import type { TaskAnswer } from "../tasks/task";
import { answerKey, AnswerKey, checkAnswerKey } from "./answer-key";
import { checkFinite, checkWeighting, TemporalWeighting, VOTE_ALPHA, voteWeight } from "./weighting";

/** Voting settings; defaults: `exp` with α = 5, the default answer key. */
export interface VoteOptions<A extends TaskAnswer> {
  weighting?: TemporalWeighting;
  alpha?: number;
  key?: AnswerKey<A>;
}

/** One answer class of a tally. `answer` is its first-seen member. */
export interface VoteClass<A extends TaskAnswer> {
  readonly key: string;
  readonly answer: A;
  readonly score: number;
  readonly count: number;
  readonly firstStep: number;
}

/** The voted answer (null if no step parsed) and the tally in first-seen order. */
export interface VoteResult<A extends TaskAnswer> {
  readonly answer: A | null;
  readonly key: string | null;
  readonly tally: VoteClass<A>[];
}

/** `answers` checked to be an array (one error line naming the field). */
export function checkAnswers<A>(answers: unknown, field = "answers"): readonly (A | null)[] {
  if (!Array.isArray(answers)) throw new RangeError(`${field} must be an array of per-step answers, got ${answers === null ? "null" : typeof answers}`);
  return answers as (A | null)[];
}

/**
 * Temporal self-consistency vote over `answers[s]`, s = 0…S−1 (temporal.md §3): `score[a] += f(s)` for every
 * non-null answer, output `argmax_a score[a]`. Ties go to the class seen first, explicitly (the reference gets
 * the same from dict insertion order). All-null gives null.
 */
export function temporalVote<A extends TaskAnswer>(answers: readonly (A | null)[], options: VoteOptions<A> = {}): VoteResult<A> {
  checkAnswers<A>(answers);
  const weighting = checkWeighting(options.weighting ?? "exp");
  const alpha = checkFinite(options.alpha ?? VOTE_ALPHA, "alpha");
  const key = checkAnswerKey<A>(options.key ?? "default");
  const S = answers.length;
  const classes = new Map<string, { key: string; answer: A; score: number; count: number; firstStep: number }>();
  for (let s = 0; s < S; s++) {
    const a = answers[s];
    if (a === null || a === undefined) continue;
    const k = answerKey(a, key);
    let c = classes.get(k);
    if (c === undefined) {
      c = { key: k, answer: a, score: 0, count: 0, firstStep: s };
      classes.set(k, c);
    }
    c.score += voteWeight(s, S, weighting, alpha);
    c.count++;
  }
  const tally = [...classes.values()]; // Map iteration is insertion (first-seen) order
  let best: VoteClass<A> | null = null;
  for (const c of tally) if (best === null || c.score > best.score) best = c;
  return { answer: best === null ? null : best.answer, key: best === null ? null : best.key, tally };
}
