// The training loop: a run folder (resolved config, metrics.jsonl, checkpoint.bin), periodic validation and
// samples hook, atomic checkpoints, and --resume that continues bit-for-bit like an uninterrupted run.
import * as fs from "fs";
import * as path from "path";
import { tf } from "../engine/tf";
import { engineReport, describeEngine } from "../engine/select";
import { ModelConfig, checkModelConfig } from "../models/config";
import { Params, disposeParams } from "../models/params";
import { initModel } from "../models/arch";
import { TrainConfig } from "./config";
import { AdamW } from "./optimizer";
import { Objective, makeObjective } from "./objectives";
import type { BatchTensors } from "../methods/types";
import type { TokenData } from "./text-data";
import type { TokenBatch } from "../data/sequences";
import { openTrainingData } from "./corpus-data";
import { saveCompactVocab } from "../data/compact-vocab";
import { writeCheckpoint, readCheckpoint, restoreTensors } from "./checkpoint";
import { writeFileAtomic } from "../util/fs";
import { streamRng, STREAM } from "./streams";
import { Progress } from "./progress";
import { saveClusterMap } from "../vocab/cluster-map-io";
import { firstDifference } from "../util/json-diff";
import { checkInterrupt } from "../util/interrupt";
import { initFromRun } from "./init";

/** One line of metrics.jsonl (deterministic fields only, so resumed and uninterrupted runs match exactly). */
export type MetricsLine =
  | { step: number; split: "train"; loss: number; lr: number; gradNorm: number; tokens: number }
  | { step: number; split: "val"; loss: number; tokens: number };

/** Callbacks a caller (a notebook, the CLI) may hook into the loop. */
export interface TrainHooks {
  /** Called with every metrics line after it is written. */
  onMetrics?(line: MetricsLine): void;
  /** Called every `sampleEvery` steps with the live trainer (draw samples, write them under runDir). */
  sample?(trainer: Trainer): void | Promise<void>;
}

export interface TrainOptions {
  /** Continue from `<runDir>/checkpoint.bin` (it must exist and match the config). */
  resume?: boolean;
  /** Data to train on (default: `openTrainingData(config.data)` through src/data); its compactVocab is saved as `<runDir>/vocab.json`. */
  data?: TokenData;
  hooks?: TrainHooks;
  /** Progress bar on stderr (default: true when stderr is a TTY, else a line every ~5% of the run). */
  progress?: boolean;
}

/** What `train` returns. */
export interface TrainResult {
  step: number;
  lastTrainLoss: number;
  lastValLoss: number | null;
  /** Mean training throughput of this process (tokens/s over the steps it ran). */
  tokensPerSecond: number;
}

const CHECKPOINT = "checkpoint.bin";
const METRICS = "metrics.jsonl";

/** A model, its optimiser, data and run folder, stepped one update at a time. */
export class Trainer {
  readonly config: TrainConfig;
  readonly model: ModelConfig;
  readonly objective: Objective;
  readonly data: TokenData;
  readonly params: Params;
  readonly optimizer: AdamW;
  /** Updates completed (the next step is `step + 1`). */
  step = 0;
  private readonly hooks: TrainHooks;

  constructor(config: TrainConfig, data: TokenData, hooks: TrainHooks = {}) {
    this.config = config;
    this.data = data;
    this.hooks = hooks;
    this.objective = makeObjective(config, data);
    this.model = checkModelConfig({ ...config.model, inputSize: this.objective.inputSize, outputSize: this.objective.outputSize });
    if (this.model.arch === "mdlm-dit" && (this.objective.clusters !== null || this.objective.modelKind !== "dit")) {
      throw new Error(`config.model.arch "mdlm-dit" (mdlm's reference DiT) trains the mdlm and gidd objectives, not ${this.objective.kind}`);
    }
    this.params = initModel(this.model, this.objective.modelKind, config.seed);
    this.objective.initParams(this.params);
    this.optimizer = new AdamW(this.params, config.optim, config.steps);
  }

  get runDir(): string {
    return this.config.runDir;
  }

  private tensors(b: TokenBatch): BatchTensors {
    const shape: [number, number] = [b.batchSize, b.seqLen];
    const bt: BatchTensors = { tokens: tf.tensor2d(b.tokens, shape, "int32"), mask: tf.tensor2d(b.mask, shape, "float32") };
    if (b.clean !== undefined) bt.clean = tf.tensor2d(Float32Array.from(b.clean), shape, "float32");
    return bt;
  }

