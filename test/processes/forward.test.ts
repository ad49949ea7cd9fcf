import { test } from "node:test";
import assert from "node:assert/strict";
import { HierarchicalSchedule, LogLinearSchedule } from "../../src/schedules";
import { makeClusterLayout, checkClusterLayout, clusterDistribution, referenceClusterDistribution, hdlmMarginal, mdlmMarginal, sampleHdlmForward, sampleMdlmForward, hdlmGeneratorShape, integrateForwardRK4, hdlmTransitionExpm, matrixRow, scaleMatrix, reverseRates, hdlmGenerator, expm } from "../../src/processes";
import { SeededRng } from "../../src/util/rng";
import { initEngine, tf } from "../../src/engine";

const toy2 = makeClusterLayout([0, 0, 0, 1, 1, 1]); // V = 6, n = 2
const toy3 = makeClusterLayout([0, 1, 2, 0, 1, 2]); // V = 6, n = 3

test("cluster distribution sums to 1; reference variant has deficit p/n on the last cluster", () => {
  for (const layout of [toy2, toy3]) {
    for (const xi of [1, 0.8, 0.3]) {
      for (let x = 0; x < 6; x++) {
        const c = clusterDistribution(layout, x, xi);
        assert.ok(Math.abs(c.reduce((a, b) => a + b, 0) - 1) < 1e-15);
        assert.equal(c[layout.clusterOf[x]], xi);
        const r = referenceClusterDistribution(layout, x, xi);
        const n = layout.numClusters;
        assert.ok(Math.abs(r.deficit - (1 - xi) / n) < 1e-15);
        // the sampled law sums to 1 only because the deficit was pushed onto cluster n-1
        assert.ok(Math.abs(r.probs.reduce((a, b) => a + b, 0) - 1) < 1e-15);
        const stated = 1 - (1 - xi) + (n - 1) * ((1 - xi) / n);
        assert.ok(Math.abs(stated - (1 - (1 - xi) / n)) < 1e-15);
      }
    }
  }
});

test("bad input: layout, xi, t throw naming the field", () => {
  assert.throws(() => checkClusterLayout({ vocabSize: 3, numClusters: 2, clusterOf: Int32Array.from([0, 0, 0]) }), /cluster 1 has no members/);
  assert.throws(() => checkClusterLayout({ vocabSize: 3, numClusters: 2, clusterOf: Int32Array.from([0, 5, 1]) }), /clusterOf\[1\] = 5/);
  assert.throws(() => checkClusterLayout({ vocabSize: 4, numClusters: 2, clusterOf: Int32Array.from([0, 1, 1]) }), /length 3, expected vocabSize = 4/);
  assert.throws(() => clusterDistribution(toy2, 0, 0), /xi must be a number in \(0, 1\], got 0/);
  assert.throws(() => clusterDistribution(toy2, 0, 1.2), /xi must be/);
  assert.throws(() => clusterDistribution(makeClusterLayout([0, 0]), 0, 0.9), /numClusters >= 2/);
  assert.throws(() => hdlmMarginal(new HierarchicalSchedule(), toy2, 0, -0.5), /t must be/);
  assert.throws(() => hdlmMarginal(new HierarchicalSchedule(), toy2, 6, 0.5), /x must be a real token id/);
});

test("closed-form marginals = brute-force CTMC (RK4 1e4 steps and matrix exponential) to 1e-6", () => {
  for (const layout of [toy2, toy3]) {
    for (const xi of [1, 0.8]) {
      for (const gamma of [1, 2.5]) {
        const schedule = new HierarchicalSchedule({ gamma });
        const G = hdlmGeneratorShape(layout, gamma, xi);
        const gen = (u: number) => scaleMatrix(G, 1 / (1 - u));
        for (const x of [0, 4]) {
          const p0 = new Float64Array(10).fill(0);
          p0[x] = 1;
          const t = 0.7;
          // RK4 (1e4 steps) for one start token per configuration keeps the file fast; expm for both
          const rk4 = x === 4 ? integrateForwardRK4(p0.subarray(0, 7 + layout.numClusters), gen, 0, t, 10000) : null;
          const ex = matrixRow(hdlmTransitionExpm(layout, gamma, xi, 0, t), x);
          const closed = hdlmMarginal(schedule, layout, x, t, { xi });
          for (let z = 0; z < closed.length; z++) {
            if (rk4 !== null) assert.ok(Math.abs(rk4[z] - closed[z]) < 1e-6, `rk4 z=${z} ${rk4[z]} vs ${closed[z]}`);
            assert.ok(Math.abs(ex[z] - closed[z]) < 1e-9, `expm z=${z} ${ex[z]} vs ${closed[z]}`);
          }
        }
      }
    }
  }
});

test("expm of a 1x1 and of a nilpotent matrix", () => {
  assert.ok(Math.abs(expm({ size: 1, data: Float64Array.from([3]) }).data[0] - Math.exp(3)) < 1e-10);
  const e = expm({ size: 2, data: Float64Array.from([0, 2, 0, 0]) });
  assert.deepEqual(Array.from(e.data), [1, 2, 0, 1]);
});

