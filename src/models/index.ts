// Public exports of src/models: the DiT and causal transformer, their configs/presets, parameters and init,
// with deterministic seeded initialisation.
export { MODEL_PRESETS, modelConfig, checkModelConfig } from "./config";
export type { ModelConfig, ModelPresetName } from "./config";
export { initParams, initDiffusionEmbedding, countParams, disposeParams, param } from "./params";
export type { Params } from "./params";
export { ditForward, ditForwardInputs, arForward, block } from "./transformer";
export type { DiTOutput } from "./transformer";
export { layerNorm, modulate, gatedResidual, silu, dense, timestepEmbedding, rotaryTables, attention } from "./layers";
export type { AttentionMask } from "./layers";
export { mdlmDitForward, mdlmSubs, mdlmSigma, mdlmDitDenoiser, mdlmDitEvalModel, mdlmDitLayout, initMdlmDitParams, checkMdlmDitParams, checkMdlmDitConfig, toHdlmDitParams, fromHdlmDitParams, mdlmToModelConfig } from "./mdlm-dit";
export type { MdlmDitConfig, MdlmConditioning } from "./mdlm-dit";
export { initModel, ditLogits, mdlmDitConfigOf } from "./arch";
export { MODEL_ARCHS } from "./config";
export type { ModelArch } from "./config";
