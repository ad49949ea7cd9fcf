// `hdlm import --from <file.safetensors|file.ckpt> --arch mdlm-dit --out <dir>`: reads mdlm's DiT (the Hugging Face
// .safetensors release or a Lightning .ckpt, EMA weights when present) and writes a run folder that `hdlm sample`
// and `hdlm eval` load.
import { readMdlmCheckpoint } from "../interop/mdlm-import";
import { writeImportedRun } from "../interop/mdlm-run";
import { readReferenceClusterDict } from "../interop/hdlm-clusters";
import { hdlmObjectiveFromReference } from "../interop/hdlm-config";
import { runVocabulary } from "../train/load-run";
import { readRunConfig } from "../interop/mdlm-run";
import { saveClusterMap } from "../vocab/cluster-map-io";
import * as fs from "fs";
import { CliIo, UsageError, parseFlags } from "./args";

export const IMPORT_USAGE = `usage: hdlm import --from <file.safetensors|file.ckpt> --arch mdlm-dit --out <dir> [--heads N] [--seq-len L] [--conditioning c] [--no-ema] [--force]

  --from <file>   mdlm's DiT: a .safetensors file (e.g. kuleshov-group/mdlm-owt) or a Lightning .ckpt
  --arch mdlm-dit the architecture of the file (the only one so far: mdlm's models/dit.py DIT)
  --out <dir>     the run folder to write (config.json, checkpoint.bin, import.json)
  --heads N       attention heads (default: from rotary_emb.inv_freq, a config.json beside the file, or hidden/64)
  --seq-len L     longest sequence (default: config.json model_length, else 1024)
  --conditioning c  none (mdlm's time_conditioning=False, the default), sigma (time_conditioning=True; the run
                  folder keeps mdlm's layout) or t (a DiT trained in hdlm-lab); default from config.json beside the file
  --no-ema        a .ckpt's raw weights instead of its EMA weights
  --force         overwrite a run folder that already exists (its config.json, checkpoint.bin, vocab.json, clusters.json)

       hdlm import --clusters <semantic_cluster_dict_*.pt> --out <clusters.json> [--vocab <run dir>] [--config <hdlm-*.yaml>]

  --clusters <file>  a reference HDLM cluster dict (torch.save of int64 [50258]); written as hdlm-lab's cluster map
                  JSON (use it as objective.clusterFile)
  --vocab <dir>   a run folder whose vocabulary the map is put on (its compact vocabulary; default raw GPT-2 ids)
  --config <file> a reference HDLM config (.yaml): prints the matching objective section`;

/** Parsed `import` arguments. */
export interface ImportArgs {
  from: string;
  arch: "mdlm-dit";
  out: string;
  heads: number | undefined;
  seqLen: number | undefined;
  conditioning: "none" | "sigma" | "t" | undefined;
  ema: boolean;
  force: boolean;
}

/** Parsed `import --clusters` arguments. */
export interface ClusterImportArgs {
  clusters: string;
  out: string;
  vocab: string | undefined;
  config: string | undefined;
}

