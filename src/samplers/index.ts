// Public exports of src/samplers: reverse posteriors and the samplers behind one Sampler interface and one loop.
export { giddPosterior, giddStep, drawCategoricalRows } from "./gidd";
export type { GiddPosteriorOptions } from "./gidd";
export { seddEulerProbs, seddAnalyticProbs, seddDenoiseProbs, seddSample, seddDenoiser, SeddSampler } from "./sedd";
export type { SeddScoreFn, SeddSampleOptions, SeddSamplerOptions } from "./sedd";
export { hdlmStepProbabilities, hdlmPosteriorGivenX, hdlmModelPosterior, hdlmReverseProbs, checkStep } from "./posterior-hdlm";
export type { StepRule, PerturbSampling, HdlmStepProbabilities, HdlmPosteriorOptions } from "./posterior-hdlm";
export { mdlmDdpmProbs } from "./posterior-mdlm";
export { tokenRow, tokenRows, initialState, modelProbs, ProbsCache, checkRequest, checkSteps, checkVocabSize, snapshot, argmaxMasked, promptMask, cleanGuess, GridSampler } from "./sampler";
export type { Denoiser, SampleBatch, StepCallback, SampleStepInfo, StepGrid, SampleRequest, SampleResult, Sampler } from "./sampler";
export { drawTempered, drawGrouped, argmaxPositive, checkTemperature, checkMinP } from "./gumbel";
export { HdlmSampler, hdlmGrid } from "./hdlm-sampler";
export type { HdlmSamplerOptions, HdlmGrid } from "./hdlm-sampler";
export { MdlmSampler, mdlmGrid, LINEAR_MASKING } from "./mdlm-sampler";
export type { MdlmSamplerOptions, MaskingSchedule } from "./mdlm-sampler";
export { clampToEmbeddings, diffusionLmStep, DiffusionLmSampler } from "./diffusion-lm";
export type { EmbeddingDenoiser, DiffusionLmSamplerOptions } from "./diffusion-lm";
export { GiddSampler } from "./gidd-sampler";
export type { GiddSamplerOptions } from "./gidd-sampler";
