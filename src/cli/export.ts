// `hdlm export --run <dir> --to <file.safetensors>`: writes an mdlm run's DiT as mdlm's DIT state_dict
// (.safetensors, `backbone.` keys) plus `<file>.json` with its sizes, for the reference PyTorch code; for an hdlm run,
// `--to <folder>` writes its cluster map, cluster embeddings and config in the reference HDLM repository's formats.
import { exportRun, readRunConfig } from "../interop/mdlm-run";
import { exportHdlmRun } from "../interop/hdlm-export";
import { CliIo, UsageError, parseFlags } from "./args";

export const EXPORT_USAGE = `usage: hdlm export --run <dir> --to <file.safetensors> [--bare]
       hdlm export --run <hdlm run> --to <folder> [--tag name]

  --run <dir>     an mdlm run folder (trained here, or made by hdlm import), or an hdlm run folder
  --to <file>     mdlm: the .safetensors file to write (and <file>.json with the sizes in mdlm's config names);
                  hdlm: the folder for semantic_cluster_dict_<tag>_<n>.pt, semantic_centroids_<tag>_<n>.pt and
                  hdlm-<tag>-cluster_<n>-gamma_<g>-xi_<xi>.yaml (the reference HDLM repository's formats)
  --bare          keys without the "backbone." prefix (a bare DIT.load_state_dict instead of Lightning's)
  --tag <name>    hdlm: the name in the file names (default: the run folder's name)`;

/** Parsed `export` arguments. */
export interface ExportArgs {
  run: string;
  to: string;
  prefix: string;
  tag: string | undefined;
}

/** Parses the arguments after `export`; throws a usage error naming the bad argument. */
export function parseExportArgs(args: string[]): ExportArgs {
  const f = parseFlags("export", args, { run: "string", to: "string", bare: "bool", tag: "string" });
  if (f.run === undefined) throw new UsageError("export needs --run <dir>");
  if (f.to === undefined) throw new UsageError("export needs --to <file.safetensors> (mdlm runs) or --to <folder> (hdlm runs)");
  return { run: f.run as string, to: f.to as string, prefix: f.bare === true ? "" : "backbone.", tag: f.tag as string | undefined };
}

/** Runs `hdlm export`. */
export async function runExport(args: ExportArgs, io: CliIo): Promise<void> {
  if (readRunConfig(args.run).objective.kind === "hdlm") {
    if (args.to.endsWith(".safetensors")) throw new Error(`export: ${args.run} is an hdlm run; --to names the folder for its reference-format cluster files and config, not a .safetensors file`);
    const h = exportHdlmRun(args.run, args.to, { tag: args.tag });
    io.out(`exported ${args.run} (HDLM, n = ${h.numClusters}) in the reference HDLM repository's formats:`);
    io.out(`  cluster dict: ${h.clusterDict}`);
    io.out(`  centroids:    ${h.centroids}`);
    io.out(`  config:       ${h.config}`);
    for (const n of h.notes) io.out(`  note: ${n}`);
    return;
  }
  if (args.tag !== undefined) throw new Error(`export: --tag names hdlm runs' reference files; ${args.run} is not an hdlm run`);
  if (!args.to.endsWith(".safetensors")) throw new Error(`export: --to must name a .safetensors file for a ${readRunConfig(args.run).objective.kind} run, got ${args.to}`);
  const r = exportRun(args.run, args.to, { prefix: args.prefix });
  const c = r.config;
  io.out(`exported ${args.run} to ${r.file} (${r.tensors} tensors, mdlm's DiT: vocab ${c.vocabSize}, hidden ${c.hidden}, ${c.blocks} blocks, ${c.heads} heads, cond_dim ${c.condDim}) and ${r.file}.json`);
  io.out(`  time layer: ${r.timeLayer === "restored" ? "the imported reference tensors, bit for bit" : r.timeLayer === "folded" ? "folded at sigma = 0" : "hdlm-lab's, fed t"}`);
  for (const n of r.notes) io.out(`  note: ${n}`);
}
