// Imported reference DiTs as hdlm-lab run folders, and run folders back to the reference's .safetensors.
//
// A run folder (src/train/load-run.ts) is config.json (an mdlm objective over raw GPT-2 ids, MASK = 50257) and
// checkpoint.bin (hdlm-lab's DiT layout, src/models/params.ts). mdlm's released DiT is not time-conditioned (sigma = 0
// always), so its first time layer folds into a bias (src/models/mdlm-dit.ts `toHdlmDitParams`) and the run samples and
// evaluates through hdlm-lab's own DiT, unchanged. The two reference tensors the fold replaces are kept in
// checkpoint.bin under `mdlm/`, so export restores the file parameter for parameter.
import * as fs from "fs";
import * as path from "path";
import { tf } from "../engine/tf";
import { writeCheckpoint, readCheckpoint, CheckpointData } from "../train/checkpoint";
import { resolveConfig, TrainConfig } from "../train/config";
import { GPT2_VOCAB_SIZE } from "../data/gpt2";
import { writeFileAtomic } from "../util/fs";
import { MdlmDitConfig, HostTensors, toHdlmDitParams, fromHdlmDitParams, foldSigmaZero, mdlmDitBuffers, mdlmDitLayout, MDLM_FREQ_DIM, referenceRunModel, referenceLayout as modelsReferenceLayout, type ReferenceRunModel } from "../models/mdlm-dit";
import { ImportedMdlm } from "./mdlm-import";
import { writeSafetensors, F32Tensor } from "./safetensors";

/** Names in checkpoint.bin of the reference tensors a fold replaced. */
const KEPT = ["sigma_map.mlp.0.weight", "sigma_map.mlp.0.bias"] as const;

/** What {@link writeImportedRun} wrote. */
export interface ImportedRunSummary {
  dir: string;
  config: TrainConfig;
  parameters: number;
}

/** Options of {@link writeImportedRun}. */
export interface ImportedRunOptions {
  /** Overwrite a folder that already holds a run. */
  force?: boolean;
  seed?: number;
  /**
   * "hdlm" (default): checkpoint.bin in hdlm-lab's DiT layout, which load-run reads today (conditioning none or t).
   * "reference": mdlm's names and shapes (`param/vocab_embed.embedding`, ...; meta.layout "reference"), which
   * load-run reads through src/models/mdlm-dit.ts `referenceRunModel`; the only layout for a time-conditioned
   * (sigma) model.
   */
  layout?: "hdlm" | "reference";
}

/**
 * Writes `imp` as the run folder `dir` (config.json, checkpoint.bin, import.json) for `hdlm sample` and `hdlm eval`.
 * Refuses a vocabulary other than GPT-2 + MASK (50258), a time-conditioned model in the hdlm layout (see
 * toHdlmDitParams) and a folder that already holds a run unless `force`.
 */
