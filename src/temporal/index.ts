// Public exports of src/temporal: the temporal-dynamics metrics of temporal.md §2-§4 (oscillation, temporal
// self-consistency voting, Temporal Semantic Entropy) over per-step parsed answers.
export { TEMPORAL_WEIGHTINGS, VOTE_ALPHA, TSE_ALPHA, TSE_SKIP_RATIO, checkWeighting, voteWeight, tseWeight } from "./weighting";
export type { TemporalWeighting } from "./weighting";
export { answerKey, checkAnswerKey, ANSWER_KEY_MODES } from "./answer-key";
export type { AnswerKey } from "./answer-key";
export { temporalVote } from "./voting";
export type { VoteOptions, VoteClass, VoteResult } from "./voting";
export { temporalSemanticEntropy } from "./tse";
export type { TseOptions, TseClass, TseResult } from "./tse";
export { trajectoryMetrics, oscillationSummary } from "./oscillation";
export type { TrajectoryMetrics, OscillationSummary } from "./oscillation";
