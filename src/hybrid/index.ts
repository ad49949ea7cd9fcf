// The chained hybrid discrete/continuous model's math core (hybrid.md §0-§4): config, time map, forward chain,
// rounding, the three integrands, the bound's parts and the reverse sampler over a generic denoiser.
export { makeHybridChainConfig } from "./config";
export type { D2Form, HybridChainKind, HybridSteps, HybridChainConfig, HybridChainOptions } from "./config";
export { ChainedSchedule, continuousDepth } from "./time";
export { embeddingTable, embeddingTableFromTensor, embeddingMaskId, noisyEmbeddings, noisyEmbeddingsTensor } from "./embeddings";
export type { EmbeddingTable } from "./embeddings";
export { roundToEmbeddings, roundingAccuracy } from "./rounding";
export { sampleChain, stratifiedTimes, tokenMarginal, rowsBySegment, selectRows } from "./forward";
export type { ChainDraw, ChainDrawRequest } from "./forward";
export { d1Integrand, d2Integrand, continuousIntegrand, expectedEmbedding } from "./integrands";
export type { DiscreteIntegrandInputs, ContinuousIntegrandInputs } from "./integrands";
export { binaryEntropy, decoderTerm, boundaryBTerm, chainBoundTotal, ChainBoundAccumulator, CHAIN_BOUND_PARTS } from "./bound";
export type { ChainBoundParts, ChainBoundRow } from "./bound";
export { sampleHybrid } from "./sampler";
export type { HybridDenoiser, HybridStepEvent, HybridSampleOptions, HybridSampleResult } from "./sampler";
