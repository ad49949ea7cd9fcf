// Tests for src/experiments/grid-figures.ts: one line per run with a curve, one colour per method, dotted seeds >= 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gridCurvesFigure } from "../../src/experiments/grid-figures";
import type { GridRow } from "../../src/experiments/grid";
import { gridRow } from "./grid-rows";
import { PLOTLY_COLORWAY, cycleColor } from "../../src/plot/figure";
import type { ScatterTrace } from "../../src/plot/figure";

function row(method: string, seed: number, curve: { tokens: number; val: number }[]): GridRow {
  return gridRow(method, seed, { curve });
}

test("gridCurvesFigure: a trace per run with a curve, coloured by method, dotted for seed >= 1", () => {
  const c = [{ tokens: 10, val: 6 }, { tokens: 20, val: 5.5 }];
  const fig = gridCurvesFigure([row("unigram", 0, []), row("mdlm", 0, c), row("hdlm", 0, c), row("mdlm", 1, c)]);
  const traces = fig.data as ScatterTrace[];
  assert.deepEqual(traces.map((t) => t.name), ["mdlm s0", "hdlm s0", "mdlm s1"]);
  assert.deepEqual(traces[0].x, [10, 20]);
  assert.deepEqual(traces[0].y, [6, 5.5]);
  assert.deepEqual(traces.map((t) => t.line?.color), [PLOTLY_COLORWAY[0], PLOTLY_COLORWAY[1], PLOTLY_COLORWAY[0]]);
  assert.deepEqual(traces.map((t) => t.line?.dash), [undefined, undefined, "dot"]);
  assert.throws(() => gridCurvesFigure([row("unigram", 0, [])]), /no run has a validation curve/);
});

test("cycleColor wraps around plotly's ten default colours", () => {
  assert.equal(cycleColor(0), "#1f77b4");
  assert.equal(cycleColor(10), cycleColor(0));
  assert.equal(cycleColor(-1), cycleColor(9));
});
