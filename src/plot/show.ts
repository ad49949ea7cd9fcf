// showFigure: one inline output per figure (plotly JSON + HTML + text) and its files under
// out/figures: <name>.html (standalone, offline) and <name>.png (headless Chromium, optional).
import * as fs from "fs";
import * as path from "path";
import { displayBundle, newDisplayId } from "../notebook/display";
import { checkArtifactName, outDir } from "../notebook/paths";
import { Figure } from "./figure";
import { figureDiv, plotlyJsPath, plotlyScriptTag, standaloneHtml } from "./html";
import { figureToPng, pngEnabled } from "./png";

export interface ShowFigureOptions {
  /** File stem under out/figures (default: from the title, else figure-<n>). */
  name?: string;
  /** Write out/figures/<name>.html (default true). */
  save?: boolean;
  /** Also write <name>.png (default: pngEnabled(), i.e. HDLM_FIGURE_PNG, off in smoke mode). */
  png?: boolean;
}

/** What showFigure wrote. */
export interface ShownFigure {
  name: string;
  html?: string;
  png?: string;
  /** Why no PNG was written, when one was asked for. */
  pngSkipped?: string;
}

// plotly.js is inlined in the first figure output of the process (i.e. of the notebook run):
// later figures in the same page find window.Plotly already defined.
let plotlyInlined = false;
let counter = 0;

/** Makes the next figure inline plotly.js again (e.g. after a front end reloaded the page). */
export function resetPlotlyInline(): void {
  plotlyInlined = false;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
}

function figureText(fig: Figure, name: string): string {
  const title = fig.layout.title?.text ?? name;
  const traces = fig.data.map((t) => `${t.type}${t.name ? ` "${t.name}"` : ""}`).join(", ");
  return `Figure "${title}": ${traces}`;
}

/** The bundle showFigure displays: plotly JSON, HTML (div + Plotly.newPlot) and text. */
export function figureBundle(fig: Figure, name: string, inlinePlotly: boolean): Record<string, unknown> {
  const divId = `hdlm-fig-${name}-${newDisplayId()}`;
  return {
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout },
    "text/html": (inlinePlotly ? plotlyScriptTag() : "") + figureDiv(fig, divId),
    "text/plain": figureText(fig, name),
  };
}

/** Writes out/figures/<name>.html (and plotly.min.js beside it, once). */
export function saveFigureHtml(fig: Figure, name: string): string {
  const dir = outDir("figures");
  const lib = path.join(dir, "plotly.min.js");
  const src = plotlyJsPath();
  if (!fs.existsSync(lib) || fs.statSync(lib).size !== fs.statSync(src).size) fs.copyFileSync(src, lib);
  const file = path.join(dir, `${checkArtifactName(name, "figure")}.html`);
  fs.writeFileSync(file, standaloneHtml(fig, fig.layout.title?.text ?? name, "plotly.min.js"));
  return file;
}

/**
 * Shows a figure inline as ONE display_data (application/vnd.plotly.v1+json for JupyterLab/VS Code,
 * text/html for nbconvert's HTML and classic front ends, text/plain) and saves it under out/figures.
 */
export function showFigure(fig: Figure, options: ShowFigureOptions = {}): ShownFigure {
  if (!fig || !Array.isArray(fig.data) || typeof fig.layout !== "object") {
    throw new Error("showFigure: fig must be a Figure { data: Trace[], layout } (see lineFigure/histogramFigure)");
  }
  counter += 1;
  const name = checkArtifactName(options.name ?? (slug(fig.layout.title?.text ?? "") || `figure-${counter}`), "figure");
  const shown: ShownFigure = { name };
  if (options.save !== false) {
    shown.html = saveFigureHtml(fig, name);
    if (options.png ?? pngEnabled()) {
      // A screenshot of a static copy (no mode bar over the title).
      const r = figureToPng(fig, shown.html.replace(/\.html$/, ".png"));
      if ("png" in r) shown.png = r.png;
      else shown.pngSkipped = r.skipped;
    }
  }
  displayBundle(figureBundle(fig, name, !plotlyInlined));
  plotlyInlined = true;
  return shown;
}
