// The comparison tables of a grid (issue 8): per method the bound on every evaluation set as nats/token with its
// standard error (estimator and seeds together), and the paired differences between methods on the same tokens,
// called a difference only when they exceed twice their standard error.
import { pairedDifference, verdict } from "../eval/row-scores";
import type { GridResult, GridRow, SetScore } from "./grid";

/** A method's mean over seeds on one set, with the standard error of that mean. */
export interface MethodScore {
  natsPerToken: number;
  /** sqrt(Σ_s se_s² / S² + sd_seeds² / S): the estimators' errors plus the spread over training seeds (S >= 2). */
  stdError: number;
  seeds: number;
}

/** Mean over seeds and its standard error (see {@link MethodScore}). */
export function combineSeeds(scores: { value: number; stdError: number }[]): MethodScore {
  const S = scores.length;
  if (S === 0) throw new Error("combineSeeds: no scores");
  const mean = scores.reduce((a, s) => a + s.value, 0) / S;
  const est = scores.reduce((a, s) => a + s.stdError ** 2, 0) / (S * S);
  const spread = S > 1 ? scores.reduce((a, s) => a + (s.value - mean) ** 2, 0) / (S - 1) / S : 0;
  return { natsPerToken: mean, stdError: Math.sqrt(est + spread), seeds: S };
}

/** Methods in the order they first appear in `rows`. */
export function methodOrder(rows: GridRow[]): string[] {
  const order: string[] = [];
  for (const r of rows) if (!order.includes(r.method)) order.push(r.method);
  return order;
}

/** Per method and set: the seed-combined score. */
export function methodScores(rows: GridRow[], setKey: string): Map<string, MethodScore> {
  const out = new Map<string, MethodScore>();
  for (const m of methodOrder(rows)) {
    const s = rows.filter((r) => r.method === m && r.scores[setKey] !== undefined).map((r) => ({ value: r.scores[setKey].natsPerToken, stdError: r.scores[setKey].stdError }));
    if (s.length > 0) out.set(m, combineSeeds(s));
  }
  return out;
}

/** One paired comparison a − b on one set. */
export interface Difference {
  a: string;
  b: string;
  set: string;
  /** Mean over seed pairs of the paired difference (nats/token); negative: a is lower (better). */
  diff: number;
  stdError: number;
  verdict: "lower" | "higher" | "no difference";
  pairs: number;
}

/**
 * a − b on `setKey`, paired row by row (the same tokens) and seed by seed (seed i of a with seed i of b, or with b's
 * only row for the unigram); the seed-pair differences are combined as in {@link combineSeeds}.
 */
export function methodDifference(rows: GridRow[], a: string, b: string, setKey: string): Difference | null {
  const ra = rows.filter((r) => r.method === a && r.scores[setKey] !== undefined);
  const rb = rows.filter((r) => r.method === b && r.scores[setKey] !== undefined);
  if (ra.length === 0 || rb.length === 0) return null;
  const rowsOf = (s: SetScore) => ({ nats: Float64Array.from(s.perRow), tokens: Float64Array.from(s.perRowTokens) });
  const pairs: { value: number; stdError: number }[] = [];
  for (const x of ra) {
    const y = rb.length === 1 ? rb[0] : rb.find((r) => r.seed === x.seed);
    if (y === undefined) continue;
    const d = pairedDifference(rowsOf(x.scores[setKey]), rowsOf(y.scores[setKey]));
    pairs.push({ value: d.diff, stdError: d.stdError });
  }
  if (pairs.length === 0) return null;
  const c = combineSeeds(pairs);
  return { a, b, set: setKey, diff: c.natsPerToken, stdError: c.stdError, verdict: verdict(c.natsPerToken, c.stdError), pairs: pairs.length };
}

function fmt(s: MethodScore | undefined): string {
  if (s === undefined) return "–";
  return `${s.natsPerToken.toFixed(3)} ± ${s.stdError.toFixed(3)} (${Math.exp(s.natsPerToken).toFixed(1)})`;
}

function meanOf(rows: GridRow[], method: string, f: (r: GridRow) => number): string {
  const v = rows.filter((r) => r.method === method).map(f).filter(Number.isFinite);
  if (v.length === 0) return "–";
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return v.length > 1 ? `${m.toFixed(2)} ± ${sd.toFixed(2)}` : m.toFixed(2);
}

/** The main table: one line per method, nats/token ± SE (PPL) per set, tokens, gen PPL and entropy. */
export function gridMarkdown(result: Pick<GridResult, "rows" | "sets">): string {
  const { rows, sets } = result;
  const head = `| method | seeds | train tokens | ${sets.map((s) => `${s.label} nats/token ± SE (PPL)`).join(" | ")} | gen PPL (AR scorer) | entropy (nats) |`;
  const rule = `|---|---|---|${sets.map(() => "---").join("|")}|---|---|`;
  const per = new Map(sets.map((s) => [s.key, methodScores(rows, s.key)]));
  const body = methodOrder(rows).map((m) => {
    const rs = rows.filter((r) => r.method === m);
    return `| ${m} | ${rs.length} | ${rs[0].trainTokens.toLocaleString("en-US")} | ${sets.map((s) => fmt(per.get(s.key)?.get(m))).join(" | ")} | ${meanOf(rows, m, (r) => r.genPpl)} | ${meanOf(rows, m, (r) => r.entropy)} |`;
  });
  return [head, rule, ...body].join("\n");
}

/** Every pair of methods (a listed before b) on every set, as a table of paired differences with verdicts. */
export function differencesMarkdown(result: Pick<GridResult, "rows" | "sets">, pairs?: [string, string][]): string {
  const methods = methodOrder(result.rows);
  const list = pairs ?? methods.flatMap((a, i) => methods.slice(i + 1).map((b) => [b, a] as [string, string]));
  const head = `| a − b | seed pairs | ${result.sets.map((s) => `${s.label} (nats/token)`).join(" | ")} |`;
  const rule = `|---|---|${result.sets.map(() => "---").join("|")}|`;
  const body = list.map(([a, b]) => {
    const ds = result.sets.map((s) => methodDifference(result.rows, a, b, s.key));
    const cells = ds.map((d) => (d === null ? "–" : `${d.diff >= 0 ? "+" : ""}${d.diff.toFixed(3)} ± ${d.stdError.toFixed(3)}: ${d.verdict === "no difference" ? "no difference" : `a ${d.verdict}`}`));
    const pairCounts = [...new Set(ds.filter((d): d is Difference => d !== null).map((d) => d.pairs))];
    return `| ${a} − ${b} | ${pairCounts.length === 0 ? "–" : pairCounts.join(" / ")} | ${cells.join(" | ")} |`;
  });
  return [head, rule, ...body].join("\n");
}
