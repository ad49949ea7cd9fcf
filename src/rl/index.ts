// Public exports of src/rl: the math of diffu-GRPO / TCR (temporal.md §5): group advantages, the clipped
// surrogate with the k3 KL, the one-step log-probability estimator and the TCR rewards.
export { groupAdvantages } from "./advantages";
export { k3Kl, k3KlValue } from "./kl";
export { grpoLoss, grpoTokenLoss, grpoStats, completionMask, GRPO_EPSILON, GRPO_BETA } from "./grpo-loss";
export type { GrpoInputs, GrpoOptions, GrpoStats } from "./grpo-loss";
export { oneStepLogProbs, estimatorMask, estimatorInput, innerMaskSeeds, PROMPT_MASK_RATE } from "./estimator";
export type { EstimatorOptions, IdRows } from "./estimator";
export {
  tseReward,
  stabilityFromTse,
  combinedReward,
  computeReward,
  countdownAccuracyReward,
  numericAccuracyReward,
  checkRewardName,
  TSE_REWARD_LAMBDA,
  LOG_REWARD_EPSILON,
  COMBINED_REWARDS,
  REWARD_NAMES,
} from "./rewards";
export type { CombinedReward, RewardName, RewardInputs } from "./rewards";
export { trajectoryReward } from "./trajectory-reward";
export type { TrajectoryReward } from "./trajectory-reward";
export { sampleTrajectories } from "./trajectories";
export type { Trajectory, TrajectoryOptions, PromptIds } from "./trajectories";
export { temporalReport, mannWhitneyLess, normalCdf } from "./temporal-eval";
export type { TemporalReport, TseGroup } from "./temporal-eval";
