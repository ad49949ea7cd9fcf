// Reading mdlm's DiT from the files the reference code writes: a .safetensors file (the Hugging Face release,
// `backbone.`-prefixed keys) or a Lightning .ckpt (torch.save zip: `state_dict` with `backbone.` keys and `ema`
// {decay, num_updates, shadow_params: [...]} in parameter order). Sizes are inferred from the shapes; every
// parameter is checked against the reference layout. Errors are one line naming the file and the parameter.
import * as fs from "fs";
import * as path from "path";
import { readSafetensors, looksLikeSafetensors } from "./safetensors";
import { readTorchArchive, TorchArchive } from "./torch-archive";
import { PyDict, PickleValue, TorchTensor, findForeign, describe } from "./pickle";
import { MdlmDitConfig, MdlmConditioning, HostTensors, mdlmDitLayout, MDLM_FREQ_DIM, checkMdlmDitConfig } from "../models/mdlm-dit";

/** Choices the weights cannot tell (each has a default or is read from a config.json beside the file). */
export interface MdlmImportOptions {
  /** Attention heads (default: from rotary_emb.inv_freq when present, a config.json beside the file, else hidden / 64). */
  heads?: number;
  /** Longest sequence (default: config.json `model_length`, else 1024, mdlm's OWT length). */
  seqLen?: number;
  /**
   * Input of the time embedding (default: config.json `conditioning`, else its `time_conditioning` true -> "sigma",
   * false -> "none", else "none", mdlm's default).
   */
  conditioning?: MdlmConditioning;
  /** Use a .ckpt's EMA weights: "auto" (default) when present, false never, true required. */
  ema?: boolean | "auto";
}

/** An imported reference DiT: sizes, weights (reference names, parameters() order) and where they came from. */
export interface ImportedMdlm {
  config: MdlmDitConfig;
  weights: HostTensors;
  source: {
    file: string;
    format: "safetensors" | "ckpt";
    /** Key prefix stripped (e.g. "backbone."). */
    prefix: string;
    /** True when the weights are a .ckpt's EMA (shadow_params). */
    ema: boolean;
    /** Where each size not read from shapes came from. */
    inferred: Record<string, string>;
    /** What was present and not used (one line each). */
    ignored: string[];
  };
}

function bad(file: string, why: string): Error {
  return new Error(`${file}: ${why}`);
}

/** Reads a config.json beside `file` (the Hugging Face layout: hidden_dim, n_heads, model_length, ...), or null. */
function sidecarConfig(file: string): { json: Record<string, unknown>; file: string } | null {
  for (const f of [`${file}.json`, path.join(path.dirname(file), "config.json")]) {
    if (!fs.existsSync(f)) continue;
    try {
      const json = JSON.parse(fs.readFileSync(f, "utf8")) as unknown;
      if (typeof json === "object" && json !== null && !Array.isArray(json)) return { json: json as Record<string, unknown>, file: f };
    } catch {
      // not a config: ignore it
    }
  }
  return null;
}

type Source = { shape: number[]; get: () => Float32Array };

/** The tensors of a .ckpt's state_dict (or of a bare torch.save(state_dict)) and its EMA list, still lazy. */
function ckptTensors(file: string, ar: TorchArchive, ignored: string[]): { state: Map<string, Source>; ema: PickleValue[] | null } {
  const root = ar.root;
  if (!(root instanceof PyDict)) throw bad(file, `holds ${describe(root)}, not a checkpoint dict`);
  // Only Lightning's saved hyper-parameters may hold objects (omegaconf configs, tokenizers); they are never read.
  const HPARAMS = new Set<unknown>(["hyper_parameters", "hparams", "datamodule_hyper_parameters"]);
  for (const [k, v] of root.map) {
    if (HPARAMS.has(k)) {
      if (findForeign(v, String(k)) !== null) ignored.push(`${String(k)} (Python objects, not read)`);
      continue;
    }
    const f = findForeign(v, `[${JSON.stringify(k)}]`);
    if (f !== null) throw bad(file, `the pickle references ${f.name} at ${f.path}; only tensors and plain containers are read (nothing in a checkpoint is executed)`);
  }
  const sd = root.get("state_dict");
  const dict = sd instanceof PyDict ? sd : root.get("vocab_embed.embedding") !== undefined || [...root.map.keys()].some((k) => typeof k === "string" && k.endsWith("vocab_embed.embedding")) ? root : null;
  if (dict === null) throw bad(file, `has no state_dict (keys: ${[...root.map.keys()].slice(0, 10).map(String).join(", ")})`);
  const state = new Map<string, Source>();
  for (const [k, v] of dict.map) {
    const name = String(k);
    if (!(v instanceof TorchTensor)) throw bad(file, `state_dict entry ${name} is ${describe(v)}, not a tensor`);
    state.set(name, { shape: v.shape, get: () => ar.float32(v, name) });
  }
  if (dict !== root) for (const k of root.map.keys()) if (k !== "state_dict" && k !== "ema" && !ignored.some((i) => i.startsWith(`${String(k)} (`))) ignored.push(String(k));
  const e = root.get("ema");
  let ema: PickleValue[] | null = null;
  if (e instanceof PyDict) {
    const sp = e.get("shadow_params");
    if (!Array.isArray(sp)) throw bad(file, `ema has no shadow_params list (it holds ${[...e.map.keys()].map(String).join(", ")})`);
    ema = sp;
  } else if (Array.isArray(e)) ema = e;
  else if (e !== undefined && e !== null) throw bad(file, `ema is ${describe(e)}, not a list of tensors or {shadow_params: [...]}`);
  return { state, ema };
}

