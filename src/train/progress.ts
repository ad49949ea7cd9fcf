// A progress bar on stderr: step, loss, validation loss and tokens/s; a redrawn line on a TTY,
// otherwise one plain line every ~5% of the run (so logs of background jobs stay short).

/** Progress display for `total` steps. */
export class Progress {
  private readonly total: number;
  private readonly tty: boolean;
  private readonly enabled: boolean;
  private readonly every: number;

  constructor(total: number, enabled?: boolean) {
    this.total = total;
    this.tty = Boolean(process.stderr.isTTY);
    this.enabled = enabled ?? true;
    this.every = Math.max(1, Math.floor(total / 20));
  }

  /** Shows the state after `step`. */
  update(step: number, loss: number, tokensPerSecond: number, valLoss: number | null): void {
    if (!this.enabled) return;
    const width = 24;
    const filled = Math.round((width * step) / this.total);
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    const val = valLoss === null ? "" : ` val ${valLoss.toFixed(4)}`;
    const line = `[${bar}] ${step}/${this.total} loss ${loss.toFixed(4)}${val} ${tokensPerSecond.toFixed(0)} tok/s`;
    if (this.tty) process.stderr.write(`\r${line}`);
    else if (step % this.every === 0 || step === this.total) process.stderr.write(line + "\n");
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.enabled && this.tty) process.stderr.write("\n");
  }
}
