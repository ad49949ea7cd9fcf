// Public exports of src/train: AdamW + LR schedule, validated configs and presets, objectives, data batches,
// checkpoints, and the training loop with bit-for-bit resume.
export { AdamW, DEFAULT_OPTIM, learningRate, decays } from "./optimizer";
export type { OptimConfig, StepInfo } from "./optimizer";
export { resolveConfig, loadConfig, TRAIN_PRESETS, OBJECTIVE_KINDS } from "./config";
export type { TrainConfig, TrainModelConfig, ObjectiveConfig, ArObjective, MdlmObjective, HdlmObjective, GiddObjective, DataConfig, OpenWebTextData, TrainPresetName } from "./config";
export { makeObjective } from "./objectives";
export type { Objective } from "./objectives";
export type { TokenData } from "./text-data";
export { corpusTokenData, openTrainingData } from "./corpus-data";
export type { CorpusTokenDataOptions, TrainingDataOptions } from "./corpus-data";
export { writeCheckpoint, readCheckpoint, restoreTensors } from "./checkpoint";
export { loadRun, runVocabulary, objectiveTools, sampleRun, RunVocab } from "./load-run";
export type { LoadedRun, RunSamplerOptions, SampleRunOptions } from "./load-run";
export type { CheckpointData } from "./checkpoint";
export { streamRng, hash32, STREAM } from "./streams";
export { Progress } from "./progress";
export { Trainer, train } from "./trainer";
export type { MetricsLine, TrainHooks, TrainOptions, TrainResult } from "./trainer";
export { paramGrads } from "./grads";
export { TaskTokenData, taskRow, taskPrompt, taskPrefix, promptWidthOf } from "./task-data";
export type { TaskRow } from "./task-data";
export { pretrainTaskModel, taskModelConfig, taskModelInfo, TASK_MODEL_KINDS } from "./task-model";
export type { TaskModelKind, TaskModelOptions } from "./task-model";
export { evaluateTemporal } from "./task-eval";
export { TcrTrainer, runTcr, parseTcrConfig, readTcrMetrics, loadTcrPolicy } from "./tcr";
export type { TcrConfig, TcrMetrics, TcrSetup, TcrResult } from "./tcr";
