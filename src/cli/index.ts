// Public exports of src/cli: the `hdlm` command-line entry (`hdlm train --config <file> [--resume]`)
// and its argument parser; bin/hdlm.js runs the compiled main.
export { main as cliMain, parseTrainArgs } from "./main";
export type { TrainArgs } from "./main";