  /**
   * Runs update `step + 1` and returns its train metrics line (not yet written). With `microBatch` the batch is
   * split into equal chunks whose gradients and losses are averaged before one optimiser update.
   */
  trainStep(): Extract<MetricsLine, { split: "train" }> {
    const k = this.step + 1;
    const { batchSize: B, seed } = this.config;
    const T = this.model.seqLen;
    const mb = this.config.microBatch > 0 ? this.config.microBatch : B;
    const chunks = B / mb;
    const batch = this.data.batch("train", k - 1, B, T, seed);
    const vars = Object.entries(this.params);
    const out = tf.tidy(() => {
      const rng = streamRng(seed, k, STREAM.noise);
      const sum: Record<string, tf.Tensor> = {};
      let loss = 0;
      for (let c = 0; c < chunks; c++) {
        const rows = { tokens: batch.tokens.subarray(c * mb * T, (c + 1) * mb * T), mask: batch.mask.subarray(c * mb * T, (c + 1) * mb * T), clean: batch.clean?.subarray(c * mb * T, (c + 1) * mb * T), batchSize: mb, seqLen: T };
        const bt = this.tensors(rows);
        const { value, grads } = tf.variableGrads(() => this.objective.loss(this.params, this.model, bt, rng, true), vars.map(([, v]) => v));
        loss += value.dataSync()[0] / chunks;
        // Gradients are summed over chunks; the optimiser applies the 1/chunks average inside its fused update.
        for (const [name, v] of vars) {
          const g = grads[v.name];
          if (g === undefined) continue;
          const prev = sum[name];
          sum[name] = prev === undefined ? g : tf.add(prev, g);
          if (prev !== undefined) {
            prev.dispose();
            g.dispose();
          }
        }
        tf.dispose([value, bt.tokens, bt.mask, ...(bt.clean ? [bt.clean] : [])]);
      }
      const info = this.optimizer.apply(sum, 1 / chunks);
      return { loss, ...info };
    });
    this.step = k;
    return { step: k, split: "train", loss: out.loss, lr: out.lr, gradNorm: out.gradNorm, tokens: k * B * T };
  }

  /** Mean validation loss over `evalBatches` fixed batches with fixed random draws (deterministic). */
  evaluate(): number {
    const { batchSize: B, seed, evalBatches } = this.config;
    let total = 0;
    for (let j = 0; j < evalBatches; j++) {
      const batch = this.data.batch("val", j, B, this.model.seqLen, seed);
      total += tf.tidy(() => this.objective.loss(this.params, this.model, this.tensors(batch), streamRng(seed, j, STREAM.eval), false).dataSync()[0]);
    }
    return total / evalBatches;
  }

  /** Writes `<runDir>/checkpoint.bin` atomically: params, AdamW moments and step, data position, RNG scheme. */
  saveCheckpoint(): void {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [n, v] of Object.entries(this.params)) tensors[`param/${n}`] = v;
    for (const [n, v] of Object.entries(this.optimizer.m)) tensors[`adam.m/${n}`] = v;
    for (const [n, v] of Object.entries(this.optimizer.v)) tensors[`adam.v/${n}`] = v;
    writeCheckpoint(path.join(this.runDir, CHECKPOINT), tensors, {
      step: this.step,
      optimizerStep: this.optimizer.step,
      // Batches are addressed by index and every draw of step k comes from hash(seed, k, stream): this is the
      // whole data position and RNG state.
      dataPosition: { nextTrainBatch: this.step },
      rng: { scheme: "counter", seed: this.config.seed, nextStep: this.step + 1 },
      // mdlm's reference DiT: parameters under the reference's names, which load-run and export read as such.
      ...(this.model.arch === "mdlm-dit" ? { arch: "mdlm-dit", layout: "reference", conditioning: this.model.conditioning ?? "none" } : {}),
      config: this.config,
    });
  }

  /** Restores params, optimiser state and step from `<runDir>/checkpoint.bin` (verified; config must match). */
  loadCheckpoint(): void {
    const file = path.join(this.runDir, CHECKPOINT);
    const ck = readCheckpoint(file);
    const diff = firstDifference(JSON.parse(JSON.stringify(this.config)), ck.meta.config, "config");
    if (diff !== null) throw new Error(`cannot resume: ${diff} differs from the run in ${file}; use the same config or a new runDir`);
    restoreTensors(ck, "param", this.params, file);
    restoreTensors(ck, "adam.m", this.optimizer.m, file);
    restoreTensors(ck, "adam.v", this.optimizer.v, file);
    this.optimizer.step = ck.meta.optimizerStep as number;
    this.step = ck.meta.step as number;
  }

  /** Calls the samples hook (if any). */
  async sample(): Promise<void> {
    if (this.hooks.sample) await this.hooks.sample(this);
  }

  /** Disposes params and optimiser state. */
  dispose(): void {
    disposeParams(this.params);
    this.optimizer.dispose();
  }
}

