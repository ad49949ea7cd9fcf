// Tests of GIDD's reverse step: rows sum to 1, the posterior equals Bayes' rule with the brute-force transition
// matrix (which satisfies Chapman-Kolmogorov), the p_u = 0 MDLM reduction, min-p, and a chi-square test of draws.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { GiddSchedule, giddMarginal } from "../../src/schedules/gidd";
import { giddPosterior, giddStep } from "../../src/samplers/gidd";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

const V = 5;
const MASK = V - 1;

function randomXHat(rng: SeededRng, rows: number): Float32Array {
  const a = new Float32Array(rows * V);
  for (let r = 0; r < rows; r++) {
    let z = 0;
    for (let v = 0; v < MASK; v++) z += a[r * V + v] = Math.exp(1.5 * rng.normal());
    for (let v = 0; v < MASK; v++) a[r * V + v] /= z;
  }
  return a;
}

/** q_s(. | p) = alpha_s p + beta_s pi_s for a distribution p over the real tokens. */
function qOf(s: GiddSchedule, t: number, p: ArrayLike<number>): Float64Array {
  const base = giddMarginal(s, t, 0, V);
  base[0] -= s.alpha(t); // beta pi only
  return base.map((b, v) => b + (v === MASK ? 0 : s.alpha(t) * p[v]));
}

/** Brute-force transition T[zt][zs] = q(z_t | z_s) solving q_t(.|x) = T q_s(.|x) for every x. */
function transition(s: GiddSchedule, t: number, sT: number): number[][] {
  const aTS = s.alpha(t) / s.alpha(sT);
  const bpT = qOf(s, t, [0, 0, 0, 0, 0]);
  const bpS = qOf(s, sT, [0, 0, 0, 0, 0]);
  const T: number[][] = [];
  for (let zt = 0; zt < V; zt++) {
    T.push([]);
    for (let zs = 0; zs < V; zs++) T[zt].push((zt === zs ? aTS : 0) + bpT[zt] - aTS * bpS[zt]);
  }
  return T;
}

test("transition matrix is stochastic and satisfies Chapman-Kolmogorov", () => {
  for (const [pu, gamma] of [[0.1, 1], [0.4, 2], [0.2, 0.5]] as const) {
    const s = new GiddSchedule({ pu, gamma });
    for (const [t, sT] of [[0.9, 0.7], [0.5, 0.45], [0.3, 0.05]]) {
      const T = transition(s, t, sT);
      for (let zs = 0; zs < V; zs++) {
        let col = 0;
        for (let zt = 0; zt < V; zt++) {
          assert.ok(T[zt][zs] >= -1e-15, `negative transition ${T[zt][zs]}`);
          col += T[zt][zs];
        }
        close(col, 1, 1e-12, "column sum");
      }
      for (let x = 0; x < MASK; x++) {
        const qs = giddMarginal(s, sT, x, V);
        const qt = giddMarginal(s, t, x, V);
        for (let zt = 0; zt < V; zt++) close(T[zt].reduce((a, Tv, zs) => a + Tv * qs[zs], 0), qt[zt], 1e-12, "CK");
      }
    }
  }
});

test("posterior rows sum to 1 and equal Bayes' rule with the brute-force transition", () => {
  const rng = new SeededRng(11);
  for (const [pu, gamma] of [[0.1, 1], [0.4, 2]] as const) {
    const s = new GiddSchedule({ pu, gamma });
    for (const [t, sT] of [[0.9, 0.7], [0.5, 0.45], [0.3, 0.05]]) {
      const rows = 10;
      const xh = randomXHat(rng, rows);
      const zt = new Int32Array(rows).map((_, i) => i % V);
      const before0 = tf.memory().numTensors;
      const post = tf.tidy(() => giddPosterior(s, tf.tensor3d(xh, [1, rows, V]), tf.tensor2d(zt, [1, rows], "int32"), t, sT).dataSync().slice());
      assert.equal(tf.memory().numTensors, before0, "leak");
      const T = transition(s, t, sT);
      for (let r = 0; r < rows; r++) {
        const qs = qOf(s, sT, xh.subarray(r * V, r * V + V));
        const un = qs.map((q, zs) => T[zt[r]][zs] * q);
        const Z = un.reduce((a, b) => a + b, 0);
        let sum = 0;
        for (let zs = 0; zs < V; zs++) {
          sum += post[r * V + zs];
          close(post[r * V + zs], un[zs] / Z, 2e-5, `pu=${pu} t=${t} s=${sT} zt=${zt[r]} zs=${zs}`);
        }
        close(sum, 1, 1e-5, "row sum");
      }
    }
  }
});

