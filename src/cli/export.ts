// `hdlm export --run <dir> --to <file.safetensors>`: writes an mdlm run's DiT as mdlm's DIT state_dict
// (.safetensors, `backbone.` keys) plus `<file>.json` with its sizes, for the reference PyTorch code.
import { exportRun } from "../interop/mdlm-run";
import { CliIo, UsageError, parseFlags } from "./args";

export const EXPORT_USAGE = `usage: hdlm export --run <dir> --to <file.safetensors> [--bare]

  --run <dir>     an mdlm run folder (trained here, or made by hdlm import)
  --to <file>     the .safetensors file to write (and <file>.json with the sizes in mdlm's config names)
  --bare          keys without the "backbone." prefix (a bare DIT.load_state_dict instead of Lightning's)`;

/** Parsed `export` arguments. */
export interface ExportArgs {
  run: string;
  to: string;
  prefix: string;
}

/** Parses the arguments after `export`; throws a usage error naming the bad argument. */
export function parseExportArgs(args: string[]): ExportArgs {
  const f = parseFlags("export", args, { run: "string", to: "string", bare: "bool" });
  if (f.run === undefined) throw new UsageError("export needs --run <dir>");
  if (f.to === undefined) throw new UsageError("export needs --to <file.safetensors>");
  if (!(f.to as string).endsWith(".safetensors")) throw new UsageError(`export: --to must name a .safetensors file, got ${String(f.to)}`);
  return { run: f.run as string, to: f.to as string, prefix: f.bare === true ? "" : "backbone." };
}

/** Runs `hdlm export`. */
export async function runExport(args: ExportArgs, io: CliIo): Promise<void> {
  const r = exportRun(args.run, args.to, { prefix: args.prefix });
  const c = r.config;
  io.out(`exported ${args.run} to ${r.file} (${r.tensors} tensors, mdlm's DiT: vocab ${c.vocabSize}, hidden ${c.hidden}, ${c.blocks} blocks, ${c.heads} heads, cond_dim ${c.condDim}) and ${r.file}.json`);
  io.out(`  time layer: ${r.timeLayer === "restored" ? "the imported reference tensors, bit for bit" : r.timeLayer === "folded" ? "folded at sigma = 0" : "hdlm-lab's, fed t"}`);
  for (const n of r.notes) io.out(`  note: ${n}`);
}
