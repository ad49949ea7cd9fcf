// Loading a finished (or checkpointed) run folder for sampling and evaluation: the resolved config, the checkpoint's
// parameters, the objective's denoiser, ELBO scorer and sampler, the cluster map and the compact vocabulary's decoder.
import * as fs from "fs";
import * as path from "path";
import { getEncoding } from "js-tiktoken";
import { tf } from "../engine/tf";
import { ModelConfig, checkModelConfig } from "../models/config";
import { Params, initParams, disposeParams } from "../models/params";
import { arForward, ditForward } from "../models/transformer";
import { HierarchicalSchedule } from "../schedules/hierarchical";
import { LogLinearSchedule } from "../schedules/log-linear";
import { ClusterMap } from "../vocab/cluster-map";
import { loadClusterMap } from "../vocab/cluster-map-io";
import { Denoiser, Sampler, SampleResult, StepCallback } from "../samplers/sampler";
import { MdlmSampler } from "../samplers/mdlm-sampler";
import { HdlmSampler } from "../samplers/hdlm-sampler";
import { GiddSampler } from "../samplers/gidd-sampler";
import { ElboScorer, EvalModel, hdlmElboScorer, mdlmElboScorer, giddElboScorer } from "../eval/valid-ppl";
import { gpt2Decode } from "../data/gpt2";
import { writeFileAtomic } from "../util/fs";
import { TrainConfig, ObjectiveConfig, OpenWebTextData, resolveConfig } from "./config";
import { objectiveSizes, giddSchedule } from "./objectives";
import { readCheckpoint, restoreTensors } from "./checkpoint";
import { StreamData, loadOpenWebText, readJsonlGz, compactVocab } from "./text-data";

/** GPT-2 id of <|endoftext|>. */
const GPT2_EOT = 50256;

/**
 * The trainer's compact vocabulary (src/train/text-data.ts `compactVocab`): id i < V − 1 is the GPT-2 id `gpt2Ids[i]`
 * (by training frequency), V − 1 is UNK. Maps both ways and decodes through GPT-2.
 */
export class RunVocab {
  readonly size: number;
  readonly unk: number;
  readonly gpt2Ids: Int32Array;
  private readonly toCompact = new Map<number, number>();

  constructor(gpt2Ids: ArrayLike<number>, size: number) {
    if (gpt2Ids.length > size - 1) throw new Error(`vocabulary lists ${gpt2Ids.length} GPT-2 ids, more than size - 1 = ${size - 1}`);
    this.size = size;
    this.unk = size - 1;
    this.gpt2Ids = Int32Array.from(gpt2Ids);
    this.gpt2Ids.forEach((g, i) => this.toCompact.set(g, i));
  }

  /** Compact id of a GPT-2 id (UNK if outside the vocabulary). */
  compact(gpt2Id: number): number {
    return this.toCompact.get(gpt2Id) ?? this.unk;
  }

  /** GPT-2 id of a compact id (−1 for UNK or ids the training data never filled). */
  gpt2(id: number): number {
    return id >= 0 && id < this.gpt2Ids.length ? this.gpt2Ids[id] : -1;
  }