test("p_u = 0: MASK stays with s/t and unmasks to x_hat with (t-s)/t; clean tokens stay", () => {
  const s = new GiddSchedule({ pu: 0 });
  const xh = new Float32Array([0.1, 0.2, 0.3, 0.4, 0]);
  const [t, sT] = [0.6, 0.45];
  const post = tf.tidy(() =>
    giddPosterior(s, tf.tensor3d([...xh, ...xh], [1, 2, V]), tf.tensor2d([MASK, 2], [1, 2], "int32"), t, sT).dataSync().slice(),
  );
  close(post[MASK], sT / t, 1e-5, "stay MASK");
  for (let v = 0; v < MASK; v++) close(post[v], ((t - sT) / t) * xh[v], 1e-5, `unmask to ${v}`);
  close(post[V + 2], 1, 1e-5, "clean stays");
});

test("minP drops small entries and renormalises", () => {
  const s = new GiddSchedule({ pu: 0.1 });
  const xh = new Float32Array([0.9, 0.05, 0.03, 0.02, 0]);
  const post = tf.tidy(() =>
    giddPosterior(s, tf.tensor3d(xh, [1, 1, V]), tf.tensor2d([MASK], [1, 1], "int32"), 0.5, 0.4, { minP: 0.2 }).dataSync().slice(),
  );
  close(Array.from(post).reduce((a, b) => a + b, 0), 1, 1e-6, "sum");
  const mx = Math.max(...post);
  for (const p of post) assert.ok(p === 0 || p >= 0.2 * mx - 1e-7);
  assert.equal(post[3], 0);
});

test("step draws follow the posterior (chi-square, fixed seed)", () => {
  const s = new GiddSchedule({ pu: 0.3 });
  const n = 4000;
  const one = new Float32Array([0.4, 0.3, 0.2, 0.1, 0]);
  const xh = new Float32Array(n * V);
  for (let i = 0; i < n; i++) xh.set(one, i * V);
  const [t, sT] = [0.6, 0.3];
  for (const z of [MASK, 1]) {
    const { probs, draws } = tf.tidy(() => {
      const x = tf.tensor3d(xh, [1, n, V]);
      const zt = tf.fill([1, n], z, "int32") as tf.Tensor2D;
      return {
        probs: giddPosterior(s, tf.slice(x, [0, 0, 0], [1, 1, V]) as tf.Tensor3D, tf.fill([1, 1], z, "int32") as tf.Tensor2D, t, sT).dataSync().slice(),
        draws: giddStep(s, x, zt, t, sT, 123).dataSync().slice(),
      };
    });
    const counts = new Array(V).fill(0);
    for (const d of draws) counts[d]++;
    let chi2 = 0;
    for (let v = 0; v < V; v++) {
      const e = n * probs[v];
      if (e > 0) chi2 += (counts[v] - e) ** 2 / e;
      else assert.equal(counts[v], 0);
    }
    assert.ok(chi2 < 18.47, `chi-square ${chi2} >= 18.47 (df 4, p = 0.001), zt = ${z}`);
  }
});

test("bad input throws naming the argument", () => {
  const s = new GiddSchedule({ pu: 0.1 });
  tf.tidy(() => {
    const xh = tf.zeros([1, 2, V]) as tf.Tensor3D;
    const zt = tf.zeros([1, 2], "int32") as tf.Tensor2D;
    assert.throws(() => giddPosterior(s, xh, zt, 0.4, 0.5), /s must be < t/);
    assert.throws(() => giddPosterior(s, xh, zt, 1.4, 0.5), /t must be/);
    assert.throws(() => giddPosterior(s, xh, tf.zeros([1, 3], "int32") as tf.Tensor2D, 0.5, 0.4), /zt must be/);
    assert.throws(() => giddPosterior(s, xh, zt, 0.5, 0.4, { minP: 1 }), /minP must be/);
  });
});
