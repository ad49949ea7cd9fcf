// Public exports of src/r2ft (decoding.md §3): rule-built rejected continuations, the reference-free R2FT loss, the
// config section and training pairs from bundled text.
export * from "./config";
export { buildR2ftNegative, buildR2ftBatch } from "./negatives";
export type { R2ftExample, R2ftNegative, R2ftBatch } from "./negatives";
export { maskedMeanLogLikelihood, r2ftLoss, r2ftLossValue, r2ftObjective } from "./loss";
export type { R2ftTargets } from "./loss";
export { parseR2ftConfig, R2FT_CONFIG_FIELDS } from "./r2ft-config";
export type { R2ftConfig } from "./r2ft-config";
export { r2ftExamplesFromDocuments } from "./pairs";
export type { R2ftPairOptions } from "./pairs";
