// Public exports of src/cli: the `hdlm` command-line entry (`hdlm train | sample | eval`), its argument parsers
// and the sample/eval runners (bin/hdlm.js runs the compiled main).
export { main as cliMain, parseTrainArgs } from "./main";
export type { TrainArgs } from "./main";
export { UsageError, parseFlags } from "./args";
export type { CliIo, Flags, FlagKind } from "./args";
export { parseSampleArgs, runSample, renderState } from "./sample";
export type { SampleArgs } from "./sample";
export { parseEvalArgs, runEval, takeBatches, wikiTextBatches } from "./eval";
export type { EvalArgs } from "./eval";
export { parseImportArgs, runImport } from "./import";
export type { ImportArgs } from "./import";
export { parseExportArgs, runExport } from "./export";
export type { ExportArgs } from "./export";
