// Public exports of src/cli: the `hdlm` command-line entry (`hdlm train --config <file> [--resume]`).
export { main as cliMain, parseTrainArgs } from "./main";
export type { TrainArgs } from "./main";
