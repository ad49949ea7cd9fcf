// Talking to the front end from a cell: stdin prompts (input_request / input_reply) and comms
// (comm_open / comm_msg / comm_close, e.g. for a widget). Both need the hdlm-lab kernel
// (bin/hdlm-kernel.js); outside it prompt() reads a line from stdin and the comm functions throw.
import * as readline from "readline";
import { KernelComm, kernelApi } from "../util/interrupt";

export type { KernelComm as Comm } from "../util/interrupt";

export interface PromptOptions {
  /** Ask the front end to hide what is typed. */
  password?: boolean;
}

/**
 * Asks the user for one line: `const name = await prompt("name? ")`. In the kernel this is a Jupyter
 * input_request; it rejects with StdinNotImplementedError when the front end sent allow_stdin: false
 * (nbclient, `npm run notebooks`), and with KeyboardInterrupt when the cell is interrupted meanwhile.
 */
export async function prompt(question = "", options: PromptOptions = {}): Promise<string> {
  const api = kernelApi();
  if (api !== null) return api.input(question, options.password === true);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once("close", () => reject(new Error("prompt: stdin closed before an answer")));
      rl.question(question, resolve);
    });
  } finally {
    rl.close();
  }
}

function requireKernel(what: string) {
  const api = kernelApi();
  if (api === null) throw new Error(`${what} needs the hdlm-lab kernel (bin/hdlm-kernel.js); no kernel is running`);
  return api;
}

/**
 * Opens a comm to the front end (comm_open with `targetName`); messages the front end sends on it
 * arrive through comm.onMsg, comm.send(data) sends one, comm.close() ends it.
 */
export function openComm(targetName: string, data: unknown = {}, metadata: Record<string, unknown> = {}): KernelComm {
  if (!targetName) throw new Error("openComm: targetName is empty");
  return requireKernel("openComm").openComm(targetName, data, metadata);
}

/**
 * Accepts comms the front end opens with `targetName`: `handler(comm, data)` runs on each comm_open.
 * Returns a function that unregisters the target. A comm_open for an unknown target is closed again.
 */
export function registerCommTarget(targetName: string, handler: (comm: KernelComm, data: unknown) => void): () => void {
  if (!targetName) throw new Error("registerCommTarget: targetName is empty");
  return requireKernel("registerCommTarget").registerCommTarget(targetName, (comm, content) => handler(comm, content.data));
}

/** The comms open now (what comm_info_request lists). */
export function listComms(): { commId: string; targetName: string }[] {
  const api = kernelApi();
  return api === null ? [] : api.listComms();
}
