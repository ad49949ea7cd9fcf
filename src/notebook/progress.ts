// Live outputs: a display that is replaced in place (update_display_data with one display id), and a
// progress display for loops (bar, step count, latest metrics and a sparkline of each metric's history).
import { displayBundle, MimeBundle, newDisplayId } from "./display";
import { escapeHtml, formatCell } from "./html";
import { throwIfInterrupted } from "../util/interrupt";

/** One output that later calls replace in place (Jupyter display id). */
export class LiveDisplay {
  readonly displayId = newDisplayId();
  private shown = false;

  /** First call displays the bundle; later calls replace it. */
  show(bundle: MimeBundle): void {
    displayBundle(bundle, { displayId: this.displayId, update: this.shown });
    this.shown = true;
  }
}

export interface LiveProgressOptions {
  /** Steps in the loop; must be a positive integer. */
  total: number;
  label?: string;
  /** Skip redraws closer together than this (ms); the last step and done() always draw. Default 250. */
  minIntervalMs?: number;
  /** Clock in ms (tests pass a fake one). Default Date.now. */
  now?: () => number;
}

/** Metric values at one step. */
export type ProgressMetrics = Record<string, number>;

/** An inline SVG polyline of a series (the y axis spans its min..max). */
export function sparkline(values: readonly number[], width = 160, height = 32): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return "";
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const span = hi - lo || 1;
  const pts = values
    .map((v, i) => (Number.isFinite(v) ? `${((i / (values.length - 1)) * width).toFixed(1)},${(height - 2 - ((v - lo) / span) * (height - 4)).toFixed(1)}` : null))
    .filter((p): p is string => p !== null)
    .join(" ");
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${pts}"/></svg>`;
}

/**
 * Progress of a loop, redrawn in place: `const p = new LiveProgress({ total: steps, label: "train" });
 * p.update(step, { loss }); ... p.done();`. Keeps every reported metric value for the sparklines.
 */
export class LiveProgress {
  readonly total: number;
  readonly label: string;
  readonly history: { step: number; metrics: ProgressMetrics }[] = [];
  private readonly live = new LiveDisplay();
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private step = 0;
  private finished = false;
  /** How many times the output was (re)drawn. */
  draws = 0;

  constructor(options: LiveProgressOptions) {
    if (!Number.isInteger(options.total) || options.total <= 0) {
      throw new Error(`Progress total must be a positive integer, got ${options.total}`);
    }
    this.total = options.total;
    this.label = options.label ?? "progress";
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  /**
   * Records `step` (1..total) and its metrics; redraws unless the last draw was under minIntervalMs ago.
   * Throws KeyboardInterrupt if the cell was interrupted (a synchronous check: loops should also
   * `await checkInterrupt()` between steps so the interrupt and the redraws get through).
   */
  update(step: number, metrics: ProgressMetrics = {}): void {
    throwIfInterrupted();
    if (this.finished) throw new Error(`LiveProgress "${this.label}" is done; create a new one for another loop`);
    if (!Number.isFinite(step) || step < 0 || step > this.total) {
      throw new Error(`Progress step must be in 0..${this.total}, got ${step}`);
    }
    for (const [k, v] of Object.entries(metrics)) {
      if (typeof v !== "number") throw new Error(`Progress metric ${k} must be a number, got ${typeof v}`);
    }
    this.step = step;
    if (Object.keys(metrics).length > 0) this.history.push({ step, metrics: { ...metrics } });
    const t = this.now();
    if (step === this.total || t - this.lastDraw >= this.minIntervalMs) this.draw(t);
  }

  /** Final redraw (with optional last metrics); later updates throw. */
  done(metrics: ProgressMetrics = {}): void {
    if (Object.keys(metrics).length > 0) this.history.push({ step: this.step, metrics: { ...metrics } });
    this.finished = true;
    this.draw(this.now());
  }

  /** The series of one metric, in report order. */
  series(name: string): { step: number; value: number }[] {
    return this.history.filter((h) => name in h.metrics).map((h) => ({ step: h.step, value: h.metrics[name] }));
  }

  private metricNames(): string[] {
    const names = new Set<string>();
    for (const h of this.history) for (const k of Object.keys(h.metrics)) names.add(k);
    return [...names];
  }

  /** The bundle for the current state (text/html + text/plain). */
  render(): MimeBundle {
    const frac = this.step / this.total;
    const width = 30;
    const filled = Math.round(frac * width);
    const names = this.metricNames();
    const latest = (n: string) => {
      const s = this.series(n);
      return s.length > 0 ? s[s.length - 1].value : NaN;
    };
    const status = this.finished ? "done" : `${(frac * 100).toFixed(0)}%`;
    const plain =
      `${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.step}/${this.total} ${status}` +
      names.map((n) => `  ${n}=${formatCell(latest(n))}`).join("");
    const rows = names
      .map((n) => `<tr><td>${escapeHtml(n)}</td><td style="text-align: right;">${escapeHtml(formatCell(latest(n)))}</td><td>${sparkline(this.series(n).map((p) => p.value))}</td></tr>`)
      .join("");
    const html =
      `<div class="hdlm-progress"><div><b>${escapeHtml(this.label)}</b> ${this.step}/${this.total} (${status})</div>` +
      `<div style="width: 300px; height: 10px; background: #eee;"><div style="width: ${(frac * 300).toFixed(0)}px; height: 10px; background: #1f77b4;"></div></div>` +
      (rows ? `<table>${rows}</table>` : "") +
      `</div>`;
    return { "text/html": html, "text/plain": plain };
  }

  private draw(t: number): void {
    this.lastDraw = t;
    this.draws += 1;
    this.live.show(this.render());
  }
}
