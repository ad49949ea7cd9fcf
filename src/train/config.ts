// Typed, validated training configs: a JSON file whose fields override a named preset (tiny, cpu, small).
// Unknown or ill-typed fields are errors naming the field path and the fix; objectives are a discriminated union.
import * as fs from "fs";
import { MODEL_PRESETS, MODEL_ARCHS, ModelPresetName, type ModelArch } from "../models/config";
import type { ModelConfig } from "../models/config";
import { DEFAULT_OPTIM, OptimConfig } from "./optimizer";
import type { TimeSamplingMethod } from "../schedules/time-sampler";
import { OBJECTIVE_KINDS, parseObjective, type ObjectiveConfig } from "../methods/registry";
import { ConfigError, fail, show, object, integer, number, oneOf, string, opt } from "../util/validate";
export { OBJECTIVE_KINDS };

export type { ArObjective, MdlmObjective, HdlmObjective, GiddObjective, ObjectiveConfig } from "../methods";
/**
 * Training text read through src/data (`openCorpus`; see src/train/corpus-data.ts `openTrainingData`): OpenWebText
 * files or folders, GPT-2 tokenised into the token cache, split by document hash, mapped to a compact vocabulary.
 */
export interface OpenWebTextData {
  kind: "openwebtext";
  /** Data files or folders (relative to the working directory); any format src/data reads (.jsonl[.gz], .tar, ...). */
  files: string[];
  /**
   * Total vocabulary size V: the compact vocabulary (id 0 = EOS/BOS, 1 … V−2 the most frequent GPT-2 ids of the
   * training split, V − 1 = UNK); 50257 keeps raw GPT-2 ids.
   */
  vocabSize: number;
  /** Use only the first maxDocs documents of the files (0 = all). */
  maxDocs: number;
  /** Fraction of documents held out for validation, chosen by text hash (src/data `validationFraction`). */
  valFraction: number;
}

export type DataConfig = OpenWebTextData;

/** Model sizes in a training config: a ModelConfig without the vocabulary widths (they come from the data and objective). */
export type TrainModelConfig = Omit<ModelConfig, "inputSize" | "outputSize">;

/** Named training presets. */
export type TrainPresetName = "tiny" | "cpu" | "small";

/** A fully resolved training config (what is written to `<runDir>/config.json`). */
export interface TrainConfig {
  preset: TrainPresetName;
  /** Seeds the init, the data order and every random draw (each step's draws depend only on seed and step). */
  seed: number;
  runDir: string;
  /** Total optimiser updates. */
  steps: number;
  batchSize: number;
  /**
   * Sequences per forward/backward pass (gradient accumulation over batchSize / microBatch passes; 0 = the whole
   * batch). Bounds activation memory (wasm's heap stops at 4 GB). Each micro-batch draws its own low-discrepancy t.
   */
  microBatch: number;
  model: TrainModelConfig;
  objective: ObjectiveConfig;
  data: DataConfig;
  optim: OptimConfig;
  /** t sampling for diffusion objectives (hdlm.md §4): one shared offset over the batch, MDLM's stratified, or i.i.d. */
  timeSampling: TimeSamplingMethod;
  /** t is rescaled to [tEps, 1 − tEps] (hdlm.md §4). */
  tEps: number;
  /** Write a train metrics line every `logEvery` steps. */
  logEvery: number;
  /** Validate every `evalEvery` steps (0 = only at the end). */
  evalEvery: number;
  /** Validation batches per evaluation. */
  evalBatches: number;
  /** Checkpoint every `checkpointEvery` steps (0 = only at the end). */
  checkpointEvery: number;
  /** Call the samples hook every `sampleEvery` steps (0 = never). */
  sampleEvery: number;
  /** A trained run folder whose parameters a fresh run starts from (`--init`; required by R2FT; src/train/init.ts). */
  init?: string;
}

type Overrides = Omit<TrainConfig, "preset" | "model" | "optim" | "objective" | "data" | "runDir"> & {
  optim: Partial<OptimConfig>;
  data: Omit<OpenWebTextData, "kind">;
};

/** The bundled OpenWebText files the cpu and small presets train on (subset 003 is the tiny preset's). */
const OWT_TRAIN_FILES = ["data/openwebtext/owt-subset-000.jsonl.gz", "data/openwebtext/owt-subset-001.jsonl.gz", "data/openwebtext/owt-subset-002.jsonl.gz", "data/openwebtext/owt-subset-004.jsonl.gz"];

