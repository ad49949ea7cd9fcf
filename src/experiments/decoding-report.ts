// Tables and figures of `npm run decoding` (src/experiments/decoding.ts): the seed means per model, stage, strategy
// and step count, the markdown table the README quotes, and the gen PPL / rep-4 vs steps figures.
import { cycleColor, type Figure } from "../plot/figure";
import { lineFigure } from "../plot/builders";
import type { DecodingRow } from "./decoding";

/** Rows of one (model, stage, strategy, steps) cell, over seeds. */
export interface DecodingCell {
  model: string;
  stage: string;
  strategy: string;
  steps: number;
  seeds: number[];
  rows: DecodingRow[];
  mean: (key: keyof DecodingRow) => number;
}

/** Groups rows by (model, stage, strategy, steps), in first-seen order. */
export function decodingCells(rows: readonly DecodingRow[]): DecodingCell[] {
  const map = new Map<string, DecodingRow[]>();
  for (const r of rows) {
    const k = `${r.model}|${r.stage}|${r.strategy}|${r.steps}`;
    map.set(k, [...(map.get(k) ?? []), r]);
  }
  return Array.from(map.values(), (rs) => ({
    model: rs[0].model,
    stage: rs[0].stage,
    strategy: rs[0].strategy,
    steps: rs[0].steps,
    seeds: rs.map((r) => r.seed),
    rows: rs,
    mean: (key) => rs.reduce((a, r) => a + (r[key] as number), 0) / rs.length,
  }));
}

const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : "-");

/** The README table: gen PPL (per seed and mean), rep-2/4, distinct-4, entropy, high-prior rate, model calls. */
export function decodingMarkdown(rows: readonly DecodingRow[], scorer: string): string {
  const lines = [
    `| model | stage | decoding | steps | gen PPL (mean; per seed) | rep-2 | rep-4 | distinct-4 | entropy (nats) | high-prior rate | model calls |`,
    `|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const c of decodingCells(rows)) {
    const per = c.rows.map((r) => f(r.genPpl, 1)).join(" / ");
    const stage = c.stage === "base" ? "before R2FT" : c.stage === "r2ft" ? "after R2FT" : "-";
    lines.push(`| ${c.model.toUpperCase()} | ${stage} | ${c.strategy} | ${c.steps || "-"} | ${f(c.mean("genPpl"), 1)} (${per}) | ${f(c.mean("rep2"), 3)} | ${f(c.mean("rep4"), 3)} | ${f(c.mean("distinct4"), 3)} | ${f(c.mean("entropy"), 3)} | ${f(c.mean("highPriorRate"), 3)} | ${f(c.mean("modelCalls"), 0)} |`);
  }
  return `Gen PPL scorer: ${scorer}; continuation tokens only (NLL of prompt + continuation minus NLL of the prompt).\n\n${lines.join("\n")}`;
}

/** `key` (gen PPL or rep-4) vs sampler steps, one line per (model, stage, strategy), seed means. */
export function decodingFigure(rows: readonly DecodingRow[], key: "genPpl" | "rep4", title: string): Figure {
  const cells = decodingCells(rows.filter((r) => r.model !== "reference"));
  const steps = [...new Set(cells.map((c) => c.steps))].sort((a, b) => a - b);
  const groups = [...new Set(cells.map((c) => `${c.model}|${c.stage}|${c.strategy}`))];
  // One colour per model and strategy, dashed after R2FT: a base line and its fine-tune share a colour.
  const colours = [...new Set(cells.map((c) => `${c.model}|${c.strategy}`))];
  const series = groups.map((g) => {
    const [model, stage, strategy] = g.split("|");
    const y = steps.map((st) => cells.find((c) => `${c.model}|${c.stage}|${c.strategy}` === g && c.steps === st)?.mean(key) ?? NaN);
    const name = `${model.toUpperCase()} ${stage === "r2ft" ? "+R2FT" : ""} ${strategy}`.replace(/ +/g, " ");
    return { name, y, dash: stage === "r2ft" ? ("dash" as const) : undefined, color: cycleColor(colours.indexOf(`${model}|${strategy}`)) };
  });
  // Gen PPL spans orders of magnitude across strategies (a log axis); rep-4 is a share in [0, 1].
  return lineFigure({ x: steps, series, markers: true, title, xTitle: "sampler steps", yTitle: key === "genPpl" ? "gen PPL (AR scorer)" : "rep-4", logX: true, logY: key === "genPpl", width: 900, height: 500 });
}
