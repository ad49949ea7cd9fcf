// Public exports of src/eval: the validation PPL bound (Monte Carlo / quadrature ELBO), generative PPL under a
// named causal scorer, and the unigram entropy of samples (hdlm.md §7).
export { validationPpl } from "./valid-ppl";
export type { EvalModel, ValidPplOptions, ValidPplResult } from "./valid-ppl";
export { arScorer, generativePpl } from "./gen-ppl";
export type { SequenceScorer, ArScorerOptions, GenPplResult } from "./gen-ppl";
export { tokenEntropy, unigramEntropy } from "./entropy";
export { concatRows, ratioWithError, summarizeRows, pairedDifference, verdict } from "./row-scores";
export type { RowScores, BoundSummary } from "./row-scores";
export { UnigramModel } from "./unigram";
export { arRows } from "./ar-rows";
export type { CausalLogits } from "./ar-rows";
export * from "./repetition";