/** Preset defaults: model sizes from hdlm.md §8.1, step counts and warmup scaled down for CPU (hdlm.md §8.2). */
export const TRAIN_PRESETS: Record<TrainPresetName, { model: ModelPresetName } & Overrides> = {
  tiny: {
    model: "tiny", seed: 0, steps: 200, batchSize: 8, microBatch: 0, optim: { lr: 3e-3, warmupSteps: 10 },
    data: { files: ["data/openwebtext/owt-subset-003.jsonl.gz"], vocabSize: 512, maxDocs: 0, valFraction: 0.1 },
    timeSampling: "low-discrepancy", tEps: 1e-4, logEvery: 1, evalEvery: 50, evalBatches: 2, checkpointEvery: 50, sampleEvery: 0,
  },
  cpu: {
    // Two passes of 8 sequences: the HDLM step at batch 16 x 128 with V = 8192 exceeds wasm's 4 GB heap in one pass.
    model: "cpu", seed: 0, steps: 5000, batchSize: 16, microBatch: 8, optim: { warmupSteps: 200 },
    data: {
      files: [...OWT_TRAIN_FILES],
      vocabSize: 8192, maxDocs: 0, valFraction: 0.05,
    },
    timeSampling: "low-discrepancy", tEps: 1e-4, logEvery: 10, evalEvery: 250, evalBatches: 8, checkpointEvery: 250, sampleEvery: 0,
  },
  small: {
    model: "small", seed: 0, steps: 1000000, batchSize: 512, microBatch: 32, optim: { warmupSteps: 10000 },
    data: {
      files: [...OWT_TRAIN_FILES],
      vocabSize: 50257, maxDocs: 0, valFraction: 0.05,
    },
    timeSampling: "low-discrepancy", tEps: 1e-4, logEvery: 100, evalEvery: 10000, evalBatches: 32, checkpointEvery: 10000, sampleEvery: 0,
  },
};

const TOP = ["preset", "seed", "runDir", "steps", "batchSize", "microBatch", "model", "objective", "data", "optim", "timeSampling", "tEps", "logEvery", "evalEvery", "evalBatches", "checkpointEvery", "sampleEvery", "init"] as const;

/**
 * Validates a raw config object (parsed JSON) and resolves it against its preset. Every error names the field path
 * (e.g. `config.optim.lr must be a number in (0, 1], got "1e-3"`). `source` names the root of the paths.
 * A missing `preset` means "tiny".
 */
