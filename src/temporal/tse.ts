// Temporal Semantic Entropy (temporal.md §4, `calculate_entropy` of the reference): the entropy, in bits, of the
// weighted distribution of a sample's late per-step answers over answer classes. Low TSE = a stable answer.
import type { TaskAnswer } from "../tasks/task";
import { answerKey, AnswerKey, checkAnswerKey } from "./answer-key";
import { checkAnswers } from "./voting";
import { checkFinite, checkWeighting, TemporalWeighting, TSE_ALPHA, TSE_SKIP_RATIO, tseWeight } from "./weighting";

/** TSE settings; defaults: `exp` with α = 12.8, skipRatio 0.5, nulls dropped, the default answer key. */
export interface TseOptions<A extends TaskAnswer> {
  weighting?: TemporalWeighting;
  alpha?: number;
  /** Fraction of early steps dropped, in [0, 1): the first floor(S·skipRatio) steps. */
  skipRatio?: number;
  /** Count each null as its own singleton class instead of dropping it. */
  includeNull?: boolean;
  key?: AnswerKey<A>;
}

/** One class of the TSE distribution: its key, weight w_k and probability p_k. Null singletons have key `null@s`. */
export interface TseClass {
  readonly key: string;
  readonly weight: number;
  readonly p: number;
}

/** TSE in bits, with the number of kept steps and whether any kept step had an answer. */
export interface TseResult {
  readonly tse: number;
  /** S_kept = S − floor(S·skipRatio). */
  readonly keptSteps: number;
  /** True when no kept step had a valid answer; then `tse = log2(keptSteps)`. */
  readonly noAnswer: boolean;
  readonly classes: TseClass[];
}

/**
 * TSE of `answers[0..S−1]` (temporal.md §4):
 * 1. drop the first floor(S·skipRatio) steps, keeping the original index s for the weights;
 * 2. drop nulls (or, with `includeNull`, make each null its own class);
 * 3. group by answer key; 4. w_k = Σ_{s∈C_k} f(s) with exp(α·s/S), s/S or 1;
 * 5. p_k = w_k/Σ w, TSE = −Σ p_k log2 p_k.
 * With no valid answer it returns log2(S_kept), the largest entropy over the kept steps (the reference returns
 * log2 of the batch length, a bug), and sets `noAnswer`.
 */
export function temporalSemanticEntropy<A extends TaskAnswer>(answers: readonly (A | null)[], options: TseOptions<A> = {}): TseResult {
  checkAnswers<A>(answers);
  if (answers.length === 0) throw new RangeError("answers must hold at least one step, got an empty array");
  const weighting = checkWeighting(options.weighting ?? "exp");
  const alpha = checkFinite(options.alpha ?? TSE_ALPHA, "alpha");
  const skipRatio = checkFinite(options.skipRatio ?? TSE_SKIP_RATIO, "skipRatio");
  if (skipRatio < 0 || skipRatio >= 1) throw new RangeError(`skipRatio must be in [0, 1), got ${skipRatio}`);
  const includeNull = options.includeNull ?? false;
  if (typeof includeNull !== "boolean") throw new RangeError(`includeNull must be true or false, got ${String(includeNull)}`);
  const key = checkAnswerKey<A>(options.key ?? "default");
  const S = answers.length;
  const first = Math.floor(S * skipRatio);
  const keptSteps = S - first;
  const weights = new Map<string, number>();
  let valid = 0;
  for (let s = first; s < S; s++) {
    const a = answers[s];
    let k: string;
    if (a === null || a === undefined) {
      if (!includeNull) continue;
      k = `null@${s}`;
    } else {
      k = answerKey(a, key);
      valid++;
    }
    weights.set(k, (weights.get(k) ?? 0) + tseWeight(s, S, weighting, alpha));
  }
  if (valid === 0) {
    return { tse: Math.log2(keptSteps), keptSteps, noAnswer: true, classes: [] };
  }
  let total = 0;
  for (const w of weights.values()) total += w;
  const classes: TseClass[] = [];
  let tse = 0;
  for (const [k, w] of weights) {
    // total is 0 only under `linear` with one class whose only step is s = 0: one class, entropy 0.
    const p = total > 0 ? w / total : 1 / weights.size;
    classes.push({ key: k, weight: w, p });
    if (p > 0) tse -= p * Math.log2(p);
  }
  return { tse: Math.max(0, tse), keptSteps, noAnswer: false, classes };
}
