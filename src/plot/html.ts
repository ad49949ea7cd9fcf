// HTML for plotly figures: the inline notebook snippet (div + Plotly.newPlot) and the standalone page
// saved under out/figures; plotly.js comes from the local plotly.js-dist-min, so both work offline.
import * as fs from "fs";
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, Figure } from "./figure";

/** Path of the local plotly.js bundle (plotly.js-dist-min). */
export function plotlyJsPath(): string {
  try {
    return require.resolve("plotly.js-dist-min/plotly.min.js");
  } catch {
    throw new Error("plotly.js-dist-min is not installed; run npm install in the hdlm-lab folder");
  }
}

let plotlySource: string | null = null;

/** The plotly.js source, read once per process. */
export function plotlyJs(): string {
  if (plotlySource === null) plotlySource = fs.readFileSync(plotlyJsPath(), "utf8");
  return plotlySource;
}

/** JSON safe to embed inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * A <script> that defines window.Plotly from the inlined bundle. AMD loaders (require.js in some
 * Jupyter HTML templates) would capture plotly as a module instead, so `define` is hidden meanwhile.
 */
export function plotlyScriptTag(): string {
  const src = plotlyJs().replace(/<\/script/gi, "<\\/script");
  return (
    `<script type="text/javascript">window.__hdlmDefine = window.define; window.define = undefined;</script>\n` +
    `<script type="text/javascript">${src}</script>\n` +
    `<script type="text/javascript">window.define = window.__hdlmDefine;</script>\n`
  );
}

/** Figure width and height in px (the layout's, else the defaults). */
export function figureSize(fig: Figure): { width: number; height: number } {
  return { width: fig.layout.width ?? DEFAULT_WIDTH, height: fig.layout.height ?? DEFAULT_HEIGHT };
}

/**
 * A div and the script that draws the figure into it. The script waits for window.Plotly, so it works
 * whether plotly.js was inlined before it in this output, in an earlier output, or in the page head.
 */
export function figureDiv(fig: Figure, divId: string, config: Record<string, unknown> = { displaylogo: false }): string {
  const { width, height } = figureSize(fig);
  const layout = { ...fig.layout, width, height };
  return (
    `<div id="${divId}" class="hdlm-figure" style="width: ${width}px; height: ${height}px;"></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var fig = ${scriptJson({ data: fig.data, layout })};\n` +
    `  var tries = 0;\n` +
    `  function draw() {\n` +
    `    var el = document.getElementById(${scriptJson(divId)});\n` +
    `    if (window.Plotly && el) { window.Plotly.newPlot(el, fig.data, fig.layout, ${scriptJson(config)}); return; }\n` +
    `    if (++tries < 200) setTimeout(draw, 25);\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>`
  );
}

/**
 * A standalone HTML page for the figure; `plotlySrc` is the script URL (relative path) of plotly.js.
 * `staticPlot` drops the mode bar and interactivity (for PNG screenshots).
 */
export function standaloneHtml(fig: Figure, title: string, plotlySrc: string, staticPlot = false): string {
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title.replace(/[<>&"]/g, "")}</title>\n` +
    `<script type="text/javascript" src="${plotlySrc}"></script></head>\n` +
    `<body style="margin: 0;">\n${figureDiv(fig, "figure", staticPlot ? { staticPlot: true } : { displaylogo: false })}\n</body></html>\n`
  );
}
