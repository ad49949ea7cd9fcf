// Public exports of src/experiments: the comparison building blocks, the resumable grid over methods and seeds, its
// sizes, tables and figures.
export {
  runConfig,
  trainModel,
  diffusionTools,
  evalBatches,
  diffusionPpl,
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
export { trainLive, boundRow } from "./live";
export type { BoundRow } from "./live";
export { hybridSize, hybridMethods, hybridParts, hybridPartsOf, hybridPartsOfRun, hybridMarkdown, HYBRID_OBJECTIVE } from "./hybrid";
export type { HybridSize, HybridPartsScore } from "./hybrid";
export { libraryScheduleCurves, chainBoundaryStats, boundaryStates, chainSignalCurves, independentCollapse, splitSweep, trainerBound, trainerSamples, hybridEmbedding, hybridTrace } from "./hybrid-schedules";
export type { ScheduleCurve, ChainBoundaryStats, IndependentCollapse, HybridTrace } from "./hybrid-schedules";
export { runTemporal, temporalMarkdown, temporalProblems, meanInterval, TEMPORAL_SIZES, TEMPORAL_REWARDS } from "./temporal";
export type { TemporalSize, TemporalRow, TemporalRunOptions } from "./temporal";
export { runDecodingExperiment, decodingStrategies, decodingRunConfig, decodeAndMeasure, measureContinuations, continuationPpl, heldoutWindows, loadGenPplScorer } from "./decoding";
export type { Strategy, DecodingRow, DecodingExperimentSettings, DecodingExperimentConfig } from "./decoding";
export { decodingCells, decodingMarkdown, decodingFigure } from "./decoding-report";
export type { DecodingCell } from "./decoding-report";
export { fineTuneR2ft, trainerArScorer, trainerDenoiser, decodingTrace, gateOverStates, stateText } from "./decoding-notebook";
export { writeResultFiles } from "./results-files";
