// Tests of the validation PPL bound: the quadrature and Monte Carlo estimators against the exact expected ELBO,
// computed by enumerating every z_t of a toy case (V = 3, 2 clusters, L = 2), for HDLM, MDLM and GIDD; PPL = exp(ELBO).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { LogLinearSchedule } from "../../src/schedules/log-linear";
import { hdlmMarginal, mdlmMarginal } from "../../src/processes/forward";
import { GiddSchedule, giddMarginal } from "../../src/schedules/gidd";
import { EvalModel, validationPpl } from "../../src/eval/valid-ppl";
import type { TokenBatch } from "../../src/data/sequences";
import { type ElboScorer, hdlmElboScorer, mdlmElboScorer, giddElboScorer } from "../../src/methods";
import { TOY } from "../samplers/sampler-helpers";

before(async () => {
  await initEngine();
});

const X = [0, 2];
const PROBS = [0.5, 0.2, 0.3];
const constModel = (W: number): EvalModel => (z) => {
  const [B, L] = z.shape;
  const row = new Float32Array(W).fill(-30);
  PROBS.forEach((p, v) => (row[v] = Math.log(p)));
  const out = new Float32Array(B * L * W);
  for (let i = 0; i < B * L; i++) out.set(row, i * W);
  return tf.tensor3d(out, [B, L, W]);
};

function batchOf(B: number): TokenBatch {
  const tokens = new Int32Array(B * 2);
  for (let b = 0; b < B; b++) tokens.set(X, 2 * b);
  return { tokens, mask: new Int32Array(B * 2).fill(1), batchSize: B, seqLen: 2 };
}

/** Exact mean and variance over z_t of the per-sequence token-mean ELBO at each t, by enumerating all z. */
function exactMoments(scorer: ElboScorer, model: EvalModel, marginal: (x: number, t: number) => Float64Array, ts: number[]): { mean: number[]; variance: number[] } {
  const S = marginal(0, 0.5).length;
  const combos: number[][] = [];
  for (let a = 0; a < S; a++) for (let b = 0; b < S; b++) combos.push([a, b]);
  const mean: number[] = [], variance: number[] = [];
  for (const t of ts) {
    const qa = marginal(X[0], t), qb = marginal(X[1], t);
    const live = combos.filter(([a, b]) => qa[a] * qb[b] > 0);
    const per = tf.tidy(() => {
      const z = tf.tensor2d(live.flat(), [live.length, 2], "int32");
      const x = tf.tensor2d(live.flatMap(() => X), [live.length, 2], "int32");
      const tt = tf.fill([live.length], t) as tf.Tensor1D;
      const pad = tf.ones([live.length, 2]) as tf.Tensor2D;
      return tf.mean(scorer.elbo(model(z, tt, pad), x, z, tt, pad), 1).dataSync();
    });
    let m = 0, m2 = 0;
    live.forEach(([a, b], i) => {
      const w = qa[a] * qb[b];
      m += w * per[i];
      m2 += w * per[i] * per[i];
    });
    mean.push(m);
    variance.push(m2 - m * m);
  }
  return { mean, variance };
}

const cases = () => {
  const hs = new HierarchicalSchedule();
  const ls = new LogLinearSchedule();
  const gs = new GiddSchedule({ pu: 0.3 });
  return [
    { name: "gidd", scorer: giddElboScorer({ schedule: gs, vocabSize: 3 }), model: constModel(4), marginal: (x: number, t: number) => giddMarginal(gs, Math.fround(t), x, 4) },
    { name: "hdlm", scorer: hdlmElboScorer({ schedule: hs, clusters: TOY }), model: constModel(6), marginal: (x: number, t: number) => hdlmMarginal(hs, TOY, x, Math.fround(t)) },
    { name: "mdlm", scorer: mdlmElboScorer({ schedule: ls, vocabSize: 3 }), model: constModel(4), marginal: (x: number, t: number) => mdlmMarginal(ls, 3, x, Math.fround(t)) },
  ];
};

