import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { HierarchicalSchedule } from "../../src/schedules";
import { hdlmMarginal, hdlmTransitionExpm } from "../../src/processes";
import { SeededRng } from "../../src/util/rng";
import { hdlmStepProbabilities, hdlmPosteriorGivenX, hdlmModelPosterior, hdlmReverseProbs, mdlmDdpmProbs } from "../../src/samplers";
import { toy2, toy3, randomTable } from "../losses/helpers";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const V = 6;

test("sanity values of hdlm.md §6 (gamma = 1, t = 0.5, s = 0.4)", () => {
  const s = new HierarchicalSchedule();
  const ex = hdlmStepProbabilities(s, 0.5, 0.4, "exact");
  close(ex.maskStay, 0.60944, 5e-5, "stay");
  close(ex.maskToCluster, 0.33295, 5e-5, "-> cluster");
  close(ex.maskToToken, 0.05761, 5e-5, "-> token");
  close(ex.maskStay + ex.maskToCluster + ex.maskToToken, 1, 1e-15, "sum");
  close(ex.clusterToToken, 0.26303, 5e-5, "cluster -> token");
  const eu = hdlmStepProbabilities(s, 0.5, 0.4, "euler");
  close(eu.maskToCluster, 0.39056, 5e-5, "euler MASK -> cluster");
  close(eu.maskToToken, 0, 0, "euler never jumps MASK -> token");
  close(eu.clusterToToken, 0.28854, 5e-5, "euler cluster -> token");
  assert.throws(() => hdlmStepProbabilities(s, 0.4, 0.5), /s must be < t/);
  assert.throws(() => hdlmStepProbabilities(s, 1.2, 0.5), /t must be a number in \[0, 1\]/);
  assert.throws(() => hdlmStepProbabilities(s, 0.5, 0.4, "midpoint" as never), /rule must be 'exact' or 'euler'/);
});

test("exact posterior q(z_s | z_t, x) = Bayes by enumeration with matrix-exponential transitions", () => {
  for (const [layout, xi, gamma] of [[toy2, 1, 1], [toy3, 0.8, 1], [toy3, 0.8, 3], [toy2, 1, 0.5]] as const) {
    const sch = new HierarchicalSchedule({ gamma });
    for (const [t, s] of [[0.5, 0.4], [0.9, 0.2], [0.999, 0.7], [0.3, 0]]) {
      const x = 4;
      const qs = hdlmMarginal(sch, layout, x, s, { xi });
      const qt = hdlmMarginal(sch, layout, x, t, { xi });
      const T = hdlmTransitionExpm(layout, gamma, xi, s, t);
      const S = T.size;
      for (let zt = 0; zt < S; zt++) {
        if (!(qt[zt] > 1e-12)) continue;
        const post = hdlmPosteriorGivenX(sch, layout, x, zt, t, s, { xi });
        for (let zs = 0; zs < S; zs++) {
          const bayes = (qs[zs] * T.data[zs * S + zt]) / qt[zt];
          close(post[zs], bayes, 1e-6, `gamma=${gamma} xi=${xi} t=${t} s=${s} z_t=${zt} z_s=${zs}`);
        }
      }
    }
  }
});

test("batched reverse probabilities equal the scalar model posterior (both perturbSampling modes); rows sum to 1", async () => {
  await initEngine();
  const sch = new HierarchicalSchedule({ gamma: 1.5 });
  for (const [layout, xi, mode, rule] of [[toy3, 1, "model", "exact"], [toy3, 0.8, "model", "exact"], [toy2, 0.8, "reference", "euler"]] as const) {
    const W = V + 1 + layout.numClusters;
    const ids = Array.from({ length: W }, (_, i) => i);
    const tables = ids.map((i) => randomTable(V, 30 + i, 1.5));
    const probs = tf.tensor3d(Float32Array.from(tables.flatMap((r) => Array.from(r))), [1, W, V]);
    const z = tf.tensor2d(ids, [1, W], "int32");
    const out = hdlmReverseProbs(probs, z, tf.tensor1d([0.7]), 0.55, { schedule: sch, clusters: layout, xi, perturbSampling: mode, rule });
    assert.deepEqual(out.shape, [1, W, W]);
    const o = out.dataSync();
    for (const zt of ids) {
      const want = hdlmModelPosterior(sch, layout, Float32Array.from(tables[zt]), zt, Math.fround(0.7), 0.55, { xi, perturbSampling: mode, rule });
      let sum = 0;
      for (let j = 0; j < W; j++) {
        sum += o[zt * W + j];
        close(o[zt * W + j], want[j], 2e-6, `${mode} xi=${xi} z_t=${zt} -> ${j}`);
      }
      close(sum, 1, 1e-5, `row ${zt} sums to 1`);
    }
    tf.dispose([probs, z, out]);
  }
});

