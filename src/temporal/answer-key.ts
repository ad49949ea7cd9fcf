// When two per-step answers count as the same (temporal.md §3 "Equivalence of answers"): by parsed key
// (the paper's rule), by evaluated value (an hdlm-lab option that merges equivalent expressions), or a custom key.
import { evaluateExpression } from "../tasks/expression";
import type { TaskAnswer } from "../tasks/task";

/**
 * `"default"`: numbers by their float value, strings (Countdown expressions) by their text, so `3+4*5` and
 * `4*5+3` are different votes (the paper). `"value"`: strings by their evaluated value (12 significant digits),
 * merging equivalent expressions; a deviation from the paper, to be labelled where used. Or a custom key function.
 */
export type AnswerKey<A extends TaskAnswer> = "default" | "value" | ((answer: A) => string);

/** The answer-key mode names. */
export const ANSWER_KEY_MODES = ["default", "value"] as const;

/** The class key of `answer` under `key` (numbers and strings never collide). */
export function answerKey<A extends TaskAnswer>(answer: A, key: AnswerKey<A> = "default"): string {
  if (typeof key === "function") return key(answer);
  if (typeof answer === "number") return `n:${answer}`;
  if (key === "value") {
    const v = evaluateExpression(answer);
    // An expression that does not evaluate still votes, for itself.
    if (v !== null) return `n:${Number(v.toPrecision(12))}`;
  }
  return `s:${answer}`;
}

/** `key` checked, or a RangeError naming `field` (one line). */
export function checkAnswerKey<A extends TaskAnswer>(key: unknown, field = "key"): AnswerKey<A> {
  if (typeof key === "function") return key as (answer: A) => string;
  if (typeof key !== "string" || !(ANSWER_KEY_MODES as readonly string[]).includes(key)) {
    throw new RangeError(`${field} must be "default", "value" or a function, got ${typeof key === "string" ? JSON.stringify(key) : String(key)}`);
  }
  return key as AnswerKey<A>;
}
