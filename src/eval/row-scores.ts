// Per-sequence scores and what is computed from them: the per-token bound with its standard error, and the paired
// difference of two models scored on the same sequences (issue 8: "a difference is a difference only when it
// exceeds twice its standard error").

/** Nats and scored tokens per evaluated sequence (row), in a fixed row order shared by every model scored. */
export interface RowScores {
  /** Σ of the per-token loss (ELBO or NLL, nats) over the row's scored tokens, averaged over the t draws. */
  nats: Float64Array;
  /** Scored tokens of the row. */
  tokens: Float64Array;
}

/** A per-token bound and its standard error. */
export interface BoundSummary {
  /** Σ nats / Σ tokens. */
  natsPerToken: number;
  /** Standard error of `natsPerToken` (ratio estimator over rows; covers the t and z_t draws and the choice of rows). */
  stdError: number;
  /** exp(natsPerToken): an upper bound on the perplexity for an ELBO, the perplexity for an exact NLL. */
  ppl: number;
  tokens: number;
  rows: number;
}

/** Concatenates row scores (e.g. batch by batch). */
export function concatRows(parts: readonly RowScores[]): RowScores {
  const n = parts.reduce((a, p) => a + p.nats.length, 0);
  const nats = new Float64Array(n);
  const tokens = new Float64Array(n);
  let o = 0;
  for (const p of parts) {
    if (p.nats.length !== p.tokens.length) throw new RangeError(`row scores: nats and tokens must have equal lengths, got ${p.nats.length} and ${p.tokens.length}`);
    nats.set(p.nats, o);
    tokens.set(p.tokens, o);
    o += p.nats.length;
  }
  return { nats, tokens };
}

/**
 * The ratio estimate r = Σ y_i / Σ c_i over rows and its standard error
 * sqrt(Σ (y_i − r c_i)² / (m (m − 1))) / mean(c) (the delta method for a ratio of means; 0 with one row).
 */
export function ratioWithError(y: ArrayLike<number>, c: ArrayLike<number>): { ratio: number; stdError: number } {
  const m = y.length;
  if (m !== c.length) throw new RangeError(`ratioWithError: ${m} values but ${c.length} token counts`);
  let sy = 0, sc = 0;
  for (let i = 0; i < m; i++) {
    sy += y[i];
    sc += c[i];
  }
  if (!(sc > 0)) throw new Error("no tokens to score (every row is empty)");
  const ratio = sy / sc;
  if (m < 2) return { ratio, stdError: 0 };
  let v = 0;
  for (let i = 0; i < m; i++) v += (y[i] - ratio * c[i]) ** 2;
  return { ratio, stdError: Math.sqrt(v / (m * (m - 1))) / (sc / m) };
}

/** Per-token bound, its standard error and PPL of row scores (rows with no tokens are skipped). */
export function summarizeRows(r: RowScores): BoundSummary {
  const keep: number[] = [];
  for (let i = 0; i < r.tokens.length; i++) if (r.tokens[i] > 0) keep.push(i);
  const y = keep.map((i) => r.nats[i]);
  const c = keep.map((i) => r.tokens[i]);
  const { ratio, stdError } = ratioWithError(y, c);
  return { natsPerToken: ratio, stdError, ppl: Math.exp(ratio), tokens: c.reduce((a, b) => a + b, 0), rows: keep.length };
}

/**
 * The paired difference a − b in nats per token of two models scored on the same rows (same tokens), with its
 * standard error over rows: far smaller than either model's own error, because the rows' difficulty cancels.
 */
export function pairedDifference(a: RowScores, b: RowScores): { diff: number; stdError: number } {
  if (a.tokens.length !== b.tokens.length) throw new RangeError(`paired difference: ${a.tokens.length} rows vs ${b.tokens.length} rows; score both models on the same rows`);
  for (let i = 0; i < a.tokens.length; i++) {
    if (a.tokens[i] !== b.tokens[i]) throw new RangeError(`paired difference: row ${i} has ${a.tokens[i]} vs ${b.tokens[i]} scored tokens; score both models on the same tokens`);
  }
  const keep: number[] = [];
  for (let i = 0; i < a.tokens.length; i++) if (a.tokens[i] > 0) keep.push(i);
  const r = ratioWithError(keep.map((i) => a.nats[i] - b.nats[i]), keep.map((i) => a.tokens[i]));
  return { diff: r.ratio, stdError: r.stdError };
}

/** "lower", "higher" or "no difference": a − b is called a difference only when |a − b| > 2 standard errors. */
export function verdict(diff: number, stdError: number): "lower" | "higher" | "no difference" {
  if (Math.abs(diff) <= 2 * stdError) return "no difference";
  return diff < 0 ? "lower" : "higher";
}