export function resolveConfig(raw: unknown, source = "config"): TrainConfig {
  try {
    const o = object(raw, source, TOP);
    const preset = oneOf(o.preset ?? "tiny", `${source}.preset`, ["tiny", "cpu", "small"] as const);
    const P = TRAIN_PRESETS[preset];
    const mp = { ...MODEL_PRESETS[P.model], auxClusters: 0 };
    const mo = o.model === undefined ? {} : object(o.model, `${source}.model`, [...Object.keys(mp), "arch", "conditioning"]);
    const mpath = `${source}.model`;
    const model: TrainModelConfig = {
      hidden: opt(mo, "hidden", mpath, mp.hidden, (v, p) => integer(v, p, 1)),
      layers: opt(mo, "layers", mpath, mp.layers, (v, p) => integer(v, p, 1)),
      heads: opt(mo, "heads", mpath, mp.heads, (v, p) => integer(v, p, 1)),
      condDim: opt(mo, "condDim", mpath, mp.condDim, (v, p) => integer(v, p, 1)),
      seqLen: opt(mo, "seqLen", mpath, mp.seqLen, (v, p) => integer(v, p, 2)),
      mlpRatio: opt(mo, "mlpRatio", mpath, mp.mlpRatio, (v, p) => integer(v, p, 1)),
      auxClusters: opt(mo, "auxClusters", mpath, mp.auxClusters, (v, p) => integer(v, p, 0)),
    };
    // The network: hdlm-lab's DiT unless model.arch says mdlm-dit (then its conditioning too; both left out otherwise,
    // so configs of earlier runs resolve exactly as before).
    const arch = opt(mo, "arch", mpath, "hdlm-dit" as ModelArch, (v, p) => oneOf(v, p, MODEL_ARCHS));
    if (arch === "mdlm-dit") {
      model.arch = arch;
      model.conditioning = opt(mo, "conditioning", mpath, "none" as const, (v, p) => oneOf(v, p, ["none", "sigma", "t"] as const));
    } else if (mo.conditioning !== undefined) fail(`${mpath}.conditioning`, `applies to model.arch "mdlm-dit" only; remove it or set model.arch`);
    if (model.hidden % model.heads !== 0 || (model.hidden / model.heads) % 2 !== 0) {
      fail(`${mpath}.heads`, `must divide model.hidden (${model.hidden}) into an even head width, got ${model.heads}`);
    }
    const op = { ...DEFAULT_OPTIM, ...P.optim };
    const oo = o.optim === undefined ? {} : object(o.optim, `${source}.optim`, Object.keys(DEFAULT_OPTIM));
    const opath = `${source}.optim`;
    const optim: OptimConfig = {
      lr: opt(oo, "lr", opath, op.lr, (v, p) => number(v, p, 0, 1, true)),
      beta1: opt(oo, "beta1", opath, op.beta1, (v, p) => number(v, p, 0, 0.999999)),
      beta2: opt(oo, "beta2", opath, op.beta2, (v, p) => number(v, p, 0, 0.999999)),
      eps: opt(oo, "eps", opath, op.eps, (v, p) => number(v, p, 0, 1, true)),
      weightDecay: opt(oo, "weightDecay", opath, op.weightDecay, (v, p) => number(v, p, 0, 1)),
      clipNorm: opt(oo, "clipNorm", opath, op.clipNorm, (v, p) => number(v, p, 0, 1e6)),
      warmupSteps: opt(oo, "warmupSteps", opath, op.warmupSteps, (v, p) => integer(v, p, 0)),
      minLrRatio: opt(oo, "minLrRatio", opath, op.minLrRatio, (v, p) => number(v, p, 0, 1)),
    };
    const dpath = `${source}.data`;
    const dp = P.data;
    const dobj = o.data === undefined ? { kind: "openwebtext" } : object(o.data, dpath, ["kind", "files", "vocabSize", "maxDocs", "valFraction"]);
    const dkind = oneOf(dobj.kind ?? "openwebtext", `${dpath}.kind`, ["openwebtext"] as const);
    const data: DataConfig = {
      kind: dkind,
      files: opt(dobj, "files", dpath, dp.files, (v, p) => {
        if (!Array.isArray(v) || v.length === 0) fail(p, `must be a non-empty array of file paths, got ${show(v)}`);
        return v.map((f, i) => string(f, `${p}[${i}]`));
      }),
      vocabSize: opt(dobj, "vocabSize", dpath, dp.vocabSize, (v, p) => {
        const n = integer(v, p, 3);
        if (n > 50257) fail(p, `must be at most 50257 (the GPT-2 vocabulary; 50257 = raw GPT-2 ids), got ${n}`);
        return n;
      }),
      maxDocs: opt(dobj, "maxDocs", dpath, dp.maxDocs, (v, p) => integer(v, p, 0)),
      valFraction: opt(dobj, "valFraction", dpath, dp.valFraction, (v, p) => number(v, p, 0, 0.9, true)),
    };
    if (o.objective === undefined) fail(`${source}.objective`, `is required: an object like {"kind": "ar"} (kinds: ${OBJECTIVE_KINDS.join(", ")})`);
    const cfg: TrainConfig = {
      preset,
      seed: opt(o, "seed", source, P.seed, (v, p) => integer(v, p, 0)),
      runDir: opt(o, "runDir", source, `runs/${preset}`, string),
      steps: opt(o, "steps", source, P.steps, (v, p) => integer(v, p, 1)),
      batchSize: opt(o, "batchSize", source, P.batchSize, (v, p) => integer(v, p, 1)),
      microBatch: opt(o, "microBatch", source, P.microBatch, (v, p) => integer(v, p, 0)),
      model,
      objective: parseObjective(o.objective, `${source}.objective`),
      data,
      optim,
      timeSampling: opt(o, "timeSampling", source, P.timeSampling, (v, p) => oneOf(v, p, ["low-discrepancy", "stratified", "iid"] as const)),
      tEps: opt(o, "tEps", source, P.tEps, (v, p) => number(v, p, 0, 0.1)),
      logEvery: opt(o, "logEvery", source, P.logEvery, (v, p) => integer(v, p, 1)),
      evalEvery: opt(o, "evalEvery", source, P.evalEvery, (v, p) => integer(v, p, 0)),
      evalBatches: opt(o, "evalBatches", source, P.evalBatches, (v, p) => integer(v, p, 1)),
      checkpointEvery: opt(o, "checkpointEvery", source, P.checkpointEvery, (v, p) => integer(v, p, 0)),
      sampleEvery: opt(o, "sampleEvery", source, P.sampleEvery, (v, p) => integer(v, p, 0)),
    };
    if (o.init !== undefined) cfg.init = string(o.init, `${source}.init`);
    if (cfg.objective.kind === "r2ft" && cfg.init === undefined) fail(`${source}.init`, `is required for objective r2ft: the run folder of a trained mdlm or hdlm run (hdlm train --config <file> --init runs/<dir>)`);
    if (cfg.microBatch > 0 && cfg.batchSize % cfg.microBatch !== 0) {
      fail(`${source}.microBatch`, `must divide batchSize (${cfg.batchSize}), got ${cfg.microBatch}`);
    }
    return cfg;
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(e.message);
    throw e;
  }
}

/** Reads a JSON config file and resolves it (`overrides.init` replaces its init); errors name the file and the field. */
export function loadConfig(file: string, overrides: { init?: string } = {}): TrainConfig {
  if (!fs.existsSync(file)) throw new Error(`config file ${file} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (overrides.init !== undefined && typeof raw === "object" && raw !== null) raw = { ...raw, init: overrides.init };
  try {
    return resolveConfig(raw);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
