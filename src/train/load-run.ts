// Loading a finished (or checkpointed) run folder for sampling and evaluation: the resolved config, the checkpoint's
// parameters, the objective's denoiser, ELBO scorer and sampler, the cluster map and the compact vocabulary's decoder.
import * as fs from "fs";
import * as path from "path";
import { tf } from "../engine/tf";
import { ModelConfig, checkModelConfig } from "../models/config";
import { Params, initParams, disposeParams } from "../models/params";
import { arForward } from "../models/transformer";
import { referenceRunModel } from "../models/mdlm-dit";
import { TimeSampler } from "../schedules/time-sampler";
import { makeMethod, objectiveClusters } from "../methods/registry";
import { ditDenoiser } from "../methods/denoiser";
import type { ElboScorer, MethodSamplerOptions, TokenBound } from "../methods/types";
import { ClusterMap } from "../vocab/cluster-map";
import { loadClusterMap } from "../vocab/cluster-map-io";
import { Denoiser, Sampler, SampleResult, StepCallback } from "../samplers/sampler";
import { scorerBound, type EvalModel } from "../eval/valid-ppl";
import { GPT2_EOT, GPT2_VOCAB_SIZE, gpt2Decode } from "../data/gpt2";
import { CompactVocab, loadCompactVocab } from "../data/compact-vocab";
import type { Corpus } from "../data/corpus";
import { TrainConfig, ObjectiveConfig, resolveConfig } from "./config";
import { readCheckpoint, restoreTensors } from "./checkpoint";
import { openTrainingData } from "./corpus-data";
import type { TokenData } from "./text-data";

/**
 * A run's token ids as GPT-2 text: the compact vocabulary the trainer saved in `<dir>/vocab.json` (src/data
 * `CompactVocab`), or raw GPT-2 ids for a run with `data.vocabSize` 50257 (which has no UNK; `unk` is then EOS).
 */
export class RunVocab {
  readonly size: number;
  readonly unk: number;
  /** The compact vocabulary (null for raw GPT-2 ids). */
  readonly compactVocab: CompactVocab | null;

  constructor(compactVocab: CompactVocab | null) {
    this.compactVocab = compactVocab;
    this.size = compactVocab?.size ?? GPT2_VOCAB_SIZE;
    this.unk = compactVocab?.unk ?? GPT2_EOT;
  }

  /** Id of a GPT-2 id (UNK if outside the vocabulary). */
  compact(gpt2Id: number): number {
    return this.compactVocab === null ? gpt2Id : this.compactVocab.toCompact[gpt2Id];
  }

  /** GPT-2 id of an id (−1 for UNK or ids outside the vocabulary). */
  gpt2(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) return -1;
    return this.compactVocab === null ? id : this.compactVocab.toGpt2[id];
  }

  /** Text of ids through GPT-2; UNK (and any id outside the vocabulary) decodes to `unk` (default "<|unk|>"). */
  decode(ids: ArrayLike<number>, unk = "<|unk|>"): string {
    let out = "";
    let run: number[] = [];
    const flush = () => {
      if (run.length > 0) out += gpt2Decode(run);
      run = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const g = this.gpt2(ids[i]);
      if (g < 0) {
        flush();
        out += unk;
      } else run.push(g);
    }
    flush();
    return out;
  }
}

/**
 * The vocabulary of run folder `dir`: `<dir>/vocab.json` as the trainer saved it (checked against the config's
 * `data.vocabSize`), or raw GPT-2 for a 50257-id run. Throws naming the file when it is missing or does not match.
 */
export function runVocabulary(dir: string, vocabSize: number): RunVocab {
  const file = path.join(dir, "vocab.json");
  if (!fs.existsSync(file)) {
    if (vocabSize === GPT2_VOCAB_SIZE) return new RunVocab(null);
    throw new Error(`run folder ${dir} has no vocab.json (the trainer writes the compact vocabulary there at the start of a run; retrain, or train with data from openTrainingData)`);
  }
  const v = loadCompactVocab(file);
  if (v.size !== vocabSize) throw new Error(`${file} holds a vocabulary of ${v.size} ids but the run's data.vocabSize is ${vocabSize}`);
  return new RunVocab(v);
}

/** Sampler settings a caller may choose (the rest come from the run's objective). */
export type RunSamplerOptions = MethodSamplerOptions;