test("one-step draws match the exact MASK step probabilities (chi-square, 1e5 draws)", () => {
  const p = hdlmStepProbabilities(new HierarchicalSchedule(), 0.5, 0.4);
  const probs = [p.maskStay, p.maskToCluster, p.maskToToken];
  const rng = new SeededRng(5);
  const counts = [0, 0, 0];
  const N = 100000;
  for (let i = 0; i < N; i++) counts[rng.categorical(probs)]++;
  const chi2 = counts.reduce((s, c, i) => s + (c - N * probs[i]) ** 2 / (N * probs[i]), 0);
  assert.ok(chi2 < 13.82, `chi2 = ${chi2} (df 2, p = 1e-3 critical 13.82), counts ${counts}`);
});

test("the whole reverse chain with the true posterior reproduces the data distribution (chi-square)", async () => {
  await initEngine();
  const data = randomTable(V, 77, 1);
  for (const [layout, xi, gamma, steps] of [[toy2, 1, 1, 4], [toy3, 0.8, 2, 7]] as const) {
    const sch = new HierarchicalSchedule({ gamma });
    const rng = new SeededRng(100 + steps);
    const B = 100, L = 200, N = B * L;
    const W = V + 1 + layout.numClusters;
    // one position per row; x̂ = p_data is the exact posterior of a single position
    const probs = tf.tensor3d(Float32Array.from({ length: N * V }, (_, i) => data[i % V]), [B, L, V]);
    let z = tf.fill([B, L], V, "int32") as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (let j = steps; j >= 1; j--) {
      const t = j / steps, s = (j - 1) / steps;
      const pr = hdlmReverseProbs(probs, z, t, s, { schedule: sch, clusters: layout, xi });
      const rows = pr.dataSync();
      const next = new Int32Array(N);
      for (let i = 0; i < N; i++) next[i] = rng.categorical(rows, i * W, W);
      tf.dispose([pr, z]);
      z = tf.tensor2d(next, [B, L], "int32");
    }
    assert.equal(tf.memory().numTensors, before, "tensor count flat across sampler steps");
    const counts = new Array(V).fill(0);
    for (const id of z.dataSync()) {
      assert.ok(id < V, `no MASK or cluster id left after s = 0, got ${id}`);
      counts[id]++;
    }
    const chi2 = counts.reduce((acc, c, i) => acc + (c - N * data[i]) ** 2 / (N * data[i]), 0);
    assert.ok(chi2 < 20.52, `chi2 = ${chi2} (df 5, p = 1e-3 critical 20.52)`);
    tf.dispose([probs, z]);
  }
});

test("MDLM ddpm step: Bayes posterior for a one-hot model, copies clean tokens", async () => {
  await initEngine();
  const probs = tf.tensor3d([[[0, 0, 1, 0], [0.25, 0.25, 0.25, 0.25]]], [1, 2, 4]);
  const out = mdlmDdpmProbs(probs, tf.tensor2d([[4, 1]], [1, 2], "int32"), 0.5, 0.2, 4).dataSync();
  const want = [0, 0, 0.6, 0, 0.4, 0, 1, 0, 0, 0];
  want.forEach((w, i) => close(out[i], w, 1e-6, `entry ${i}`));
  assert.throws(() => mdlmDdpmProbs(probs, tf.tensor2d([[4, 1]], [1, 2], "int32"), 0.2, 0.5, 4), /s must be < t/);
});
