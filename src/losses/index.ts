// Public exports of src/losses: the HDLM closed-form ELBO, MDLM, GIDD/GIDD+, SEDD score entropy, Diffusion-LM and
// causal cross-entropy losses, the per-cluster log-sum-exp and log-sum-exp rows.
export { giddElboWeight, giddPlusWeight, giddElbo, giddTokenMean } from "./gidd";
export type { GiddZType, GiddPlusOptions, GiddElboInputs, GiddElboTerms, GiddElboOptions } from "./gidd";
export { segmentLogSumExp, maskedTokenMean } from "./segment";
export { logSumExpRows } from "./logsumexp";
export type { SegmentMethod } from "./segment";
export { hdlmLoss, checkLogitWidth } from "./hdlm";
export type { HdlmLossOptions } from "./hdlm";
export type { LossResult } from "./loss-result";
export { mdlmLoss } from "./mdlm";
export type { MdlmLossOptions } from "./mdlm";
export { seddNumStates, seddMarginal, seddReverseWeights, scoreEntropyGeneral, scoreEntropyAbsorbing, scoreEntropyUniform, scoreEntropy, seddLogScore, seddLoss } from "./sedd";
export type { SeddGraph, SeddLossInputs } from "./sedd";
export { qSample, qPosterior, modelVariance, gaussianKl, diffusionLmLoss, vbTermNats, priorKlNats, bpdToNatsPerToken, natsPerTokenToBpd, nllBound } from "./diffusion-lm";
export type { DiffusionLmLossInputs, NllBoundParts } from "./diffusion-lm";
export { rowCrossEntropy, causalCrossEntropy } from "./causal";
