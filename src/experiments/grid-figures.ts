// Figures of a comparison grid: the validation curve of every run (bound or NLL vs training tokens, fixed batches).
import { lineFigure } from "../plot/builders";
import { cycleColor, type Figure } from "../plot/figure";
import type { GridRow } from "./grid";

/** One line per run with a curve: x = training tokens, y = the trainer's validation loss at that point (nats/token). */
export function gridCurvesFigure(rows: readonly GridRow[], title = "Validation bound vs training tokens"): Figure {
  // One colour per method (plotly's default cycle), solid for seed 0 and dotted for the other seeds.
  const methods = [...new Set(rows.filter((r) => r.curve.length > 0).map((r) => r.method))];
  const series = rows
    .filter((r) => r.curve.length > 0)
    .map((r) => ({
      name: `${r.method} s${r.seed}`,
      x: r.curve.map((p) => p.tokens),
      y: r.curve.map((p) => p.val),
      dash: r.seed === 0 ? undefined : ("dot" as const),
      color: cycleColor(methods.indexOf(r.method)),
    }));
  if (series.length === 0) throw new Error("gridCurvesFigure: no run has a validation curve");
  return lineFigure({ title, xTitle: "training tokens", yTitle: "validation loss (nats/token; ELBO for diffusion, NLL for AR)", series, markers: true });
}