/** Parses the arguments after `import`; throws a usage error naming the bad argument. */
export function parseImportArgs(args: string[]): ImportArgs | ClusterImportArgs {
  if (args.some((a) => a === "--clusters" || a.startsWith("--clusters="))) {
    const c = parseFlags("import", args, { clusters: "string", out: "string", vocab: "string", config: "string" });
    if (c.out === undefined) throw new UsageError("import --clusters needs --out <clusters.json>");
    if (!(c.out as string).endsWith(".json")) throw new UsageError(`import: --out must name a .json cluster map, got ${String(c.out)}`);
    return { clusters: c.clusters as string, out: c.out as string, vocab: c.vocab as string | undefined, config: c.config as string | undefined };
  }
  const f = parseFlags("import", args, { from: "string", arch: "string", out: "string", heads: "int", "seq-len": "int", conditioning: "string", "no-ema": "bool", force: "bool" });
  if (f.from === undefined) throw new UsageError("import needs --from <file.safetensors|file.ckpt>");
  if (f.out === undefined) throw new UsageError("import needs --out <dir>");
  if (f.arch === undefined) throw new UsageError("import needs --arch mdlm-dit");
  if (f.arch !== "mdlm-dit") throw new UsageError(`import: --arch must be mdlm-dit (mdlm's DiT), got ${String(f.arch)}`);
  const cond = f.conditioning as string | undefined;
  if (cond !== undefined && cond !== "none" && cond !== "sigma" && cond !== "t") throw new UsageError(`import: --conditioning must be none, sigma or t, got ${cond}`);
  for (const k of ["heads", "seq-len"]) if (f[k] !== undefined && (f[k] as number) < 1) throw new UsageError(`import: --${k} must be >= 1`);
  return { from: f.from as string, arch: "mdlm-dit", out: f.out as string, heads: f.heads as number | undefined, seqLen: f["seq-len"] as number | undefined, conditioning: cond as ImportArgs["conditioning"], ema: f["no-ema"] !== true, force: f.force === true };
}

/** Runs `hdlm import`: a summary on `io.out`, one line per fact. */
export async function runImport(args: ImportArgs | ClusterImportArgs, io: CliIo): Promise<void> {
  if ("clusters" in args) return importClusters(args, io);
  const t0 = Date.now();
  const imp = readMdlmCheckpoint(args.from, { heads: args.heads, seqLen: args.seqLen, conditioning: args.conditioning, ema: args.ema ? "auto" : false });
  const c = imp.config;
  io.err(`hdlm import: read ${imp.source.format} ${args.from} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // A time-conditioned DiT (fed sigma(t)) keeps mdlm's layout; load-run reads it through referenceRunModel.
  const r = writeImportedRun(imp, args.out, { force: args.force, layout: c.conditioning === "sigma" ? "reference" : "hdlm" });
  io.out(`imported ${args.from} (${imp.source.format}${imp.source.ema ? ", EMA weights" : ""}) as mdlm's DiT: vocab ${c.vocabSize} (MASK ${c.vocabSize - 1}), hidden ${c.hidden}, ${c.blocks} blocks, ${c.heads} heads, cond_dim ${c.condDim}, seqLen ${c.seqLen}, conditioning ${c.conditioning}`);
  for (const [k, v] of Object.entries(imp.source.inferred)) io.out(`  ${k} from ${v}`);
  for (const i of imp.source.ignored) io.out(`  ignored: ${i}`);
  io.out(`wrote run folder ${r.dir} (${r.parameters} parameters); try: hdlm sample --run ${r.dir}`);
}

/** `hdlm import --clusters`: a reference cluster dict onto a run's vocabulary, saved as hdlm-lab's cluster map. */
function importClusters(args: ClusterImportArgs, io: CliIo): void {
  const vocab = args.vocab === undefined ? null : runVocabulary(args.vocab, readRunConfig(args.vocab).data.vocabSize).compactVocab;
  const map = readReferenceClusterDict(args.clusters, vocab);
  saveClusterMap(map, args.out);
  io.out(`imported ${args.clusters}: ${map.numClusters} clusters over ${map.vocabSize} ids (${vocab === null ? "GPT-2 ids" : `the compact vocabulary of ${args.vocab}`}); wrote ${args.out}`);
  if (args.config !== undefined) {
    if (!fs.existsSync(args.config)) throw new Error(`${args.config}: file not found`);
    const o = { ...hdlmObjectiveFromReference(fs.readFileSync(args.config, "utf8"), args.config), clusterFile: args.out };
    if (o.numClusters !== map.numClusters) throw new Error(`${args.config}: model.cluster_size is ${o.numClusters} but ${args.clusters} has ${map.numClusters} clusters`);
    io.out(`objective: ${JSON.stringify(o)}`);
  }
}
