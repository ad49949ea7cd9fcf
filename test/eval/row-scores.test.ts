// Tests of the per-sequence statistics: the ratio estimator's standard error against the spread of repeated draws,
// paired differences cancel shared row difficulty, and the 2-SE verdict.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ratioWithError, summarizeRows, pairedDifference, verdict, concatRows } from "../../src/eval/row-scores";
import { SeededRng } from "../../src/util/rng";

/** m rows with c_i tokens each, per-token values with row difficulty d_i plus noise. */
function draw(rng: SeededRng, m: number, difficulty: Float64Array, shift: number) {
  const nats = new Float64Array(m);
  const tokens = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    tokens[i] = 10 + (i % 7);
    for (let j = 0; j < tokens[i]; j++) nats[i] += difficulty[i] + shift + (rng.uniform() - 0.5);
  }
  return { nats, tokens };
}

test("ratio standard error matches the spread of the estimate over repeated draws (within 15%)", () => {
  const rng = new SeededRng(1);
  const m = 200;
  const difficulty = Float64Array.from({ length: m }, () => 3 + 2 * rng.uniform());
  const est: number[] = [];
  const ses: number[] = [];
  for (let r = 0; r < 300; r++) {
    // fresh rows each time: difficulty redrawn, so the SE covers the choice of rows as well
    const d = Float64Array.from({ length: m }, () => 3 + 2 * rng.uniform());
    const x = draw(rng, m, d, 0);
    const s = ratioWithError(x.nats, x.tokens);
    est.push(s.ratio);
    ses.push(s.stdError);
  }
  const mean = est.reduce((a, b) => a + b, 0) / est.length;
  const sd = Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / (est.length - 1));
  const meanSe = ses.reduce((a, b) => a + b, 0) / ses.length;
  assert.ok(Math.abs(meanSe / sd - 1) < 0.15, `SE ${meanSe} vs observed spread ${sd}`);
  assert.ok(Math.abs(mean - 4) < 4 * sd, `mean ${mean}`);
});

test("paired differences cancel the rows' shared difficulty; verdict needs 2 SE", () => {
  const rng = new SeededRng(2);
  const m = 100;
  const difficulty = Float64Array.from({ length: m }, () => 10 * rng.uniform());
  const a = draw(rng, m, difficulty, 0);
  const b = draw(rng, m, difficulty, 0.1);
  const d = pairedDifference(a, b);
  const sa = summarizeRows(a);
  const sb = summarizeRows(b);
  assert.ok(Math.abs(d.diff - (sa.natsPerToken - sb.natsPerToken)) < 1e-9, "the pooled difference equals the difference of pooled means");
  assert.ok(d.stdError < sa.stdError / 10, `paired SE ${d.stdError} vs unpaired ${sa.stdError}`);
  assert.equal(verdict(d.diff, d.stdError), "lower");
  assert.equal(verdict(0.01, 0.01), "no difference");
  assert.equal(verdict(0.03, 0.01), "higher");
  assert.throws(() => pairedDifference(a, { nats: a.nats.slice(1), tokens: a.tokens.slice(1) }), /same rows/);
  assert.throws(() => pairedDifference(a, { nats: a.nats, tokens: a.tokens.map((t) => t + 1) }), /same tokens/);
});

test("rows without tokens are skipped; concatenation keeps the order; one row has SE 0", () => {
  const s = summarizeRows(concatRows([{ nats: Float64Array.of(2, 0), tokens: Float64Array.of(1, 0) }, { nats: Float64Array.of(4), tokens: Float64Array.of(1) }]));
  assert.equal(s.rows, 2);
  assert.equal(s.tokens, 2);
  assert.equal(s.natsPerToken, 3);
  assert.equal(s.ppl, Math.exp(3));
  assert.equal(ratioWithError([5], [2]).stdError, 0);
  assert.throws(() => ratioWithError([0], [0]), /no tokens to score/);
});
