// Rewards of TCR (temporal.md §5.1): negative TSE (no labels), TSE combined with accuracy (spherical_plus and the
// other named combinations, computed as the paper describes), and accuracy only. Unknown names are errors.
import { checkCountdown, CountdownProblem } from "../tasks/countdown";

/** λ of the TSE-only reward r = −λ·TSE: 2.0 (temporal.md §5.1). */
export const TSE_REWARD_LAMBDA = 2.0;
/** Floor of the clamped logs of the logarithmic combinations. */
export const LOG_REWARD_EPSILON = 1e-6;

/** The TSE + accuracy combinations of temporal.md §5.1. */
export const COMBINED_REWARDS = ["spherical_plus", "brier", "logarithmic", "logarithmic_plus", "fixed"] as const;
export type CombinedReward = (typeof COMBINED_REWARDS)[number];
/** Every reward name: TSE only, the combinations, accuracy only. */
export const REWARD_NAMES = ["tse", ...COMBINED_REWARDS, "accuracy"] as const;
export type RewardName = (typeof REWARD_NAMES)[number];

/** `name` as a reward name, or a RangeError naming `field` (one line). */
export function checkRewardName(name: unknown, field = "reward"): RewardName {
  if (typeof name !== "string" || !(REWARD_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`${field} must be one of ${REWARD_NAMES.map((r) => JSON.stringify(r)).join(", ")}, got ${typeof name === "string" ? JSON.stringify(name) : String(name)}`);
  }
  return name as RewardName;
}

/** TSE-only reward r = −λ·TSE (temporal.md §5.1): no labels needed. */
export function tseReward(tse: number, lambda = TSE_REWARD_LAMBDA): number {
  if (typeof tse !== "number" || !Number.isFinite(tse) || tse < 0) throw new RangeError(`tse must be a finite number >= 0, got ${String(tse)}`);
  if (typeof lambda !== "number" || !Number.isFinite(lambda)) throw new RangeError(`lambda must be a finite number, got ${String(lambda)}`);
  return -lambda * tse;
}

/**
 * Stability ent = 1 − TSE/log2 S in [0, 1] (temporal.md §5.1; higher = more stable), clamped into [0, 1].
 * `steps` is S, the number of denoising steps (>= 2, so log2 S > 0).
 */
export function stabilityFromTse(tse: number, steps: number): number {
  if (typeof tse !== "number" || !Number.isFinite(tse) || tse < 0) throw new RangeError(`tse must be a finite number >= 0, got ${String(tse)}`);
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`steps must be an integer >= 2 (S, so that log2 S > 0), got ${String(steps)}`);
  return Math.min(1, Math.max(0, 1 - tse / Math.log2(steps)));
}

const clampedLog2 = (x: number): number => Math.log2(Math.max(x, LOG_REWARD_EPSILON));

/**
 * A TSE + accuracy reward (temporal.md §5.1), with corr ∈ {0, 1} and stability ent ∈ [0, 1]:
 * - `spherical_plus` (the paper's main variant): corr + ent/√((1−ent)² + ent²);
 * - `brier`: corr − (ent − corr)²;
 * - `logarithmic`: corr + [corr·log2 ent + (1−corr)·log2(1−ent)], the proper log score (stable and correct is
 *   rewarded, stable and wrong is penalised);
 * - `logarithmic_plus`: corr + log2 ent, the log score taken as if correct, the convention of spherical_plus
 *   (stability is rewarded whatever corr is);
 * - `fixed`: ent if corr, else 0.
 * Logs are clamped at ε = 1e-6. Unlike the released reward function, which overwrites the combination with the
 * plain correctness reward before returning, this returns the combination.
 */
export function combinedReward(name: CombinedReward, correct: boolean, ent: number): number {
  if (typeof correct !== "boolean") throw new RangeError(`correct must be true or false, got ${String(correct)}`);
  if (typeof ent !== "number" || !(ent >= 0 && ent <= 1)) throw new RangeError(`ent must be a number in [0, 1], got ${String(ent)}`);
  const corr = correct ? 1 : 0;
  switch (name) {
    case "spherical_plus":
      return corr + ent / Math.sqrt((1 - ent) * (1 - ent) + ent * ent);
    case "brier":
      return corr - (ent - corr) * (ent - corr);
    case "logarithmic":
      return corr + (correct ? clampedLog2(ent) : clampedLog2(1 - ent));
    case "logarithmic_plus":
      return corr + clampedLog2(ent);
    case "fixed":
      return correct ? ent : 0;
    default:
      throw new RangeError(`reward must be one of ${COMBINED_REWARDS.map((r) => JSON.stringify(r)).join(", ")} for a TSE + accuracy combination, got ${typeof name === "string" ? JSON.stringify(name) : String(name)}`);
  }
}

/** Countdown accuracy reward (temporal.md §5.1): 1.0 if correct, 0.1 if an equation is present but wrong or invalid, 0 if none. */
export function countdownAccuracyReward(answer: string | null, problem: CountdownProblem): number {
  const verdict = checkCountdown(answer, problem);
  return verdict === "correct" ? 1 : verdict === "no-answer" ? 0 : 0.1;
}

/** Numeric-answer accuracy reward (GSM8K-style, and the arithmetic task): 2.0 if correct, else 0. */
export function numericAccuracyReward(correct: boolean): number {
  return correct ? 2 : 0;
}

/** What a reward may look at for one completion. */
export interface RewardInputs {
  /** TSE of the completion's per-step answers (bits). */
  tse: number;
  /** S, the number of denoising steps (for ent = 1 − TSE/log2 S). */
  steps: number;
  /** Whether the final answer is correct (the combinations' corr). */
  correct: boolean;
  /** The task's accuracy reward (`countdownAccuracyReward`, `numericAccuracyReward`); used by `accuracy`. */
  accuracy: number;
}

/**
 * The reward `name` of one completion (temporal.md §5.1): `tse` → −λ·TSE; a combination → `combinedReward`
 * on ent = 1 − TSE/log2 S; `accuracy` → the task's accuracy reward. An unknown name is an error naming `reward`.
 */
export function computeReward(name: RewardName, inputs: RewardInputs, options: { lambda?: number } = {}): number {
  const reward = checkRewardName(name);
  switch (reward) {
    case "tse":
      return tseReward(inputs.tse, options.lambda ?? TSE_REWARD_LAMBDA);
    case "accuracy":
      if (typeof inputs.accuracy !== "number" || !Number.isFinite(inputs.accuracy)) throw new RangeError(`accuracy must be a finite number, got ${String(inputs.accuracy)}`);
      return inputs.accuracy;
    default:
      return combinedReward(reward, inputs.correct, stabilityFromTse(inputs.tse, inputs.steps));
  }
}