/**
 * Reads mdlm's DiT from `file` (.safetensors or Lightning .ckpt), infers its sizes from the shapes and checks every
 * parameter against the reference layout. Throws one line naming the file and the first offending parameter.
 */
export function readMdlmCheckpoint(file: string, options: MdlmImportOptions = {}): ImportedMdlm {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw bad(file, "file not found");
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, "r");
  const got = fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  const ignored: string[] = [];
  let format: "safetensors" | "ckpt";
  let state: Map<string, Source>;
  let emaList: PickleValue[] | null = null;
  let archive: TorchArchive | null = null;
  if (got >= 2 && head[0] === 0x50 && head[1] === 0x4b) {
    format = "ckpt";
    archive = readTorchArchive(file);
    ({ state, ema: emaList } = ckptTensors(file, archive, ignored));
  } else if (got >= 2 && head[0] === 0x80 && head[1] <= 5) {
    throw bad(file, "is a legacy (pre-1.6, non-zip) torch.save file; re-save it with PyTorch >= 1.6");
  } else if (looksLikeSafetensors(file)) {
    format = "safetensors";
    const st = readSafetensors(file);
    state = new Map([...st.tensors].map(([k, t]) => [k, { shape: t.shape, get: () => t.data }]));
  } else throw bad(file, "is neither a .safetensors file nor a PyTorch/Lightning .ckpt (zip) checkpoint");

  // The key prefix: whatever precedes vocab_embed.embedding ("backbone." in Lightning and the HF release).
  const embKeys = [...state.keys()].filter((k) => k === "vocab_embed.embedding" || k.endsWith(".vocab_embed.embedding"));
  if (embKeys.length !== 1) {
    throw bad(file, embKeys.length === 0 ? `has no vocab_embed.embedding: not mdlm's DiT (first keys: ${[...state.keys()].slice(0, 5).join(", ")})` : `holds ${embKeys.length} models (${embKeys.join(", ")})`);
  }
  const prefix = embKeys[0].slice(0, -"vocab_embed.embedding".length);
  const own = new Map<string, Source>();
  for (const [k, v] of state) {
    if (k.startsWith(prefix)) own.set(k.slice(prefix.length), v);
    else ignored.push(`${k} (outside ${prefix || "the model"})`);
  }

  const shapeOf = (name: string, rank: number): number[] => {
    const t = own.get(name);
    if (t === undefined) throw bad(file, `parameter ${prefix}${name} is missing`);
    if (t.shape.length !== rank) throw bad(file, `parameter ${prefix}${name} has shape [${t.shape.join(", ")}], expected a ${rank}-D tensor`);
    return t.shape;
  };
  const [V, d] = shapeOf("vocab_embed.embedding", 2);
  const [condDim, freq] = shapeOf("sigma_map.mlp.0.weight", 2);
  if (freq !== MDLM_FREQ_DIM) throw bad(file, `parameter ${prefix}sigma_map.mlp.0.weight has shape [${condDim}, ${freq}], expected [cond_dim, ${MDLM_FREQ_DIM}] (the 256-frequency timestep embedding)`);
  let blocks = 0;
  for (const k of own.keys()) {
    const m = /^blocks\.(\d+)\./.exec(k);
    if (m !== null) blocks = Math.max(blocks, Number(m[1]) + 1);
  }
  if (blocks === 0) throw bad(file, `has no blocks.N parameters under ${prefix || "the top level"}`);
  const m0 = shapeOf("blocks.0.mlp.0.weight", 2)[0];
  if (m0 % d !== 0) throw bad(file, `parameter ${prefix}blocks.0.mlp.0.weight has shape [${m0}, ${d}]; its rows must be a multiple of hidden ${d}`);

  const side = sidecarConfig(file);
  const inferred: Record<string, string> = {};
  let heads = options.heads;
  if (heads !== undefined) inferred.heads = "--heads";
  const inv = own.get("rotary_emb.inv_freq");
  if (heads === undefined && inv !== undefined && inv.shape.length === 1 && inv.shape[0] > 0 && d % (2 * inv.shape[0]) === 0) {
    heads = d / (2 * inv.shape[0]);
    inferred.heads = `${prefix}rotary_emb.inv_freq (head width ${2 * inv.shape[0]})`;
  }
  if (heads === undefined && side !== null && typeof side.json.n_heads === "number") {
    heads = side.json.n_heads;
    inferred.heads = side.file;
  }
  if (heads === undefined) {
    if (d % 64 !== 0) throw bad(file, `cannot infer the number of heads (no rotary_emb.inv_freq, no config.json, hidden ${d} not a multiple of 64); pass --heads`);
    heads = d / 64;
    inferred.heads = "hidden / 64 (mdlm's head width)";
  }
  let seqLen = options.seqLen;
  if (seqLen !== undefined) inferred.seqLen = "--seq-len";
  else if (side !== null && typeof side.json.model_length === "number") {
    seqLen = side.json.model_length;
    inferred.seqLen = side.file;
  } else {
    seqLen = 1024;
    inferred.seqLen = "default 1024 (mdlm's OWT length)";
  }
  let conditioning = options.conditioning;
  if (conditioning !== undefined) inferred.conditioning = "--conditioning";
  else if (side !== null && (side.json.conditioning === "none" || side.json.conditioning === "sigma" || side.json.conditioning === "t")) {
    conditioning = side.json.conditioning;
    inferred.conditioning = side.file;
  } else if (side !== null && typeof side.json.time_conditioning === "boolean") {
    conditioning = side.json.time_conditioning ? "sigma" : "none";
    inferred.conditioning = `${side.file} (time_conditioning)`;
  } else {
    conditioning = "none";
    inferred.conditioning = "default none: sigma = 0 (mdlm's time_conditioning=False)";
  }
  let config: MdlmDitConfig;
  try {
    config = checkMdlmDitConfig({ vocabSize: V, hidden: d, blocks, heads, condDim, mlpRatio: m0 / d, seqLen, conditioning });
  } catch (e) {
    throw bad(file, (e as Error).message);
  }
  if (inv !== undefined && inv.shape.join(",") !== String(d / heads / 2)) {
    throw bad(file, `parameter ${prefix}rotary_emb.inv_freq has shape [${inv.shape.join(", ")}], expected [${d / heads / 2}] for ${heads} heads of width ${d / heads}`);
  }

  // Every reference parameter, in order, with its exact shape; nothing else under the prefix.
  const layout = mdlmDitLayout(config);
  const sizes = `hidden ${d}, ${blocks} blocks, cond_dim ${condDim}, vocab ${V}`;
  for (const { name, shape } of layout) {
    const t = own.get(name);
    if (t === undefined) throw bad(file, `parameter ${prefix}${name} is missing (mdlm's DiT with ${sizes} has it)`);
    if (t.shape.join(",") !== shape.join(",")) throw bad(file, `parameter ${prefix}${name} has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] for mdlm's DiT with ${sizes}`);
  }
  const known = new Set(layout.map((l) => l.name));
  known.add("rotary_emb.inv_freq");
  for (const k of own.keys()) if (!known.has(k)) throw bad(file, `parameter ${prefix}${k} is not part of mdlm's DiT (${sizes})`);

  let useEma = false;
  if (options.ema === true && emaList === null) throw bad(file, format === "safetensors" ? "a .safetensors file has no EMA weights (export the EMA from the .ckpt)" : "has no ema weights");
  if (options.ema !== false && emaList !== null) useEma = true;
  else if (emaList !== null) ignored.push("ema (--no-ema)");
  const weights: HostTensors = new Map();
  if (useEma) {
    const list = emaList!;
    if (list.length < layout.length) throw bad(file, `ema.shadow_params holds ${list.length} tensors; mdlm's DiT (${sizes}) has ${layout.length} parameters`);
    layout.forEach(({ name, shape }, i) => {
      const t = list[i];
      if (!(t instanceof TorchTensor)) throw bad(file, `ema.shadow_params[${i}] (parameter ${name}) is ${describe(t)}, not a tensor`);
      if (t.shape.join(",") !== shape.join(",")) throw bad(file, `ema.shadow_params[${i}] (parameter ${name}) has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
      weights.set(name, { shape: shape.slice(), data: archive!.float32(t, `ema.shadow_params[${i}] (${name})`) });
    });
    if (list.length > layout.length) ignored.push(`ema.shadow_params[${layout.length}..${list.length - 1}] (parameters after the backbone, e.g. a learned noise schedule)`);
  } else {
    for (const { name, shape } of layout) weights.set(name, { shape: shape.slice(), data: own.get(name)!.get() });
  }
  for (const [name, t] of weights) {
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw bad(file, `parameter ${prefix}${name}${useEma ? " (EMA)" : ""} holds a non-finite value at element ${i}`);
    }
  }
  return { config, weights, source: { file, format, prefix, ema: useEma, inferred, ignored } };
}