/** Keeps the metrics lines with step <= `step` (lines a killed run wrote after its last checkpoint are dropped). */
function truncateMetrics(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const kept = fs.readFileSync(file, "utf8").split("\n").filter((l) => {
    try {
      return (JSON.parse(l) as MetricsLine).step <= step;
    } catch {
      return false; // an empty line, or a line torn by the kill
    }
  });
  writeFileAtomic(file, kept.map((l) => l + "\n").join(""));
}

/**
 * Trains per `config` in `config.runDir` (created if missing). A fresh run refuses a runDir that already holds a
 * checkpoint; `resume` continues from it and yields the same params and metrics as an uninterrupted run.
 */
export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const dir = config.runDir;
  const ckpt = path.join(dir, CHECKPOINT);
  const metricsFile = path.join(dir, METRICS);
  if (!options.resume && fs.existsSync(ckpt)) {
    throw new Error(`runDir ${dir} already holds a checkpoint; pass --resume to continue it, or choose another runDir`);
  }
  const data = options.data ?? (await openTrainingData(config.data, config.model.seqLen, { onProgress: options.progress === false ? null : undefined })).data;
  if (data.vocabSize !== config.data.vocabSize) {
    throw new Error(`the training data has ${data.vocabSize} token ids but config.data.vocabSize is ${config.data.vocabSize}; make them equal`);
  }
  const trainer = new Trainer(config, data, options.hooks);
  try {
    if (options.resume) {
      trainer.loadCheckpoint(); // throws before anything in the run folder is touched
      truncateMetrics(metricsFile, trainer.step);
    } else {
      if (config.init !== undefined) initFromRun(trainer.params, trainer.model, config, trainer.objective.clusters, config.init);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(metricsFile, "");
    }
    writeFileAtomic(path.join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
    if (data.compactVocab !== undefined) saveCompactVocab(data.compactVocab, path.join(dir, "vocab.json"), "the run's compact vocabulary: id 0 = EOS, id i = GPT-2 id gpt2Ids[i-1], id size-1 = UNK");
    if (trainer.objective.clusters !== null) saveClusterMap(trainer.objective.clusters, path.join(dir, "clusters.json"));
    let engine = "engine not initialised";
    try { engine = describeEngine(engineReport()); } catch { /* engine report is informational */ }
    writeFileAtomic(path.join(dir, "run.json"), JSON.stringify({ engine, data: data.describe, resumedFrom: options.resume ? trainer.step : null }, null, 2) + "\n");

    const write = (line: MetricsLine) => {
      fs.appendFileSync(metricsFile, JSON.stringify(line) + "\n");
      options.hooks?.onMetrics?.(line);
    };
    const progress = new Progress(config.steps, options.progress);
    const tokensPerStep = config.batchSize * config.model.seqLen;
    const t0 = Date.now();
    const startStep = trainer.step;
    let last: Extract<MetricsLine, { split: "train" }> | null = null;
    let lastVal: number | null = null;
    while (trainer.step < config.steps) {
      // Yields to the event loop between steps (live progress reaches a notebook) and stops with KeyboardInterrupt
      // when a notebook cell is interrupted; the last checkpoint stays, so --resume continues from it.
      await checkInterrupt();
      last = trainer.trainStep();
      const k = last.step;
      if (k % config.logEvery === 0 || k === config.steps) write(last);
      if ((config.evalEvery > 0 && k % config.evalEvery === 0) || k === config.steps) {
        lastVal = trainer.evaluate();
        write({ step: k, split: "val", loss: lastVal, tokens: last.tokens });
      }
      if (config.sampleEvery > 0 && k % config.sampleEvery === 0) await trainer.sample();
      if ((config.checkpointEvery > 0 && k % config.checkpointEvery === 0) || k === config.steps) trainer.saveCheckpoint();
      const secs = (Date.now() - t0) / 1000;
      progress.update(k, last.loss, secs > 0 ? ((k - startStep) * tokensPerStep) / secs : 0, lastVal);
    }
    progress.done();
    const secs = (Date.now() - t0) / 1000;
    return {
      step: trainer.step,
      lastTrainLoss: last?.loss ?? NaN,
      lastValLoss: lastVal,
      tokensPerSecond: secs > 0 ? ((trainer.step - startStep) * tokensPerStep) / secs : 0,
    };
  } finally {
    trainer.dispose();
  }
}
