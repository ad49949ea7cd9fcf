// Tests for src/plot: builders validate and shape traces; showFigure sends one bundle with plotly JSON,
// HTML and text, inlines plotly.js once per process, and saves a standalone page under out/figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { barFigure, heatmapFigure, histogramFigure, lineFigure } from "../../src/plot/builders";
import { figureDiv, plotlyJsPath } from "../../src/plot/html";
import * as zlib from "zlib";
import { figureToPng, findChromium, pngEnabled } from "../../src/plot/png";
import { resetPlotlyInline, showFigure } from "../../src/plot/show";
import { MimeBundle, setDisplaySink } from "../../src/notebook/display";
import { movingAverage } from "../../src/plot/smooth";

test("lineFigure: one scatter trace per series, default x = 0..n-1, legend only for several", () => {
  const f = lineFigure({ series: [{ name: "loss", y: [3, 2, 1.5] }], title: "Loss", xTitle: "step", logY: true });
  assert.equal(f.data.length, 1);
  assert.deepEqual(f.data[0], { type: "scatter", mode: "lines", name: "loss", x: [0, 1, 2], y: [3, 2, 1.5] });
  assert.equal(f.layout.title?.text, "Loss");
  assert.equal(f.layout.yaxis?.type, "log");
  assert.equal(f.layout.showlegend, false);
  const g = lineFigure({ x: [10, 20], series: [{ name: "a", y: [1, 2] }, { name: "b", y: [NaN, 4] }] });
  assert.deepEqual(g.data[1].type === "scatter" && g.data[1].x, [10, 20]);
  assert.equal(g.layout.showlegend, true);
});

test("builders name the bad argument", () => {
  assert.throws(() => lineFigure({ x: [1, 2, 3], series: [{ name: "loss", y: [1, 2] }] }), /series 0 \(loss\): x has 3 values but y has 2/);
  assert.throws(() => lineFigure({ series: [] }), /series must be a non-empty array/);
  assert.throws(() => histogramFigure([1, Infinity]), /values \(values\)\[1\] must be a finite number/);
  assert.throws(() => histogramFigure([1, 2], { bins: 0 }), /bins must be a positive integer, got 0/);
  assert.throws(() => barFigure(["a"], [1, 2]), /1 labels but 2 values/);
  assert.throws(() => heatmapFigure([[1, 2], [3]]), /row 1 has 1 values, row 0 has 2/);
  assert.throws(() => lineFigure({ series: [{ name: "a", y: [1] }], width: 10 }), /width must be an integer number of pixels/);
});

test("histogramFigure: overlaid groups and pinned equal-width bins from the min", () => {
  const f = histogramFigure({ train: [1, 2, 2, 9], valid: [3, 4] }, { binSize: 2, title: "Lengths" });
  assert.equal(f.data.length, 2);
  assert.equal(f.layout.barmode, "overlay");
  for (const t of f.data) {
    assert.equal(t.type, "histogram");
    if (t.type === "histogram") assert.deepEqual(t.xbins, { start: 1, end: 11, size: 2 });
  }
});

test("figureDiv escapes data so it cannot close its script element", () => {
  const f = lineFigure({ series: [{ name: "</script><b>x", y: [1, 2] }] });
  const html = figureDiv(f, "d1");
  assert.equal(html.match(/<\/script>/g)?.length, 1);
  assert.ok(html.includes("\\u003c/script>"));
});

