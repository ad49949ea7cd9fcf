// Noise schedules: one small object per schedule behind the Schedule interface.
export * from "./schedule";
export * from "./hierarchical";
export * from "./weighting";
export * from "./log-linear";
export * from "./time-sampler";
export { GiddSchedule, giddMarginal } from "./gidd";
export type { GiddScheduleOptions } from "./gidd";
export { GeometricSchedule, seddLogLinear, seddExpm1, seddRatio } from "./sedd";
export type { SigmaSchedule } from "./sedd";
export { VpSchedule, discretiseBetas, gaussianProcessTable } from "./diffusion-lm";
export type { VpKind, GaussianProcessTable } from "./diffusion-lm";
export { makeHybridSplit, hybridTime, hybridLengths, hybridStepCounts, encodeAtB, remaskAtA, hybridBound } from "./hybrid";
export type { HybridSegment, HybridSplit, HybridTime, HybridBoundParts } from "./hybrid";
