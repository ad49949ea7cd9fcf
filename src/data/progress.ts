// Progress while tokenizing: a snapshot type, a tracker that calls a hook (notebooks show it live),
// and a printer (a bar on stderr when it is a TTY, a line every few seconds otherwise).

/** A snapshot of tokenization progress. */
export interface TokenizeProgress {
  /** Data files done so far and in all (a file is the unit whose total is known in advance). */
  filesDone: number;
  files: number;
  /** The file being read. */
  file: string;
  documents: number;
  tokens: number;
  chars: number;
  elapsedMs: number;
  tokensPerSecond: number;
  done: boolean;
}

/** A progress hook: called every `every` documents, at each file end, and once with `done: true`. */
export type ProgressHook = (p: TokenizeProgress) => void;

/** Counts documents/tokens/chars and calls the hook at a fixed document stride (no timers). */
export class ProgressTracker {
  documents = 0;
  tokens = 0;
  chars = 0;
  filesDone = 0;
  file = "";
  private readonly start = Date.now();

  constructor(readonly files: number, private readonly hook: ProgressHook | undefined, private readonly every = 64) {
    if (!Number.isInteger(every) || every < 1) throw new Error(`progress every must be an integer >= 1, got ${every}`);
  }

  /** Records one tokenized document. */
  add(tokens: number, chars: number): void {
    this.documents++;
    this.tokens += tokens;
    this.chars += chars;
    if (this.hook && this.documents % this.every === 0) this.hook(this.snapshot(false));
  }

  /** Marks the current file finished. */
  fileDone(): void {
    this.filesDone++;
    if (this.hook) this.hook(this.snapshot(false));
  }

  finish(): TokenizeProgress {
    const s = this.snapshot(true);
    if (this.hook) this.hook(s);
    return s;
  }

  snapshot(done: boolean): TokenizeProgress {
    const elapsedMs = Date.now() - this.start;
    return {
      filesDone: this.filesDone,
      files: this.files,
      file: this.file,
      documents: this.documents,
      tokens: this.tokens,
      chars: this.chars,
      elapsedMs,
      tokensPerSecond: elapsedMs > 0 ? (this.tokens * 1000) / elapsedMs : 0,
      done,
    };
  }
}

/** One line describing a snapshot, e.g. `tokenizing 3/5 files  1,234 docs  2.1M tokens  1.6M tok/s`. */
export function formatProgress(p: TokenizeProgress): string {
  const m = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : `${Math.round(x)}`);
  return `${p.done ? "tokenized" : "tokenizing"} ${p.filesDone}/${p.files} files  ${p.documents.toLocaleString("en-US")} docs  ${m(p.tokens)} tokens  ${m(p.tokensPerSecond)} tok/s  ${(p.elapsedMs / 1000).toFixed(1)}s`;
}

/**
 * A hook that prints progress to `stream` (default stderr): a redrawn bar over files when it is a TTY,
 * otherwise one line every `intervalMs` (default 5 s) and a final line.
 */
export function progressPrinter(stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr, intervalMs = 5000): ProgressHook {
  let last = -Infinity;
  return (p) => {
    const now = Date.now();
    if (stream.isTTY) {
      if (!p.done && now - last < 100) return;
      last = now;
      const width = 24;
      const filled = p.files > 0 ? Math.round((width * p.filesDone) / p.files) : 0;
      stream.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${formatProgress(p)}\x1b[K${p.done ? "\n" : ""}`);
    } else if (p.done || now - last >= intervalMs) {
      last = now;
      stream.write(formatProgress(p) + "\n");
    }
  };
}