  /** Text of compact ids; UNK decodes to `unk` (default "<|unk|>"). */
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

/** The documents of the training split of `data` (as loadOpenWebText splits them: the last valFraction is validation). */
function trainingDocuments(data: OpenWebTextData): string[] {
  const docs: string[] = [];
  for (const f of data.files) {
    const left = data.maxDocs === 0 ? 0 : data.maxDocs - docs.length;
    if (data.maxDocs !== 0 && left <= 0) break;
    docs.push(...readJsonlGz(f, left));
  }
  const nVal = Math.max(1, Math.round(docs.length * data.valFraction));
  return docs.slice(0, docs.length - nVal);
}

/**
 * The compact vocabulary a run trained on, rebuilt from `config.data` exactly as loadOpenWebText builds it (the
 * V − 1 most frequent GPT-2 ids of the training split), and cached as `<dir>/vocab.json`.
 */
export function runVocabulary(dir: string, data: OpenWebTextData): RunVocab {
  const file = path.join(dir, "vocab.json");
  if (fs.existsSync(file)) {
    const o = JSON.parse(fs.readFileSync(file, "utf8")) as { size?: unknown; gpt2Ids?: unknown };
    if (o.size === data.vocabSize && Array.isArray(o.gpt2Ids)) return new RunVocab(o.gpt2Ids as number[], data.vocabSize);
  }
  const enc = getEncoding("gpt2");
  const ids: number[] = [];
  for (const d of trainingDocuments(data)) {
    for (const id of enc.encode(d)) ids.push(id);
    ids.push(GPT2_EOT);
  }
  const { kept } = compactVocab([Int32Array.from(ids)], data.vocabSize);
  writeFileAtomic(file, JSON.stringify({ size: data.vocabSize, note: "compact id i = GPT-2 id gpt2Ids[i]; id size-1 = UNK", gpt2Ids: Array.from(kept) }) + "\n");
  return new RunVocab(kept, data.vocabSize);
}

/** Sampler settings a caller may choose (the rest come from the run's objective). */
export interface RunSamplerOptions {
  /** Stochastic steps (default 128). */
  steps?: number;
  temperature?: number;
  minP?: number;
}

/**
 * The ELBO scorer (validationPpl) and sampler of a diffusion objective over V real tokens (`clusters` for HDLM).
 * Throws for `ar`, which has an exact likelihood and no diffusion sampler.
 */
export function objectiveTools(objective: ObjectiveConfig, V: number, clusters: ClusterMap | null, sampler: RunSamplerOptions = {}): { scorer: ElboScorer; sampler: Sampler } {
  const o = objective;
  switch (o.kind) {
    case "mdlm": {
      const schedule = new LogLinearSchedule();
      return { scorer: mdlmElboScorer({ schedule, vocabSize: V }), sampler: new MdlmSampler({ vocabSize: V, ...sampler }) };
    }
    case "hdlm": {
      if (clusters === null) throw new Error("an hdlm objective needs its cluster map");
      const schedule = new HierarchicalSchedule({ gamma: o.gamma });
      return { scorer: hdlmElboScorer({ schedule, clusters, xi: o.xi }), sampler: new HdlmSampler({ schedule, clusters, xi: o.xi, ...sampler }) };
    }
    case "gidd": {
      const schedule = giddSchedule(o);
      return { scorer: giddElboScorer({ schedule, vocabSize: V }), sampler: new GiddSampler({ schedule, vocabSize: V, ...sampler }) };
    }
    case "ar":
      throw new Error("an ar run has an exact likelihood (causal NLL) and no diffusion sampler or ELBO scorer");
    default: {
      const never: never = o;
      throw new Error(`objective ${JSON.stringify(never)} has no sampler`);
    }
  }
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
  /** ELBO scorer and sampler of the objective (diffusion runs only). */
  tools(sampler?: RunSamplerOptions): { scorer: ElboScorer; sampler: Sampler };
  /** The compact vocabulary (rebuilt from the data files once, then cached in `<dir>/vocab.json`). */
  vocab(): RunVocab;
  /** The run's training/validation data (loadOpenWebText of `config.data`). */
  data(): StreamData;
  /** Disposes the parameters. */
  dispose(): void;
}

/**
 * Loads `<dir>/config.json` (validated) and `<dir>/checkpoint.bin` (checksummed) into a fresh model of the run's
 * objective. Throws a one-line error naming the folder when it is missing, is not a run, or has no checkpoint yet.
 */
export function loadRun(dir: string): LoadedRun {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`run folder ${dir} does not exist (pass the runDir of a training run)`);
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) throw new Error(`${dir} is not a run folder: it has no config.json (train one with hdlm train --config <file>)`);
  let config: TrainConfig;
  try {
    config = resolveConfig(JSON.parse(fs.readFileSync(cfgFile, "utf8")));
  } catch (e) {
    throw new Error(`${cfgFile}: ${(e as Error).message}`);
  }
  const ckFile = path.join(dir, "checkpoint.bin");
  if (!fs.existsSync(ckFile)) throw new Error(`run folder ${dir} has no checkpoint.bin yet (training has not reached its first checkpoint)`);
  const V = config.data.vocabSize;
  let clusters: ClusterMap | null = null;
  if (config.objective.kind === "hdlm") {
    const cf = path.join(dir, "clusters.json");
    if (!fs.existsSync(cf)) throw new Error(`hdlm run folder ${dir} has no clusters.json (the trainer writes it at the start of a run)`);
    clusters = loadClusterMap(cf, { vocabSize: V, numClusters: config.objective.numClusters });
  }
  const sizes = objectiveSizes(config.objective.kind, V, clusters?.numClusters ?? 0);
  const model = checkModelConfig({ ...config.model, inputSize: sizes.inputSize, outputSize: sizes.outputSize });
  const ck = readCheckpoint(ckFile);
  const params = initParams(model, sizes.modelKind, config.seed);
  try {
    restoreTensors(ck, "param", params, ckFile);
  } catch (e) {
    disposeParams(params);
    throw e;
  }
  const step = typeof ck.meta.step === "number" ? ck.meta.step : 0;
  const needDit = (what: string) => {
    if (sizes.modelKind !== "dit") throw new Error(`${what}: run ${dir} is an ar run (a causal model), not a diffusion run`);
  };
  let vocab: RunVocab | null = null;
  let data: StreamData | null = null;
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
      return (tokens, t) => ditForward(params, model, tokens, t, null).logits;
    },
    evalModel() {
      needDit("evalModel");
      return (z, t, pad) => ditForward(params, model, z, t, pad).logits;
    },
    arLogits(tokens, mask) {
      if (sizes.modelKind !== "ar") throw new Error(`arLogits: run ${dir} is a ${config.objective.kind} run, not an ar run`);
      return arForward(params, model, tokens, mask);
    },
    tools(sampler = {}) {
      needDit("tools");
      return objectiveTools(config.objective, V, clusters, sampler);
    },
    vocab() {
      vocab ??= runVocabulary(dir, config.data);
      return vocab;
    },
    data() {
      data ??= loadOpenWebText(config.data);
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
  const { sampler } = run.tools({ steps: options.steps, temperature: options.temperature, minP: options.minP });
  const length = options.length ?? run.model.seqLen;
  if (!Number.isInteger(length) || length < 1 || length > run.model.seqLen) throw new RangeError(`length must be an integer in [1, ${run.model.seqLen}] (the model's seqLen), got ${length}`);
  const r = sampler.sample(run.denoiser(), { batch: options.n ?? 4, length, seed: options.seed ?? 0, onStep: options.onStep });
  return { ...r, sampler: sampler.name };
}
