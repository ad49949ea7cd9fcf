// `hdlm import --from <file.safetensors|file.ckpt> --arch mdlm-dit --out <dir>`: reads mdlm's DiT (the Hugging Face
// .safetensors release or a Lightning .ckpt, EMA weights when present) and writes a run folder that `hdlm sample`
// and `hdlm eval` load.
import { readMdlmCheckpoint } from "../interop/mdlm-import";
import { writeImportedRun } from "../interop/mdlm-run";
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
  --force         overwrite a run folder that already exists (its config.json, checkpoint.bin, vocab.json, clusters.json)`;

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

/** Parses the arguments after `import`; throws a usage error naming the bad argument. */
export function parseImportArgs(args: string[]): ImportArgs {
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
export async function runImport(args: ImportArgs, io: CliIo): Promise<void> {
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
