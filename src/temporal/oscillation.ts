// Oscillation metrics of a decoding trajectory (temporal.md §2): final pass, ever pass, the step at which the
// correct answer first appears and the answer-change rate; over a dataset, the oscillation gap.
import type { TaskAnswer } from "../tasks/task";
import { answerKey, AnswerKey, checkAnswerKey } from "./answer-key";
import { checkAnswers } from "./voting";

/** Per-sample oscillation metrics. */
export interface TrajectoryMetrics {
  /** isCorrect(answers[S−1]). */
  readonly finalPass: boolean;
  /** ∃ s: isCorrect(answers[s]). */
  readonly everPass: boolean;
  /** The first s with a correct answer, or null. */
  readonly firstCorrectStep: number | null;
  /** Consecutive steps whose answers differ (null counts as its own value). */
  readonly answerChanges: number;
  /** answerChanges / S (the reference's "pairwise"). */
  readonly answerChangeRate: number;
  readonly steps: number;
}

/**
 * Metrics of one trajectory `answers[0..S−1]` (temporal.md §2). `isCorrect` sees only non-null answers (null is
 * never correct). Answers compare by `key` (default: the parsed key, as voting), and a change to or from null
 * counts as a change.
 */
export function trajectoryMetrics<A extends TaskAnswer>(answers: readonly (A | null)[], isCorrect: (answer: A) => boolean, options: { key?: AnswerKey<A> } = {}): TrajectoryMetrics {
  checkAnswers<A>(answers);
  if (answers.length === 0) throw new RangeError("answers must hold at least one step, got an empty array");
  if (typeof isCorrect !== "function") throw new RangeError(`isCorrect must be a function, got ${typeof isCorrect}`);
  const key = checkAnswerKey<A>(options.key ?? "default");
  const S = answers.length;
  const correct = answers.map((a) => a !== null && a !== undefined && isCorrect(a));
  const firstCorrect = correct.indexOf(true);
  let changes = 0;
  let prev: string | null = null;
  for (let s = 0; s < S; s++) {
    const a = answers[s];
    const k = a === null || a === undefined ? null : answerKey(a, key);
    if (s > 0 && k !== prev) changes++;
    prev = k;
  }
  return {
    finalPass: correct[S - 1],
    everPass: firstCorrect >= 0,
    firstCorrectStep: firstCorrect >= 0 ? firstCorrect : null,
    answerChanges: changes,
    answerChangeRate: changes / S,
    steps: S,
  };
}

/** Dataset-level oscillation summary (temporal.md §2). */
export interface OscillationSummary {
  readonly samples: number;
  readonly finalPassRate: number;
  readonly everPassRate: number;
  /** everPassRate − finalPassRate (≥ 0). */
  readonly oscillationGap: number;
  /** Mean first-correct step over the samples that were ever correct (null if none was). */
  readonly meanFirstCorrectStep: number | null;
  readonly meanAnswerChangeRate: number;
}

/** Rates over per-sample metrics; the gap is ever-pass rate − final-pass rate. */
export function oscillationSummary(metrics: readonly TrajectoryMetrics[]): OscillationSummary {
  if (!Array.isArray(metrics) || metrics.length === 0) throw new RangeError("metrics must be a non-empty array of trajectory metrics");
  const n = metrics.length;
  let fin = 0, ever = 0, firstSum = 0, firstN = 0, rate = 0;
  for (const m of metrics) {
    if (m.finalPass) fin++;
    if (m.everPass) ever++;
    if (m.firstCorrectStep !== null) {
      firstSum += m.firstCorrectStep;
      firstN++;
    }
    rate += m.answerChangeRate;
  }
  return {
    samples: n,
    finalPassRate: fin / n,
    everPassRate: ever / n,
    oscillationGap: (ever - fin) / n,
    meanFirstCorrectStep: firstN > 0 ? firstSum / firstN : null,
    meanAnswerChangeRate: rate / n,
  };
}