test("quadrature: equals the enumerated mean ELBO over its K midpoints (4 SE), deterministic, PPL = exp(ELBO)", () => {
  for (const c of cases()) {
    const B = 2000, K = 4;
    const r = validationPpl(c.model, c.scorer, [batchOf(B)], { estimator: "quadrature", quadraturePoints: K, seed: 3 });
    const ts = Array.from({ length: K }, (_, k) => (k + 0.5) / K);
    const ex = exactMoments(c.scorer, c.model, c.marginal, ts);
    const exact = ex.mean.reduce((a, b) => a + b, 0) / K;
    const se = Math.sqrt(ex.variance.reduce((a, b) => a + b, 0) / (B * K * K));
    assert.ok(Math.abs(r.elbo - exact) < 4 * se, `${c.name}: quadrature ${r.elbo} vs enumeration ${exact} (se ${se})`);
    assert.equal(r.ppl, Math.exp(r.elbo));
    assert.equal(r.tokens, 2 * B);
    assert.match(r.estimator, /quadrature, K = 4 midpoints, seed 3/);
    const again = validationPpl(c.model, c.scorer, [batchOf(B)], { estimator: "quadrature", quadraturePoints: K, seed: 3 });
    assert.equal(again.elbo, r.elbo, "fixed seed: deterministic");
  }
});

test("monte-carlo: low-discrepancy t draws estimate the t-integral of the enumerated ELBO (4 SE)", () => {
  for (const c of cases()) {
    const eps = 1e-4, K = 400;
    const ts = Array.from({ length: K }, (_, k) => eps + ((1 - 2 * eps) * (k + 0.5)) / K);
    const integral = exactMoments(c.scorer, c.model, c.marginal, ts).mean.reduce((a, b) => a + b, 0) / K;
    const r = validationPpl(c.model, c.scorer, [batchOf(250), batchOf(250)], { tDraws: 8, seed: 5 });
    // GIDD's clean-token ELBO weight grows like t^{-1/2} near t = 0, so its estimator is noisier.
    const rel = c.name === "gidd" ? 0.1 : 0.05;
    assert.ok(r.stdError > 0 && r.stdError < rel * integral, `${c.name}: stdError ${r.stdError}, integral ${integral}`);
    assert.ok(Math.abs(r.elbo - integral) < 4 * r.stdError, `${c.name}: MC ${r.elbo} vs integral ${integral} (se ${r.stdError})`);
    assert.equal(r.tokens, 1000);
    assert.equal(r.batches, 2);
    assert.match(r.estimator, /monte-carlo, 8 low-discrepancy t draws per batch/);
  }
});

test("stratified: K t strata per sequence estimate the t-integral of the enumerated ELBO (4 SE), rows paired by seed", () => {
  for (const c of cases()) {
    const eps = 1e-4, K = 400;
    const ts = Array.from({ length: K }, (_, k) => eps + ((1 - 2 * eps) * (k + 0.5)) / K);
    const integral = exactMoments(c.scorer, c.model, c.marginal, ts).mean.reduce((a, b) => a + b, 0) / K;
    const r = validationPpl(c.model, c.scorer, [batchOf(250), batchOf(250)], { estimator: "stratified", quadraturePoints: 16, seed: 5 });
    // GIDD's clean-token ELBO weight grows like t^{-1/2} near t = 0 (see the Monte Carlo test): a wider tolerance.
    assert.ok(r.stdError > 0 && r.stdError < (c.name === "gidd" ? 0.15 : 0.05) * integral, `${c.name}: stdError ${r.stdError}, integral ${integral}`);
    assert.ok(Math.abs(r.elbo - integral) < 4 * r.stdError, `${c.name}: stratified ${r.elbo} vs integral ${integral} (se ${r.stdError})`);
    assert.equal(r.rows.nats.length, 500);
    assert.equal(r.tokens, 1000);
    assert.match(r.estimator, /stratified, 16 t strata per sequence, seed 5/);
    // Stratifying t per sequence beats one Monte Carlo draw per batch by far at the same seed.
    const mc = validationPpl(c.model, c.scorer, [batchOf(250), batchOf(250)], { seed: 5 });
    assert.ok(r.stdError < mc.stdError, `${c.name}: stratified SE ${r.stdError} vs one-draw SE ${mc.stdError}`);
  }
});

test("padding is not scored; bad options are named; tensor counts flat", () => {
  const [c] = cases();
  const mask = new Int32Array(20).fill(1);
  mask[1] = 0;
  mask[3] = 0;
  const b = { ...batchOf(10), mask };
  const before = tf.memory().numTensors;
  const r = validationPpl(c.model, c.scorer, [b], { estimator: "quadrature", quadraturePoints: 3 });
  assert.equal(r.tokens, 18);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => validationPpl(c.model, c.scorer, [b], { tDraws: 0 }), /tDraws must be a positive integer/);
  assert.throws(() => validationPpl(c.model, c.scorer, [b], { estimator: "bogus" as "quadrature" }), /estimator must be 'monte-carlo', 'stratified' or 'quadrature'/);
  assert.throws(() => validationPpl(c.model, c.scorer, []), /no tokens to score/);
});
