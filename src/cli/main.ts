// The `hdlm` command line: `hdlm train | sample | eval | import | export | temporal` (bin/hdlm.js runs the compiled copy).
// Errors print one line (no stack trace) and exit with status 1; usage errors exit with status 2.
import { initEngine, describeEngine } from "../engine/select";
import { loadConfig } from "../train/config";
import { train } from "../train/trainer";
import { UsageError, processIo } from "./args";
import { SAMPLE_USAGE, parseSampleArgs, runSample } from "./sample";
import { EVAL_USAGE, parseEvalArgs, runEval } from "./eval";
import { IMPORT_USAGE, parseImportArgs, runImport } from "./import";
import { EXPORT_USAGE, parseExportArgs, runExport } from "./export";
import { TEMPORAL_USAGE, parseTemporalArgs, runTemporal } from "./temporal";

const TRAIN_USAGE = `usage: hdlm train --config <file.json> [--resume] [--init <runDir>]

  --config <file>  training config (JSON): {"preset": "tiny"|"cpu"|"small", "objective": {"kind": "ar"}, ...}
  --resume         continue <runDir>/checkpoint.bin bit-for-bit instead of starting a fresh run
  --init <runDir>  start from the parameters of a trained run (the config's init; R2FT needs it)`;

const USAGE = `${TRAIN_USAGE}

${SAMPLE_USAGE}

${EVAL_USAGE}

${IMPORT_USAGE}

${EXPORT_USAGE}

${TEMPORAL_USAGE}

  HDLM_BACKEND=wasm|cpu|native|tensorflow forces a backend`;

/** Parsed `train` arguments. */
export interface TrainArgs {
  config: string;
  resume: boolean;
  init?: string;
}

/** Parses the arguments after `train`; throws a usage error naming the bad argument. */
export function parseTrainArgs(args: string[]): TrainArgs {
  let config: string | null = null;
  let resume = false;
  let init: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--config") {
      config = args[++i] ?? null;
      if (config === null) throw new UsageError("--config needs a file path");
    } else if (a.startsWith("--config=")) config = a.slice("--config=".length);
    else if (a === "--resume") resume = true;
    else if (a === "--init") {
      init = args[++i];
      if (init === undefined) throw new UsageError("--init needs a run folder");
    } else if (a.startsWith("--init=")) init = a.slice("--init=".length);
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (config === null) throw new UsageError("train needs --config <file.json>");
  return { config, resume, ...(init !== undefined ? { init } : {}) };
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h") {
      process.stdout.write(USAGE + "\n");
      return command === undefined ? 2 : 0;
    }
    if (command === "sample") {
      const args = parseSampleArgs(rest);
      process.stderr.write(`hdlm sample: ${describeEngine(await initEngine())}\n`);
      await runSample(args, processIo);
      return 0;
    }
    if (command === "eval") {
      const args = parseEvalArgs(rest);
      process.stderr.write(`hdlm eval: ${describeEngine(await initEngine())}\n`);
      await runEval(args, processIo);
      return 0;
    }
    if (command === "import") return await runImport(parseImportArgs(rest), processIo).then(() => 0);
    if (command === "export") return await runExport(parseExportArgs(rest), processIo).then(() => 0);
    if (command === "temporal") {
      const args = parseTemporalArgs(rest);
      process.stderr.write(`hdlm temporal: ${describeEngine(await initEngine())}\n`);
      return await runTemporal(args, processIo).then(() => 0);
    }
    if (command !== "train") throw new UsageError(`unknown command ${command} (commands: train, sample, eval, import, export, temporal)`);
    const args = parseTrainArgs(rest);
    const config = loadConfig(args.config, { init: args.init });
    const engine = await initEngine();
    process.stderr.write(`hdlm train: ${describeEngine(engine)}\n`);
    process.stderr.write(`hdlm train: ${args.resume ? "resuming" : "starting"} ${config.preset} / ${config.objective.kind} in ${config.runDir}\n`);
    const r = await train(config, { resume: args.resume });
    process.stderr.write(`hdlm train: done at step ${r.step}, train loss ${r.lastTrainLoss.toFixed(4)}, val loss ${r.lastValLoss?.toFixed(4) ?? "-"}, ${r.tokensPerSecond.toFixed(0)} tokens/s\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hdlm: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`hdlm: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
