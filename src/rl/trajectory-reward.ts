// The TCR reward of one rollout from its per-step answers (temporal.md §5.1): TSE over the recorded answers[s],
// then the named reward on TSE, S and the final answer's correctness.
import type { TaskAnswer } from "../tasks/task";
import { temporalSemanticEntropy, TseOptions, TseResult } from "../temporal/tse";
import { checkRewardName, computeReward, RewardName } from "./rewards";

/** A rollout's reward with the TSE it was computed from. */
export interface TrajectoryReward {
  readonly reward: number;
  readonly tse: TseResult;
}

/**
 * Reward `name` of one rollout (temporal.md §5.1): TSE of `answers[0..S−1]` (defaults: exp, α = 12.8,
 * skipRatio 0.5), then `tse` → −λ·TSE, a combination → f(corr, ent = 1 − TSE/log2 S), `accuracy` → the task's
 * accuracy reward. `correct` and `accuracy` describe the final answer; the TSE-only reward ignores them.
 */
export function trajectoryReward<A extends TaskAnswer>(
  name: RewardName,
  answers: readonly (A | null)[],
  final: { correct: boolean; accuracy: number },
  options: { lambda?: number; tse?: TseOptions<A> } = {},
): TrajectoryReward {
  const reward = checkRewardName(name);
  const tse = temporalSemanticEntropy(answers, options.tse);
  const value = computeReward(reward, { tse: tse.tse, steps: answers.length, correct: final.correct, accuracy: final.accuracy }, { lambda: options.lambda });
  return { reward: value, tse };
}