/**
 * The ELBO scorer (validationPpl) and sampler of a diffusion objective over V real tokens (`clusters` for HDLM),
 * from the method registry. Throws for `ar`, which has an exact likelihood and no diffusion sampler.
 */
export function objectiveTools(objective: ObjectiveConfig, V: number, clusters: ClusterMap | null, sampler: RunSamplerOptions = {}): { scorer: ElboScorer; sampler: Sampler } {
  const m = makeMethod(objective, { vocabSize: V, clusters, times: TimeSampler.hdlm() });
  if (m.modelKind === "ar") throw new Error(`an ${m.kind} run has an exact likelihood (causal NLL) and no diffusion sampler or ELBO scorer`);
  if (m.scorer === null) throw new Error(`a ${m.kind} run's bound and sampler need its parameters (its network reads vectors): use a loaded run's bound() and sampler()`);
  return { scorer: m.scorer, sampler: m.sampler(sampler) };
}

/** A loaded run: config, parameters at the checkpoint's step, and the pieces to sample and evaluate it. */
export interface LoadedRun {
  /** The run folder as given. */
  readonly dir: string;
  readonly config: TrainConfig;
  /** Training step of the checkpoint. */
  readonly step: number;
  readonly model: ModelConfig;
  readonly params: Params;
  readonly modelKind: "dit" | "ar";
  /** V real tokens (MASK = V for diffusion runs). */
  readonly vocabSize: number;
  /** The cluster map (HDLM runs), from `<dir>/clusters.json`. */
  readonly clusters: ClusterMap | null;
  /** The DiT as a sampler's Denoiser (all positions real). Throws for AR runs. */
  denoiser(): Denoiser;
  /** The DiT as validationPpl's EvalModel. Throws for AR runs. */
  evalModel(): EvalModel;
  /** Causal logits [B, T, V] (AR runs only). */
  arLogits(tokens: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor3D;
  /** ELBO scorer and sampler of the objective (diffusion runs over noisy ids only: not Diffusion-LM or the hybrid). */
  tools(sampler?: RunSamplerOptions): { scorer: ElboScorer; sampler: Sampler };
  /** The likelihood bound per token at given times (every diffusion run), and its name. */
  bound(): { name: string; bound: TokenBound };
  /** The objective's sampler over this run's parameters (every diffusion run). */
  sampler(options?: RunSamplerOptions): Sampler;
  /** The run's vocabulary (`<dir>/vocab.json`, saved by the trainer). */
  vocab(): RunVocab;
  /** The run's corpus and training/validation data through src/data (`openTrainingData`), in the run's vocabulary. */
  data(): Promise<{ corpus: Corpus; data: TokenData }>;
  /** Disposes the parameters. */
  dispose(): void;
}

/**
 * The resolved training config of a run folder that has reached its first checkpoint, without loading parameters.
 * Throws a one-line error naming the folder when it is missing, is not a run, or has no checkpoint yet.
 */
export function readRunConfig(dir: string): TrainConfig {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`run folder ${dir} does not exist (pass the runDir of a training run)`);
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) throw new Error(`${dir} is not a run folder: it has no config.json (train one with hdlm train --config <file>)`);
  let config: TrainConfig;
  try {
    config = resolveConfig(JSON.parse(fs.readFileSync(cfgFile, "utf8")));
  } catch (e) {
    throw new Error(`${cfgFile}: ${(e as Error).message}`);
  }
  if (!fs.existsSync(path.join(dir, "checkpoint.bin"))) throw new Error(`run folder ${dir} has no checkpoint.bin yet (training has not reached its first checkpoint)`);
  return config;
}

/**
 * Loads `<dir>/config.json` (validated) and `<dir>/checkpoint.bin` (checksummed) into a fresh model of the run's
 * objective. Throws a one-line error naming the folder when it is missing, is not a run, or has no checkpoint yet.
 */