test("showFigure: one bundle with plotly JSON + HTML + text; plotly.js inlined once; HTML saved", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-plot-"));
  const prevOut = process.env.HDLM_OUT_DIR;
  process.env.HDLM_OUT_DIR = dir;
  const bundles: MimeBundle[] = [];
  const prevSink = setDisplaySink((b) => bundles.push(b));
  try {
    resetPlotlyInline();
    const fig = histogramFigure([1, 2, 2, 3], { title: "Doc lengths" });
    const a = showFigure(fig, { png: false });
    const b = showFigure(fig, { name: "second", png: false });
    assert.equal(bundles.length, 2);
    for (const bundle of bundles) {
      assert.deepEqual(Object.keys(bundle).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
      assert.deepEqual((bundle["application/vnd.plotly.v1+json"] as { data: unknown }).data, fig.data);
      assert.match(bundle["text/html"] as string, /Plotly\.newPlot/);
    }
    const libSize = fs.statSync(plotlyJsPath()).size;
    assert.ok((bundles[0]["text/html"] as string).length > libSize, "first figure inlines plotly.js");
    assert.ok((bundles[1]["text/html"] as string).length < 10_000, "second figure does not");
    assert.equal(a.name, "doc-lengths");
    assert.equal(a.html, path.join(dir, "figures", "doc-lengths.html"));
    assert.equal(b.html, path.join(dir, "figures", "second.html"));
    const page = fs.readFileSync(a.html!, "utf8");
    assert.match(page, /<script type="text\/javascript" src="plotly.min.js">/);
    assert.equal(fs.statSync(path.join(dir, "figures", "plotly.min.js")).size, libSize);
    assert.equal(a.png, undefined);
    assert.throws(() => showFigure(fig, { name: "../escape", png: false }), /figure name must be letters/);
  } finally {
    setDisplaySink(prevSink);
    if (prevOut === undefined) delete process.env.HDLM_OUT_DIR;
    else process.env.HDLM_OUT_DIR = prevOut;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("pngEnabled: HDLM_FIGURE_PNG wins, else off in smoke mode", () => {
  assert.equal(pngEnabled({ HDLM_FIGURE_PNG: "1", HDLM_SMOKE: "1" }), true);
  assert.equal(pngEnabled({ HDLM_FIGURE_PNG: "0" }), false);
  assert.equal(pngEnabled({ HDLM_SMOKE: "1" }), false);
  assert.equal(pngEnabled({}), true);
  assert.throws(() => pngEnabled({ HDLM_FIGURE_PNG: "maybe" }), /HDLM_FIGURE_PNG=maybe is not understood/);
});

test("showFigure png: headless Chromium writes a PNG of the layout's size", { skip: findChromium() === null ? "chromium not installed" : false }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-png-"));
  const prevOut = process.env.HDLM_OUT_DIR;
  process.env.HDLM_OUT_DIR = dir;
  const prevSink = setDisplaySink(() => undefined);
  try {
    const r = showFigure(lineFigure({ series: [{ name: "y", y: [1, 3, 2] }], width: 400, height: 300 }), { name: "small", png: true });
    assert.equal(r.pngSkipped, undefined);
    const png = fs.readFileSync(r.png!);
    assert.equal(png.subarray(1, 4).toString("ascii"), "PNG");
    // IHDR: width and height are big-endian u32 at bytes 16 and 20.
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [400, 300]);
    assert.ok(!fs.existsSync(path.join(dir, "figures", "small.static.html")), "the screenshot page is removed");
  } finally {
    setDisplaySink(prevSink);
    if (prevOut === undefined) delete process.env.HDLM_OUT_DIR;
    else process.env.HDLM_OUT_DIR = prevOut;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Distinct byte values in a PNG's inflated image data: a blank page gives only filter bytes and white. */
function distinctPixelBytes(png: Buffer): number {
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    if (png.toString("ascii", at + 4, at + 8) === "IDAT") idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  return new Set(zlib.inflateSync(Buffer.concat(idat))).size;
}

test("figureToPng: writes the rendered plot (plotly.js loaded by file URL) at the layout's size", { skip: findChromium() === null ? "chromium not installed" : false }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-png-"));
  try {
    const out = path.join(dir, "nested", "curve.png");
    const r = figureToPng(lineFigure({ series: [{ name: "y", y: [1, 3, 2] }], title: "curve", width: 320, height: 240 }), out);
    assert.deepEqual(r, { png: out });
    const png = fs.readFileSync(out);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [320, 240]);
    assert.ok(distinctPixelBytes(png) > 20, "the page drew a plot, not a blank screen");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("movingAverage: trailing mean over the last k values, fewer at the start; k must be a positive integer", () => {
  assert.deepEqual(movingAverage([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
  assert.deepEqual(movingAverage([5, 7], 1), [5, 7]);
  assert.throws(() => movingAverage([1], 0), /k must be a positive integer/);
});