test("true reverse rates from brute-force marginals equal w_c and w_m * c-hat(x)[k]", () => {
  for (const [layout, xi, gamma] of [[toy2, 1, 1], [toy3, 0.8, 1], [toy3, 0.8, 3]] as const) {
    const s = new HierarchicalSchedule({ gamma });
    const V = 6, M = V;
    for (const t of [0.1, 0.5, 0.9]) {
      const x = 1;
      const q = matrixRow(hdlmTransitionExpm(layout, gamma, xi, 0, t), x);
      const R = reverseRates(q, hdlmGenerator(layout, gamma, xi, t));
      const S = R.size;
      const chat = clusterDistribution(layout, x, xi);
      let totalFromMask = 0;
      for (let k = 0; k < layout.numClusters; k++) {
        const c = V + 1 + k;
        const rMask = R.data[M * S + c];
        totalFromMask += rMask;
        assert.ok(Math.abs(rMask - s.weightMask(t) * chat[k]) < 1e-8 * s.weightMask(t), `MASK->${k} t=${t}: ${rMask}`);
        if (chat[k] > 0) {
          const rClu = R.data[c * S + x];
          assert.ok(Math.abs(rClu - s.weightCluster(t)) < 1e-8 * s.weightCluster(t), `cluster ${k}->x t=${t}: ${rClu} vs ${s.weightCluster(t)}`);
        }
      }
      assert.ok(Math.abs(totalFromMask - s.weightMask(t)) < 1e-8 * s.weightMask(t));
    }
  }
});

function chiSquareWithin4Sigma(counts: number[], probs: number[], N: number, what: string): void {
  counts.forEach((c, i) => {
    const sd = Math.sqrt(N * probs[i] * (1 - probs[i]));
    assert.ok(Math.abs(c - N * probs[i]) <= 4 * sd + 1e-9, `${what} category ${i}: ${c} vs ${N * probs[i]} (sd ${sd})`);
  });
}

test("forward sampler frequencies within 4 sigma of alpha_t, c_t c-hat, m_t (1e5 draws)", async () => {
  await initEngine();
  const before = tf.memory().numTensors;
  const N = 100000;
  const L = 1000;
  const B = N / L;
  for (const variant of ["consistent", "reference"] as const) {
    for (const xi of [1, 0.7]) {
      const layout = toy3;
      const s = new HierarchicalSchedule({ gamma: 1.5 });
      const x = tf.fill([B, L], 4, "int32") as tf.Tensor2D;
      const t = tf.fill([B], 0.6) as tf.Tensor1D;
      const z = sampleHdlmForward(s, layout, x, t, new SeededRng(7), { xi, variant });
      const counts = new Array(10).fill(0);
      for (const v of z.dataSync()) counts[v]++;
      const probs = Array.from(hdlmMarginal(s, layout, 4, Math.fround(0.6), { xi, variant }));
      chiSquareWithin4Sigma(counts, probs, N, `${variant} xi=${xi}`);
      tf.dispose([x, t, z]);
    }
  }
  const mdlm = new LogLinearSchedule();
  const x = tf.fill([B, L], 2, "int32") as tf.Tensor2D;
  const z = sampleMdlmForward(mdlm, 6, x, 0.3, 9);
  const counts = new Array(7).fill(0);
  for (const v of z.dataSync()) counts[v]++;
  chiSquareWithin4Sigma(counts, Array.from(mdlmMarginal(mdlm, 6, 2, 0.3)), N, "mdlm");
  tf.dispose([x, z]);
  assert.equal(tf.memory().numTensors, before);
});

test("forward sampler: per-sequence times, determinism, bad input", async () => {
  await initEngine();
  const s = new HierarchicalSchedule();
  const x = tf.tensor2d([[0, 1, 2, 3], [4, 5, 0, 1]], [2, 4], "int32");
  const z0 = sampleHdlmForward(s, toy2, x, tf.tensor1d([0, 1]), 1);
  assert.deepEqual(Array.from(z0.dataSync()), [0, 1, 2, 3, 6, 6, 6, 6]);
  const a = sampleHdlmForward(s, toy2, x, 0.5, 42).dataSync();
  const b = sampleHdlmForward(s, toy2, x, 0.5, 42).dataSync();
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.throws(() => sampleHdlmForward(s, toy2, x, tf.tensor1d([0.5]), 1), /t must have shape \[2\]/);
  assert.throws(() => sampleHdlmForward(s, toy2, x, tf.tensor1d([0.5, 1.5]), 1), /t\[1\] must be/);
  assert.throws(() => sampleHdlmForward(s, toy2, tf.tensor2d([[7]], [1, 1], "int32"), 0.5, 1), /x holds 7/);
  assert.throws(() => sampleHdlmForward(s, toy2, x, 0.5, 1, { xi: 0 }), /xi must be/);
});
