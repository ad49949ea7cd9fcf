// Public exports of src/experiments: cached corpus cluster maps for HDLM, the trainer's data over a Corpus, and
// the MDLM vs HDLM comparison grid (issue 4) with its table.
export { corpusClusters, clusterCacheKey, tokenFingerprint, resolveClusterSettings, CLUSTER_CACHE_VERSION, DEFAULT_CLUSTER_CACHE_DIR } from "./clusters";
export type { CorpusClusterOptions, CorpusClusters } from "./clusters";
export { corpusTokenData, toTrainerBatch } from "./corpus-data";
export {
  runConfig,
  trainModel,
  diffusionTools,
  evalBatches,
  diffusionPpl,
  arNll,
  drawSamples,
} from "./compare";
export type { CompareMethod, ObjectiveSpec, RunSettings, TrainedRun } from "./compare";
export { runGrid, runId, gridEvalSets, unigramRow } from "./grid";
export type { GridConfig, GridMethod, GridEvalSettings, GridRow, GridResult, SetScore, EvalSet } from "./grid";
export { gridMarkdown, differencesMarkdown, methodScores, methodDifference, combineSeeds, methodOrder } from "./grid-table";
export type { MethodScore, Difference } from "./grid-table";
export { gridSize, gridMethods, GRID_METHOD_KEYS } from "./grid-sizes";
export type { GridSize, GridSizeName } from "./grid-sizes";
export { gridCurvesFigure } from "./grid-figures";
