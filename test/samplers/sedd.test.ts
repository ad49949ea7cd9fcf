// Tests of SEDD's reverse steps: Euler probabilities are a distribution for small dt, Tweedie reproduces the exact
// one-position posterior, and full sampling with the true scores reproduces a correlated 2-position toy (chi-square).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { seddLogLinear } from "../../src/schedules/sedd";
import { seddNumStates } from "../../src/losses/sedd";
import { seddAnalyticProbs, seddDenoiseProbs, seddEulerProbs, seddSample } from "../../src/samplers/sedd";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test("Euler step probabilities are >= 0 and sum to 1 for small dt (both graphs)", () => {
  const rng = new SeededRng(4);
  const V = 6;
  for (const graph of ["absorbing", "uniform"] as const) {
    const S = seddNumStates(graph, V);
    const n = 12;
    const ls = new Float32Array(n * S).map(() => rng.normal());
    const xt = new Int32Array(n).map((_, i) => (graph === "absorbing" && i % 2 === 0 ? V : rng.int(V)));
    const p = tf.tidy(() => seddEulerProbs(graph, tf.tensor3d(ls, [1, n, S]), tf.tensor2d(xt, [1, n], "int32"), 0.01).dataSync().slice());
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let y = 0; y < S; y++) {
        assert.ok(p[i * S + y] >= 0, `negative prob ${p[i * S + y]}`);
        sum += p[i * S + y];
      }
      close(sum, 1, 1e-5, "row sum");
      if (graph === "absorbing" && xt[i] !== V) close(p[i * S + xt[i]], 1, 0, "clean token stays");
      if (graph === "absorbing" && xt[i] === V) for (let y = 0; y < V; y++) close(p[i * S + y], 0.01 * Math.exp(ls[i * S + y]), 1e-6, "MASK -> y");
    }
  }
});

test("Tweedie step on a one-position absorbing toy equals the exact posterior", () => {
  const V = 4;
  const p0 = [0.1, 0.2, 0.3, 0.4];
  const sched = seddLogLinear();
  for (const [t, s] of [[0.9, 0.6], [0.5, 0.45], [0.2, 0.01]]) {
    const sT = sched.sigma(t);
    const sS = sched.sigma(s);
    // true log-scores at MASK: log p_t(y)/p_t(MASK) = log p0(y)/(e^sigma - 1); staying: 0
    const ls = [...p0.map((p) => Math.log(p / Math.expm1(sT))), 0];
    const got = tf.tidy(() => seddAnalyticProbs("absorbing", tf.tensor3d(ls, [1, 1, V + 1]), tf.tensor2d([[V]], [1, 1], "int32"), sT - sS).dataSync().slice());
    // exact: P(x_s = y | x_t = MASK) = p0(y)(e^{-sS} - e^{-sT})/(1 - e^{-sT}); stays with (1 - e^{-sS})/(1 - e^{-sT})
    const den = -Math.expm1(-sT);
    for (let y = 0; y < V; y++) close(got[y], (p0[y] * (Math.exp(-sS) - Math.exp(-sT))) / den, 1e-5, `t=${t} y=${y}`);
    close(got[V], -Math.expm1(-sS) / den, 1e-5, `t=${t} stay`);
  }
  const d = tf.tidy(() => seddDenoiseProbs("absorbing", tf.tensor3d([[[Math.log(0.25), Math.log(0.75), 0]]]), tf.tensor2d([[2]], [1, 1], "int32"), 1e-5).dataSync().slice());
  assert.equal(d.length, 2, "MASK column dropped");
  close(d[0], 0.25, 1e-5, "denoise");
});

test("sampling with the true scores reproduces a 2-position toy distribution (chi-square)", () => {
  const V = 3;
  const MASK = V;
  const p0 = [
    [0.3, 0.05, 0.05],
    [0.02, 0.25, 0.03],
    [0.1, 0.05, 0.15],
  ];
  const pt = (a: number, b: number, sigma: number): number => {
    const k = (y: number, x: number) => (y === MASK ? -Math.expm1(-sigma) : y === x ? Math.exp(-sigma) : 0);
    let s = 0;
    for (let x = 0; x < V; x++) for (let y = 0; y < V; y++) s += p0[x][y] * k(a, x) * k(b, y);
    return s;
  };
  const scoreFn = (xt: tf.Tensor2D, sigma: number): tf.Tensor3D => {
    const x = xt.dataSync();
    const n = xt.shape[0];
    const out = new Float32Array(n * 2 * (V + 1));
    for (let r = 0; r < n; r++) {
      const a = x[2 * r];
      const b = x[2 * r + 1];
      const here = pt(a, b, sigma);
      for (let y = 0; y <= V; y++) {
        const r0 = here > 0 ? pt(y, b, sigma) / here : 0;
        const r1 = here > 0 ? pt(a, y, sigma) / here : 0;
        out[(2 * r) * (V + 1) + y] = r0 > 0 ? Math.log(r0) : -60;
        out[(2 * r + 1) * (V + 1) + y] = r1 > 0 ? Math.log(r1) : -60;
      }
    }
    return tf.tensor3d(out, [n, 2, V + 1]);
  };
  const n = 2000;
  for (const predictor of ["analytic", "euler"] as const) {
    const before0 = tf.memory().numTensors;
    const out = seddSample(scoreFn, { graph: "absorbing", schedule: seddLogLinear(), vocabSize: V, batch: n, length: 2, steps: 64, predictor }, predictor === "euler" ? 2024 : 2025);
    const x = out.dataSync().slice();
    out.dispose();
    assert.equal(tf.memory().numTensors, before0, "sampling leaks tensors");
    const counts = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let r = 0; r < n; r++) {
      assert.ok(x[2 * r] < V && x[2 * r + 1] < V, "no MASK left");
      counts[x[2 * r] * V + x[2 * r + 1]]++;
    }
    let chi2 = 0;
    for (let i = 0; i < 9; i++) {
      const e = n * p0[Math.floor(i / V)][i % V];
      chi2 += (counts[i] - e) ** 2 / e;
    }
    if (process.env.HDLM_TEST_VERBOSE) console.log(predictor, chi2);
    assert.ok(chi2 < 26.12, `${predictor}: chi-square ${chi2} >= 26.12 (df 8, p = 0.001); counts ${counts}`);
  }
});

test("bad input throws naming the argument", () => {
  tf.tidy(() => {
    const ls = tf.zeros([1, 2, 4]) as tf.Tensor3D;
    const xt = tf.zeros([1, 2], "int32") as tf.Tensor2D;
    assert.throws(() => seddEulerProbs("absorbing", ls, xt, -1), /rateScale/);
    assert.throws(() => seddAnalyticProbs("absorbing", ls, tf.zeros([1, 3], "int32") as tf.Tensor2D, 0.1), /xt must be/);
    assert.throws(() => seddAnalyticProbs("absorbing", ls, xt, Number.NaN), /deltaSigma/);
  });
  const fn = () => tf.zeros([1, 1, 4]) as tf.Tensor3D;
  assert.throws(() => seddSample(fn, { graph: "absorbing", schedule: seddLogLinear(), vocabSize: 3, batch: 1, length: 1, steps: 0 }, 1), /steps must be/);
});
