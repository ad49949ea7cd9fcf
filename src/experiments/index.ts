// Public exports of src/experiments: cached corpus cluster maps for HDLM, the trainer's data over a Corpus, and
// the MDLM vs HDLM comparison grid (issue 4) with its table.
export { corpusClusters, clusterCacheKey, tokenFingerprint, resolveClusterSettings, CLUSTER_CACHE_VERSION, DEFAULT_CLUSTER_CACHE_DIR } from "./clusters";
export type { CorpusClusterOptions, CorpusClusters } from "./clusters";
export { corpusTokenData, toTrainerBatch } from "./corpus-data";
export {
  runComparison,
  runConfig,
  trainModel,
  diffusionTools,
  evalBatches,
  diffusionPpl,
  arNll,
  drawSamples,
  summarizeComparison,
  comparisonMarkdown,
} from "./compare";
export type { CompareConfig, CompareMethod, CompareRow, CompareSummary, ComparisonResult, ObjectiveSpec, RunSettings, TrainedRun } from "./compare";
