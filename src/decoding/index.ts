// Public exports of src/decoding (decoding.md §1-§2): position gates (box filter, full window, semi-AR blocks),
// s_norm rescaling, the gated MDLM step and its seeded draw, the confidence drop-in and the HDLM MASK -> cluster gate.
export { checkKernelSize, kernelFromBlock, checkTopK, checkConvMult, checkBlockLayout } from "./config";
export { decodedMask, fullWindowGate } from "./gate";
export type { PositionGate } from "./gate";
export { decodedNeighbourCounts, boxFilterGateValues, convolutionGate } from "./box-filter";
export type { BoxFilterOptions, EmptyRowRule } from "./box-filter";
export { sNorm, matchUnmaskProbabilities, S_NORM_EPSILON } from "./s-norm";
export { drawUnmaskPositions, drawCandidate } from "./draw";
export { topCandidates } from "./top-k";
export type { TopCandidates } from "./top-k";
export { gatedStepRows, convolutionalStepRows, drawConvolutionalStep, convolutionalStep } from "./conv-step";
export type { ConvNormalization, StepArrays, GatedStepInput, ConvStepInput, ConvStepRows } from "./conv-step";
export { rowArgmax, gatedConfidence, topNPositions, selectByGatedConfidence } from "./confidence";
export type { ConfidenceSelectInput } from "./confidence";
export { semiArPlan, blockWindow, blockOfStep, currentBlocks, semiArGate, semiArSelect } from "./semi-ar";
export type { SemiArOptions, SemiArPlan } from "./semi-ar";
export { gateHdlmMaskRows } from "./hdlm-gate";
export type { HdlmRowLayout } from "./hdlm-gate";
export { DECODING_KINDS, DECODING_DEFAULTS, parseDecodingConfig, checkDecodingForRun } from "./decoding-config";
export type { DecodingKind, DecodingConfig, GateSettings } from "./decoding-config";
