// Public exports of src/r2ft (decoding.md §3): rule-built rejected continuations and the reference-free R2FT loss.
export * from "./config";
export { buildR2ftNegative, buildR2ftBatch } from "./negatives";
export type { R2ftExample, R2ftNegative, R2ftBatch } from "./negatives";
export { maskedMeanLogLikelihood, r2ftLoss, r2ftLossValue, r2ftObjective } from "./loss";
export type { R2ftTargets } from "./loss";
