// Interrupt checks for long loops (training steps, sampler steps) run from a notebook cell.
//
// The hdlm-lab kernel (bin/hdlm-kernel.js) marks the running cell interrupted on SIGINT or
// interrupt_request; a loop stops at its next check with a KeyboardInterrupt, and every variable defined
// before the cell is kept. `await checkInterrupt()` between steps also yields to the event loop, which lets
// the kernel read the interrupt and send live progress to the front end while the cell runs.
// Outside a kernel the checks only see requestInterrupt() (tests, scripts) and checkInterrupt() still yields.

/** Thrown by the checks when the cell was interrupted (the kernel reports it as ename KeyboardInterrupt). */
export class KeyboardInterrupt extends Error {
  constructor(message = "interrupted by the front end; variables defined before this cell are kept") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

/** What the kernel publishes at globalThis[Symbol.for("hdlm.kernel")] (see bin/hdlm-kernel.js). */
export interface KernelApi {
  version: number;
  isInterrupted(): boolean;
  input(prompt: string, password: boolean): Promise<string>;
  openComm(targetName: string, data?: unknown, metadata?: Record<string, unknown>): KernelComm;
  registerCommTarget(targetName: string, handler: (comm: KernelComm, content: { data?: unknown }) => void): () => void;
  listComms(): { commId: string; targetName: string }[];
}

/** A comm as the kernel implements it. */
export interface KernelComm {
  readonly commId: string;
  readonly targetName: string;
  readonly closed: boolean;
  send(data?: unknown, metadata?: Record<string, unknown>): void;
  close(data?: unknown): void;
  onMsg(handler: (data: unknown, content: Record<string, unknown>) => void): void;
  onClose(handler: (data: unknown, content: Record<string, unknown>) => void): void;
}

/** The running hdlm-lab kernel's API, or null outside a kernel (scripts, tests, stock tslab). */
export function kernelApi(): KernelApi | null {
  const api = (globalThis as Record<symbol, unknown>)[Symbol.for("hdlm.kernel")];
  return api && typeof api === "object" ? (api as KernelApi) : null;
}

let localInterrupt = false;

/** Marks this process interrupted (outside a kernel: tests, a script's own SIGINT handler). */
export function requestInterrupt(): void {
  localInterrupt = true;
}

/** Clears requestInterrupt(). */
export function clearInterrupt(): void {
  localInterrupt = false;
}

/** Whether the running cell was interrupted (or requestInterrupt() was called). */
export function isInterrupted(): boolean {
  if (localInterrupt) return true;
  const api = kernelApi();
  return api !== null && api.isInterrupted();
}

/** Throws KeyboardInterrupt if the running cell was interrupted. Synchronous: does not yield. */
export function throwIfInterrupted(): void {
  if (isInterrupted()) throw new KeyboardInterrupt();
}

let lastYield = 0;

/**
 * The check to make between steps of a long loop: yields to the event loop (at most every
 * `minIntervalMs`, default 15 ms, so tiny steps stay cheap), which lets the kernel read an interrupt and
 * send pending output (live progress), then throws KeyboardInterrupt if the cell was interrupted.
 */
export async function checkInterrupt(options: { minIntervalMs?: number } = {}): Promise<void> {
  const every = options.minIntervalMs ?? 15;
  const now = performance.now();
  if (now - lastYield >= every) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  }
  throwIfInterrupted();
}

/**
 * Runs `body(step)` for step = 1..total with a checkInterrupt() before each step: the loop stops with a
 * KeyboardInterrupt within one step of an interrupt. Returns the number of steps run.
 */
export async function interruptibleLoop(
  total: number,
  body: (step: number) => void | Promise<void>,
  options: { minIntervalMs?: number } = {},
): Promise<number> {
  if (!Number.isInteger(total) || total < 0) throw new Error(`interruptibleLoop: total must be a non-negative integer, got ${total}`);
  for (let step = 1; step <= total; step++) {
    await checkInterrupt(options);
    await body(step);
  }
  return total;
}
