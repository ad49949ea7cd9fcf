// Public exports of src/methods: one definition per method (AR, MDLM, HDLM, GIDD) behind one interface, the registry
// that maps an objective config to it, and the DiT denoiser wrapper.
export type { Method, MethodContext, MethodSamplerOptions, ElboScorer, BatchTensors } from "./types";
export { ditDenoiser } from "./denoiser";
export type { DitDenoiser } from "./denoiser";
export { makeMethod, parseObjective, resolveClusters, objectiveClusters, OBJECTIVE_KINDS } from "./registry";
export type { ObjectiveConfig, ClusterSource } from "./registry";
export { arMethod } from "./ar";
export type { ArObjective } from "./ar";
export { mdlmMethod, mdlmElboScorer } from "./mdlm";
export type { MdlmObjective } from "./mdlm";
export { hdlmMethod, hdlmElboScorer, hdlmClusters } from "./hdlm";
export type { HdlmObjective } from "./hdlm";
export { giddMethod, giddElboScorer, giddSchedule } from "./gidd";
export type { GiddObjective } from "./gidd";