export function loadRun(dir: string): LoadedRun {
  const config = readRunConfig(dir);
  const ckFile = path.join(dir, "checkpoint.bin");
  const V = config.data.vocabSize;
  let clusters: ClusterMap | null = null;
  const numClusters = objectiveClusters(config.objective);
  if (numClusters > 0) {
    const cf = path.join(dir, "clusters.json");
    if (!fs.existsSync(cf)) throw new Error(`${config.objective.kind} run folder ${dir} has no clusters.json (the trainer writes it at the start of a run)`);
    clusters = loadClusterMap(cf, { vocabSize: V, numClusters });
  }
  const sizes = makeMethod(config.objective, { vocabSize: V, clusters, times: TimeSampler.hdlm() });
  const model = checkModelConfig({ ...config.model, inputSize: sizes.inputSize, outputSize: sizes.outputSize });
  const ck = readCheckpoint(ckFile);
  // mdlm's DiT in the reference layout (an imported time-conditioned checkpoint), else null: hdlm-lab's own DiT.
  const m = config.model;
  const ref = referenceRunModel(ck, { vocabSize: V + 1, hidden: m.hidden, blocks: m.layers, heads: m.heads, condDim: m.condDim, mlpRatio: m.mlpRatio, seqLen: m.seqLen }, config.objective.kind, ckFile);
  const params = ref?.params ?? initParams(model, sizes.modelKind, config.seed);
  try {
    if (ref === null) sizes.initParams(params); // a method's own extra parameters (then every one is restored)
    if (ref === null) restoreTensors(ck, "param", params, ckFile);
  } catch (e) {
    disposeParams(params);
    throw e;
  }
  const step = typeof ck.meta.step === "number" ? ck.meta.step : 0;
  const needDit = (what: string) => {
    if (sizes.modelKind !== "dit") throw new Error(`${what}: run ${dir} is an ar run (a causal model), not a diffusion run`);
  };
  let vocab: RunVocab | null = null;
  let data: Promise<{ corpus: Corpus; data: TokenData }> | null = null;
  const getVocab = (): RunVocab => (vocab ??= runVocabulary(dir, V));
  return {
    dir,
    config,
    step,
    model,
    params,
    modelKind: sizes.modelKind,
    vocabSize: V,
    clusters,
    denoiser() {
      needDit("denoiser");
      const f = ref?.denoiser ?? ditDenoiser(params, model);
      return (tokens, t) => f(tokens, t);
    },
    evalModel() {
      needDit("evalModel");
      return ref?.evalModel ?? ditDenoiser(params, model);
    },
    arLogits(tokens, mask) {
      if (sizes.modelKind !== "ar") throw new Error(`arLogits: run ${dir} is a ${config.objective.kind} run, not an ar run`);
      return arForward(params, model, tokens, mask);
    },
    tools(sampler = {}) {
      needDit("tools");
      return objectiveTools(config.objective, V, clusters, sampler);
    },
    bound() {
      needDit("bound");
      if (sizes.direct !== undefined) return sizes.direct(params, model);
      const scorer = objectiveTools(config.objective, V, clusters).scorer;
      return { name: scorer.name, bound: scorerBound(this.evalModel(), scorer) };
    },
    sampler(options = {}) {
      needDit("sampler");
      return sizes.direct !== undefined ? sizes.direct(params, model).sampler(options) : objectiveTools(config.objective, V, clusters, options).sampler;
    },
    vocab() {
      return getVocab();
    },
    data() {
      if (data === null) {
        const v = getVocab().compactVocab;
        data = openTrainingData(config.data, model.seqLen, { onProgress: null, ...(v !== null ? { vocab: v } : {}) });
      }
      return data;
    },
    dispose() {
      disposeParams(params);
    },
  };
}

/** Options of {@link sampleRun}. */
export interface SampleRunOptions extends RunSamplerOptions {
  /** Number of samples (default 4). */
  n?: number;
  /** Sequence length (default the model's seqLen). */
  length?: number;
  /** Seed of every draw (default 0). */
  seed?: number;
  /** Sees every intermediate state. */
  onStep?: StepCallback;
}

/** Draws `n` samples from a diffusion run with its objective's sampler (the DiT denoiser, all MASK start). */
export function sampleRun(run: LoadedRun, options: SampleRunOptions = {}): SampleResult & { sampler: string } {
  const sampler = run.sampler({ steps: options.steps, temperature: options.temperature, minP: options.minP });
  const length = options.length ?? run.model.seqLen;
  if (!Number.isInteger(length) || length < 1 || length > run.model.seqLen) throw new RangeError(`length must be an integer in [1, ${run.model.seqLen}] (the model's seqLen), got ${length}`);
  const r = sampler.sample(run.denoiser(), { batch: options.n ?? 4, length, seed: options.seed ?? 0, onStep: options.onStep });
  return { ...r, sampler: sampler.name };
}
