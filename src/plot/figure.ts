// Typed plotly.js figures, kept to what hdlm-lab draws: scatter/line, histogram, bar and heatmap
// traces, and the layout fields we set. A Figure is plain JSON, as plotly.js and Jupyter expect.

/** plotly.js's default trace colours, in its cycle order, for figures that pin one colour to a group of traces. */
export const PLOTLY_COLORWAY: readonly string[] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** The `i`-th colour of plotly's default cycle (wraps around). */
export function cycleColor(i: number): string {
  return PLOTLY_COLORWAY[((i % PLOTLY_COLORWAY.length) + PLOTLY_COLORWAY.length) % PLOTLY_COLORWAY.length];
}

export interface Line {
  color?: string;
  width?: number;
  dash?: "solid" | "dot" | "dash" | "dashdot";
}

export interface Marker {
  color?: string;
  size?: number;
  opacity?: number;
}

/** A line and/or marker series. */
export interface ScatterTrace {
  type: "scatter";
  x: number[] | string[];
  y: number[];
  name?: string;
  mode?: "lines" | "markers" | "lines+markers";
  line?: Line;
  marker?: Marker;
}

/** Plotly bins the raw values itself (`nbinsx` is an upper bound; `xbins` pins the edges). */
export interface HistogramTrace {
  type: "histogram";
  x: number[];
  name?: string;
  nbinsx?: number;
  xbins?: { start: number; end: number; size: number };
  histnorm?: "" | "percent" | "probability" | "density" | "probability density";
  opacity?: number;
  marker?: Marker;
}

export interface BarTrace {
  type: "bar";
  x: number[] | string[];
  y: number[];
  name?: string;
  marker?: Marker;
}

export interface HeatmapTrace {
  type: "heatmap";
  z: number[][];
  x?: number[] | string[];
  y?: number[] | string[];
  name?: string;
  colorscale?: string;
}

export type Trace = ScatterTrace | HistogramTrace | BarTrace | HeatmapTrace;

export interface Axis {
  title?: { text: string };
  type?: "linear" | "log" | "category";
  range?: [number, number];
}

export interface Layout {
  title?: { text: string };
  xaxis?: Axis;
  yaxis?: Axis;
  width?: number;
  height?: number;
  barmode?: "group" | "overlay" | "stack";
  showlegend?: boolean;
  margin?: { l?: number; r?: number; t?: number; b?: number };
}

/** A plotly.js figure: what `Plotly.newPlot(div, fig.data, fig.layout)` draws. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}

/** Default size (px) when the layout sets none: also the PNG size. */
export const DEFAULT_WIDTH = 720;
export const DEFAULT_HEIGHT = 420;