export function writeImportedRun(imp: ImportedMdlm, dir: string, options: ImportedRunOptions = {}): ImportedRunSummary {
  const layout = options.layout ?? "hdlm";
  const c = imp.config;
  const file = imp.source.file;
  if (c.vocabSize !== GPT2_VOCAB_SIZE + 1) {
    throw new Error(`${file}: the model has ${c.vocabSize} ids; hdlm-lab runs read raw GPT-2 ids with MASK = ${GPT2_VOCAB_SIZE} (${GPT2_VOCAB_SIZE + 1} ids), so it cannot become a run folder`);
  }
  if (c.conditioning === "sigma" && layout === "hdlm") {
    throw new Error(`${file}: a time-conditioned (time_conditioning=True) reference DiT is fed sigma(t), which hdlm-lab's run DiT (fed t) cannot express; it needs the reference layout, which hdlm sample and eval load`);
  }
  if (fs.existsSync(path.join(dir, "config.json")) && !options.force) throw new Error(`${dir} already holds a run (config.json); pass --force to overwrite it`);
  const raw = {
    preset: "small",
    seed: options.seed ?? 0,
    runDir: dir,
    steps: 1,
    model: { hidden: c.hidden, layers: c.blocks, heads: c.heads, condDim: c.condDim, seqLen: c.seqLen, mlpRatio: c.mlpRatio, auxClusters: 0 },
    objective: { kind: "mdlm" },
    data: { vocabSize: GPT2_VOCAB_SIZE },
  };
  const config = resolveConfig(raw, "imported config");
  const stored = layout === "hdlm" ? toHdlmDitParams(imp.weights, c) : imp.weights;
  const tensors: Record<string, tf.Tensor> = {};
  let n = 0;
  for (const [name, t] of stored) {
    tensors[`param/${name}`] = tf.tensor(t.data, t.shape, "float32");
    n += t.data.length;
  }
  if (layout === "hdlm" && c.conditioning === "none") {
    for (const k of KEPT) {
      const t = imp.weights.get(k)!;
      tensors[`mdlm/${k}`] = tf.tensor(t.data, t.shape, "float32");
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  // --force: files of an earlier run that would change how this one loads (its vocabulary, its clusters)
  for (const stale of ["vocab.json", "clusters.json"]) fs.rmSync(path.join(dir, stale), { force: true });
  try {
    writeFileAtomic(path.join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
    writeCheckpoint(path.join(dir, "checkpoint.bin"), tensors, { step: 0, importedFrom: path.basename(file), arch: "mdlm-dit", layout, conditioning: c.conditioning, ema: imp.source.ema });
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  const provenance = {
    arch: "mdlm-dit",
    source: path.resolve(file),
    format: imp.source.format,
    keyPrefix: imp.source.prefix,
    ema: imp.source.ema,
    reference: { vocab_size: c.vocabSize, hidden_size: c.hidden, n_blocks: c.blocks, n_heads: c.heads, cond_dim: c.condDim, mlp_ratio: c.mlpRatio, model_length: c.seqLen, time_conditioning: c.conditioning === "sigma", conditioning: c.conditioning },
    layout,
    inferred: imp.source.inferred,
    ignored: imp.source.ignored,
    tokenizer: "gpt2",
    maskId: GPT2_VOCAB_SIZE,
    note: layout === "reference" ? "checkpoint.bin holds mdlm's DiT in the reference layout (param/<reference name>), loaded by mdlmRunModel" : c.conditioning === "none" ? "checkpoint.bin holds hdlm-lab's DiT layout with sigma_map.mlp.0 folded at sigma = 0 (time_conditioning=False); mdlm/* keeps the original tensors for hdlm export" : "checkpoint.bin holds hdlm-lab's DiT layout; its time embedding is fed t",
  };
  writeFileAtomic(path.join(dir, "import.json"), JSON.stringify(provenance, null, 2) + "\n");
  return { dir, config, parameters: n };
}

/** The conditioning of a reference-layout run checkpoint, else null (src/models/mdlm-dit.ts `referenceLayout`). */
export function referenceLayout(ck: CheckpointData, file: string): MdlmDitConfig["conditioning"] | null {
  return modelsReferenceLayout(ck, file);
}

/**
 * mdlm's DiT of a run checkpoint written in the reference layout (meta.layout "reference"): what load-run uses
 * (src/models/mdlm-dit.ts `referenceRunModel`) with the run's sizes from its config. Null for any other checkpoint.
 */
export function mdlmRunModel(ck: CheckpointData, config: TrainConfig, file: string): ReferenceRunModel | null {
  const { conditioning: _, ...sizes } = runMdlmConfig(config);
  return referenceRunModel(ck, sizes, config.objective.kind, file);
}

export function readRunConfig(dir: string): TrainConfig {
  const f = path.join(dir, "config.json");
  if (!fs.existsSync(f)) throw new Error(`${dir} is not a run folder: it has no config.json`);
  try {
    return resolveConfig(JSON.parse(fs.readFileSync(f, "utf8")));
  } catch (e) {
    throw new Error(`${f}: ${(e as Error).message}`);
  }
}

/** The reference config of an hdlm-lab mdlm run (V real tokens -> V + 1 ids with MASK last). */
export function runMdlmConfig(config: TrainConfig): MdlmDitConfig {
  const m = config.model;
  return { vocabSize: config.data.vocabSize + 1, hidden: m.hidden, blocks: m.layers, heads: m.heads, condDim: m.condDim, mlpRatio: m.mlpRatio, seqLen: m.seqLen, conditioning: "t" };
}

/** What {@link exportRun} wrote and how faithful it is. */
export interface ExportSummary {
  file: string;
  config: MdlmDitConfig;
  tensors: number;
  /** "restored": the imported reference tensors, bit for bit (or a reference-layout checkpoint); "folded": time layer folded at sigma = 0 (exact when the reference runs with time_conditioning=False); "time": hdlm-lab's t-conditioned time layer (exact when the reference is fed sigma := t). */
  timeLayer: "restored" | "folded" | "time";
  notes: string[];
}

/**
 * Writes the DiT of mdlm run `dir` as a .safetensors file of mdlm's DIT state_dict (names with `prefix`, default
 * "backbone." as in Lightning and the Hugging Face release; rotary_emb.inv_freq included) plus `<file>.json` with the
 * sizes in mdlm's config names. Throws one line naming the run for hdlm/gidd/ar runs and auxiliary heads.
 */
export function exportRun(dir: string, file: string, options: { prefix?: string } = {}): ExportSummary {
  const config = readRunConfig(dir);
  if (config.objective.kind !== "mdlm") throw new Error(`run ${dir} is a ${config.objective.kind} run; only mdlm runs are mdlm's DiT (hdlm and gidd change the vocabulary layout and the loss, ar is causal)`);
  if (config.model.auxClusters > 0) throw new Error(`run ${dir} has an auxiliary cluster head (model.auxClusters ${config.model.auxClusters}), which mdlm's DiT does not have`);
  const ckFile = path.join(dir, "checkpoint.bin");
  const ck = readCheckpoint(ckFile);
  let c = runMdlmConfig(config);
  const hd: HostTensors = new Map();
  for (const [name, t] of Object.entries(ck.tensors)) if (name.startsWith("param/")) hd.set(name.slice("param/".length), { shape: t.shape, data: t.data });
  const refCond = referenceLayout(ck, ckFile); // a reference-layout checkpoint: its tensors are the export
  const refLayout = refCond === null ? null : { config: { ...c, conditioning: refCond } };
  let ref: HostTensors;
  try {
    if (refLayout !== null) {
      c = refLayout.config;
      ref = new Map();
      for (const { name, shape } of mdlmDitLayout(c)) {
        const t = hd.get(name);
        if (t === undefined || t.shape.join(",") !== shape.join(",")) throw new Error(`lacks param/${name} with shape [${shape.join(", ")}]`);
        ref.set(name, t);
      }
    } else ref = fromHdlmDitParams(hd, c);
  } catch (e) {
    throw new Error(`${ckFile}: ${(e as Error).message}`);
  }
  const notes: string[] = [];
  let timeLayer: ExportSummary["timeLayer"] = "time";
  const w1 = hd.get("time.w1");
  if (refLayout !== null) {
    timeLayer = refLayout.config.conditioning === "t" ? "time" : "restored";
    if (refLayout.config.conditioning === "sigma") notes.push("time-conditioned: run it in mdlm with time_conditioning=True");
  } else if (w1 !== undefined && w1.data.every((v) => v === 0)) {
    timeLayer = "folded";
    c = { ...c, conditioning: "none" };
    const kw = ck.tensors[`mdlm/${KEPT[0]}`];
    const kb = ck.tensors[`mdlm/${KEPT[1]}`];
    if (kw !== undefined && kb !== undefined && kw.shape.join(",") === `${c.condDim},${MDLM_FREQ_DIM}`) {
      const fold = foldSigmaZero(kw, kb);
      const b1 = hd.get("time.b1")!.data;
      if (fold.every((v, i) => v === b1[i])) {
        ref.set(KEPT[0], { shape: kw.shape, data: kw.data });
        ref.set(KEPT[1], { shape: kb.shape, data: kb.data });
        timeLayer = "restored";
      }
    }
    if (timeLayer === "folded") notes.push("sigma_map.mlp.0 is folded at sigma = 0 (weight 0): exact for mdlm with time_conditioning=False");
  } else {
    notes.push("this DiT was trained in hdlm-lab, which feeds t in [0, 1] to the time embedding where mdlm feeds sigma(t): the reference reproduces it when fed sigma := t (mdlm's time_conditioning=True feeds -log(1 - (1 - eps) t) instead)");
  }
  const prefix = options.prefix ?? "backbone.";
  const out = new Map<string, F32Tensor>();
  const buffers = mdlmDitBuffers(c);
  // state_dict order: vocab_embed, sigma_map, rotary_emb (buffer), blocks, output_layer
  for (const [name, t] of ref) {
    if (name.startsWith("blocks.0.") && !out.has(`${prefix}rotary_emb.inv_freq`)) out.set(`${prefix}rotary_emb.inv_freq`, buffers.get("rotary_emb.inv_freq")!);
    out.set(`${prefix}${name}`, t);
  }
  writeSafetensors(file, out);
  if (config.data.vocabSize !== GPT2_VOCAB_SIZE) {
    const vf = path.join(dir, "vocab.json");
    const what = `ids are the run's compact vocabulary of ${config.data.vocabSize} tokens, not GPT-2 ids`;
    if (fs.existsSync(vf)) {
      fs.copyFileSync(vf, `${file}.vocab.json`);
      notes.push(`${what}; ${vf} was copied to ${file}.vocab.json`);
    } else notes.push(`${what}, and ${vf} is missing`);
  }
  const conditioning = refLayout !== null ? refLayout.config.conditioning : timeLayer === "time" ? "t" : "none";
  const sidecar = { vocab_size: c.vocabSize, hidden_dim: c.hidden, hidden_size: c.hidden, n_blocks: c.blocks, n_heads: c.heads, cond_dim: c.condDim, mlp_ratio: c.mlpRatio, model_length: c.seqLen, time_conditioning: conditioning !== "none", conditioning, key_prefix: prefix, exported_from: path.resolve(dir) };
  writeFileAtomic(`${file}.json`, JSON.stringify(sidecar, null, 2) + "\n");
  return { file, config: c, tensors: out.size, timeLayer, notes };
}
