// Figure builders for the plots notebooks draw most: lines (loss curves, schedules), histograms
// (lengths, token counts), bars and heatmaps. Each validates its data and names the bad argument.
import { Axis, Figure, HeatmapTrace, HistogramTrace, Layout, ScatterTrace } from "./figure";

export interface AxisOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

function axis(title: string | undefined, log: boolean | undefined): Axis {
  const a: Axis = {};
  if (title !== undefined) a.title = { text: title };
  if (log) a.type = "log";
  return a;
}

function layoutOf(o: AxisOptions): Layout {
  const layout: Layout = { xaxis: axis(o.xTitle, o.logX), yaxis: axis(o.yTitle, o.logY), margin: { l: 60, r: 20, t: 50, b: 50 } };
  if (o.title !== undefined) layout.title = { text: o.title };
  if (o.width !== undefined) layout.width = checkSize(o.width, "width");
  if (o.height !== undefined) layout.height = checkSize(o.height, "height");
  return layout;
}

function checkSize(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 50 || v > 4000) throw new Error(`${name} must be an integer number of pixels in 50..4000, got ${v}`);
  return v;
}

function checkNumbers(values: readonly number[], what: string, allowNaN = false): number[] {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) throw new Error(`${what} must be an array of numbers`);
  const out = Array.from(values as ArrayLike<number>);
  out.forEach((v, i) => {
    if (typeof v !== "number" || (!allowNaN && !Number.isFinite(v))) {
      throw new Error(`${what}[${i}] must be a finite number, got ${String(v)}`);
    }
  });
  return out;
}

/** A named series of y values. */
export interface Series {
  name: string;
  y: readonly number[];
  /** x for this series (default: the figure's x, else 0..n-1). */
  x?: readonly number[];
  dash?: "solid" | "dot" | "dash" | "dashdot";
  /** Line and marker colour (default: plotly's colour cycle). */
  color?: string;
}

/**
 * Line chart of one or more series over x: `lineFigure({ x: steps, series: [{ name: "loss", y }] })`.
 * NaN in y leaves a gap (e.g. metrics not logged at every step).
 */
export function lineFigure(spec: { x?: readonly number[]; series: readonly Series[]; markers?: boolean } & AxisOptions): Figure {
  if (!Array.isArray(spec.series) || spec.series.length === 0) throw new Error("lineFigure: series must be a non-empty array of { name, y }");
  const sharedX = spec.x === undefined ? undefined : checkNumbers(spec.x, "lineFigure x");
  const data: ScatterTrace[] = spec.series.map((s, k) => {
    const y = checkNumbers(s.y, `lineFigure series ${k} (${s.name}) y`, true);
    const x = s.x !== undefined ? checkNumbers(s.x, `lineFigure series ${k} (${s.name}) x`) : sharedX ?? y.map((_, i) => i);
    if (x.length !== y.length) throw new Error(`lineFigure series ${k} (${s.name}): x has ${x.length} values but y has ${y.length}`);
    const trace: ScatterTrace = { type: "scatter", mode: spec.markers ? "lines+markers" : "lines", name: s.name, x, y };
    if (s.dash || s.color) trace.line = { ...(s.dash ? { dash: s.dash } : {}), ...(s.color ? { color: s.color } : {}) };
    if (s.color) trace.marker = { color: s.color };
    return trace;
  });
  const layout = layoutOf(spec);
  layout.showlegend = data.length > 1;
  return { data, layout };
}

/**
 * Histogram of raw values (plotly bins them): one group, or several overlaid
 * (`{ train: a, valid: b }`). `bins` bounds the number of bins; `binSize` pins equal-width bins from the min.
 */
export function histogramFigure(
  values: readonly number[] | Record<string, readonly number[]>,
  spec: { bins?: number; binSize?: number; normalize?: HistogramTrace["histnorm"] } & AxisOptions = {},
): Figure {
  const groups: [string, readonly number[]][] = Array.isArray(values) || ArrayBuffer.isView(values)
    ? [["values", values as readonly number[]]]
    : Object.entries(values as Record<string, readonly number[]>);
  if (groups.length === 0) throw new Error("histogramFigure: values must be an array of numbers or a non-empty { name: values } object");
  if (spec.bins !== undefined && (!Number.isInteger(spec.bins) || spec.bins < 1)) throw new Error(`histogramFigure: bins must be a positive integer, got ${spec.bins}`);
  if (spec.binSize !== undefined && !(spec.binSize > 0)) throw new Error(`histogramFigure: binSize must be > 0, got ${spec.binSize}`);
  const all: number[] = [];
  const data: HistogramTrace[] = groups.map(([name, v]) => {
    const x = checkNumbers(v, `histogramFigure values (${name})`);
    if (x.length === 0) throw new Error(`histogramFigure: values (${name}) is empty`);
    for (const e of x) all.push(e);
    const t: HistogramTrace = { type: "histogram", name, x };
    if (groups.length > 1) t.opacity = 0.6;
    if (spec.bins !== undefined) t.nbinsx = spec.bins;
    if (spec.normalize !== undefined) t.histnorm = spec.normalize;
    return t;
  });
  if (spec.binSize !== undefined) {
    let lo = Infinity, hi = -Infinity;
    for (const e of all) {
      if (e < lo) lo = e;
      if (e > hi) hi = e;
    }
    for (const t of data) t.xbins = { start: lo, end: hi + spec.binSize, size: spec.binSize };
  }
  const layout = layoutOf({ yTitle: spec.normalize ? spec.normalize : "count", ...spec });
  if (groups.length > 1) {
    layout.barmode = "overlay";
    layout.showlegend = true;
  }
  return { data, layout };
}

/** Bar chart of labelled values. */
export function barFigure(labels: readonly string[], values: readonly number[], spec: AxisOptions = {}): Figure {
  const y = checkNumbers(values, "barFigure values");
  if (labels.length !== y.length) throw new Error(`barFigure: ${labels.length} labels but ${y.length} values`);
  return { data: [{ type: "bar", x: labels.map(String), y }], layout: layoutOf(spec) };
}

/** Heatmap of a matrix z[row][col] (e.g. a transition matrix or attention map). */
export function heatmapFigure(z: readonly (readonly number[])[], spec: { x?: string[]; y?: string[]; colorscale?: string } & AxisOptions = {}): Figure {
  if (!Array.isArray(z) || z.length === 0) throw new Error("heatmapFigure: z must be a non-empty matrix (array of rows)");
  const cols = z[0].length;
  const rows = z.map((r, i) => {
    if (r.length !== cols) throw new Error(`heatmapFigure: row ${i} has ${r.length} values, row 0 has ${cols}`);
    return checkNumbers(r, `heatmapFigure z[${i}]`, true);
  });
  const t: HeatmapTrace = { type: "heatmap", z: rows, colorscale: spec.colorscale ?? "Viridis" };
  if (spec.x) t.x = spec.x;
  if (spec.y) t.y = spec.y;
  return { data: [t], layout: layoutOf(spec) };
}
