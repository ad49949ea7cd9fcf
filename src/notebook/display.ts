// Rich output for notebooks: sends one MIME bundle as a Jupyter display_data (or update_display_data).
// The one place that touches tslab's internal display hook; outside a kernel bundles go to a sink.
import { randomBytes } from "crypto";

/** A Jupyter MIME bundle: MIME type -> data (string, or JSON for `application/*+json`). */
export type MimeBundle = Record<string, unknown>;

/** Where to send a bundle, and whether it replaces an earlier one with the same display id. */
export interface DisplayOptions {
  /** Jupyter display id (transient): later calls with `update: true` replace this output in place. */
  displayId?: string;
  /** Send update_display_data instead of display_data (needs `displayId`). */
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** Receives bundles when no kernel is running (scripts, tests). */
export type DisplaySink = (bundle: MimeBundle, options: Required<Pick<DisplayOptions, "update">> & DisplayOptions) => void;

type WriteDisplayData = (
  data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/** Default sink outside a kernel: the text/plain part on stdout (updates included). */
const stdoutSink: DisplaySink = (bundle) => {
  const text = bundle["text/plain"];
  if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
};

let sink: DisplaySink | null = null;

/**
 * Replaces the sink used when no kernel is running (tests capture bundles with it).
 * Returns the previous sink so a test can restore it; `null` restores the stdout default.
 */
export function setDisplaySink(next: DisplaySink | null): DisplaySink | null {
  const prev = sink;
  sink = next;
  return prev;
}

/**
 * tslab's `lastWriteDisplayData` if this process is a tslab kernel (its jupyter module is loaded),
 * else null. Not public tslab API (tslab 1.0.22, dist/jupyter.js): kept to this one function, and found
 * through require.cache so scripts never load tslab (and its TypeScript compiler) just to print.
 */
function kernelWriter(): WriteDisplayData | null {
  for (const key of Object.keys(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const write = (require.cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof write === "function") return write as WriteDisplayData;
  }
  return null;
}

/** Whether output goes to a live Jupyter kernel (true) or to the sink (false). */
export function inKernel(): boolean {
  return sink === null && kernelWriter() !== null;
}

/** A fresh display id for outputs that will be updated in place. */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Shows one MIME bundle as a single output (Jupyter messaging spec, display_data /
 * update_display_data). Every bundle should carry `text/plain` for front ends that show nothing else.
 */
export function displayBundle(bundle: MimeBundle, options: DisplayOptions = {}): void {
  if (Object.keys(bundle).length === 0) throw new Error("displayBundle: bundle is empty; give at least text/plain");
  const update = options.update === true;
  if (update && !options.displayId) throw new Error("displayBundle: update needs a displayId (from newDisplayId())");
  const write = sink === null ? kernelWriter() : null;
  if (write !== null) {
    write(
      { data: bundle, metadata: options.metadata ?? {}, transient: options.displayId ? { display_id: options.displayId } : {} },
      update,
    );
    return;
  }
  (sink ?? stdoutSink)(bundle, { ...options, update });
}
