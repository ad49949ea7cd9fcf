// Tests of GIDD's ELBO weights and per-token ELBO: sanity values, weights against finite-difference rates and a
// brute-force CTMC on V = 5, the ELBO against the CTMC ELBO integrand, the p_u = 0 reduction, GIDD+ weights.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { GiddSchedule, giddMarginal } from "../../src/schedules/gidd";
import { giddElbo, giddElboWeight, giddPlusWeight, giddTokenMean, GiddZType } from "../../src/losses/gidd";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

const V = 5; // 4 real tokens + MASK (id 4)
const MASK = V - 1;
const typeOf = (z: number, x: number): GiddZType => (z === x ? "clean" : z === MASK ? "mask" : "uniform");

/** Forward rates eta_t(y) = (beta pi)'(y) - (alpha'/alpha)(beta pi)(y), by central finite differences of the marginals. */
function etaFd(s: GiddSchedule, t: number, x: number): Float64Array {
  const h = 1e-6;
  const qp = giddMarginal(s, t + h, x, V);
  const qm = giddMarginal(s, t - h, x, V);
  const q = giddMarginal(s, t, x, V);
  const a = s.alpha(t);
  const aPrime = (s.alpha(t + h) - s.alpha(t - h)) / (2 * h);
  const eta = new Float64Array(V);
  for (let y = 0; y < V; y++) {
    const bp = q[y] - (y === x ? a : 0);
    const bpPrime = (qp[y] - qm[y]) / (2 * h) - (y === x ? aPrime : 0);
    eta[y] = bpPrime - (aPrime / a) * bp;
  }
  return eta;
}

test("sanity: w_MASK = 4 and w_uniform = 2 at t = 0.5, p_u = 0.1", () => {
  const s = new GiddSchedule({ pu: 0.1 });
  close(giddElboWeight(s, 0.5, "mask", 50258), 4, 1e-12, "mask");
  close(giddElboWeight(s, 0.5, "uniform", 50258), 2, 1e-12, "uniform");
});

test("weights equal eta_t(z)/q_t(z|x) with eta from finite differences of the marginals (V = 5)", () => {
  for (const pu of [0.1, 0.3]) {
    for (const gamma of [0.5, 1, 2, 3]) {
      const s = new GiddSchedule({ pu, gamma });
      for (const t of [0.05, 0.3, 0.5, 0.8]) {
        const x = 1;
        const eta = etaFd(s, t, x);
        const q = giddMarginal(s, t, x, V);
        for (let z = 0; z < V; z++) {
          const w = giddElboWeight(s, t, typeOf(z, x), V);
          close(w, eta[z] / q[z], 1e-5 * Math.max(1, Math.abs(w)), `pu=${pu} gamma=${gamma} t=${t} z=${z}`);
        }
      }
    }
  }
});

test("a CTMC with rates w(y) q_t(y|x) integrated by RK4 reproduces the marginals (V = 5)", () => {
  for (const [pu, gamma] of [[0.1, 1], [0.3, 2], [0.2, 0.5]] as const) {
    const s = new GiddSchedule({ pu, gamma });
    const x = 2;
    // rates into y from any other state: eta(y) = w_t(type(y)) q_t(y|x); columns conserve mass.
    const deriv = (t: number, p: Float64Array): Float64Array => {
      const q = giddMarginal(s, t, x, V);
      const eta = q.map((qy, y) => giddElboWeight(s, t, typeOf(y, x), V) * qy);
      const out = new Float64Array(V);
      for (let y = 0; y < V; y++) {
        let inflow = 0;
        let outRate = 0;
        for (let z = 0; z < V; z++) {
          if (z === y) continue;
          inflow += eta[y] * p[z];
          outRate += eta[z];
        }
        out[y] = inflow - outRate * p[y];
      }
      return out;
    };
    let t = 0.02;
    let p = giddMarginal(s, t, x, V);
    const tEnd = 0.95;
    const n = 2000;
    const dt = (tEnd - t) / n;
    const axpy = (a: Float64Array, k: Float64Array, c: number) => a.map((v, i) => v + c * k[i]);
    for (let i = 0; i < n; i++) {
      const k1 = deriv(t, p);
      const k2 = deriv(t + dt / 2, axpy(p, k1, dt / 2));
      const k3 = deriv(t + dt / 2, axpy(p, k2, dt / 2));
      const k4 = deriv(t + dt, axpy(p, k3, dt));
      p = p.map((v, j) => v + (dt / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]));
      t += dt;
    }
    const q = giddMarginal(s, tEnd, x, V);
    for (let y = 0; y < V; y++) close(p[y], q[y], 1e-7, `pu=${pu} gamma=${gamma} y=${y}`);
  }
});

function randomLogits(rng: SeededRng, B: number, L: number): Float32Array {
  const a = new Float32Array(B * L * V);
  for (let i = 0; i < a.length; i++) a[i] = 2 * rng.normal();
  return a;
}

function softmaxNoMask(logits: Float32Array, off: number): Float64Array {
  const p = new Float64Array(V);
  let mx = -Infinity;
  for (let v = 0; v < MASK; v++) mx = Math.max(mx, logits[off + v]);
  let z = 0;
  for (let v = 0; v < MASK; v++) z += p[v] = Math.exp(logits[off + v] - mx);
  for (let v = 0; v < MASK; v++) p[v] /= z;
  return p;
}

test("per-token ELBO equals the CTMC ELBO integrand sum_y [R_hat - R + R log(R/R_hat)] (V = 5)", () => {
  const rng = new SeededRng(7);
  for (const [pu, gamma] of [[0.1, 1], [0.3, 2]] as const) {
    const s = new GiddSchedule({ pu, gamma });
    const ts = [0.2, 0.5, 0.85];
    const B = ts.length;
    const L = 6;
    const logits = randomLogits(rng, B, L);
    const xs = new Int32Array(B * L);
    const zs = new Int32Array(B * L);
    for (let i = 0; i < B * L; i++) {
      xs[i] = rng.int(MASK);
      const k = i % 3; // cover all z_t types
      zs[i] = k === 0 ? xs[i] : k === 1 ? MASK : (xs[i] + 1 + rng.int(MASK - 1)) % MASK;
    }
    const before0 = tf.memory().numTensors;
    const elbo = tf.tidy(() => {
      const terms = giddElbo(s, {
        logits: tf.tensor3d(logits, [B, L, V]),
        x: tf.tensor2d(xs, [B, L], "int32"),
        zt: tf.tensor2d(zs, [B, L], "int32"),
        t: tf.tensor1d(ts),
      });
      return terms.elboPerToken.dataSync().slice();
    });
    assert.equal(tf.memory().numTensors, before0, "giddElbo leaks tensors");
    for (let b = 0; b < B; b++) {
      const t = ts[b];
      for (let l = 0; l < L; l++) {
        const i = b * L + l;
        const x = xs[i];
        const z = zs[i];
        const xh = softmaxNoMask(logits, i * V);
        const eta = etaFd(s, t, x);
        const a = giddMarginal(s, t, x, V);
        const qh = new Float64Array(V);
        for (let y = 0; y < V; y++) qh[y] = s.alpha(t) * xh[y] + (a[y] - (y === x ? s.alpha(t) : 0));
        // reverse rate z -> y: eta(z) q(y)/q(z); true (given x) and model (given x_hat)
        let integrand = 0;
        for (let y = 0; y < V; y++) {
          if (y === z) continue;
          const R = (eta[z] * a[y]) / a[z];
          const Rh = (eta[z] * qh[y]) / qh[z];
          integrand += Rh - R + R * Math.log(R / Rh);
        }
        close(elbo[i], integrand, 2e-3 * Math.max(1, Math.abs(integrand)), `pu=${pu} t=${t} x=${x} z=${z}`);
      }
    }
  }
});

test("p_u = 0: masked ELBO is -log x_hat(x)/t, clean tokens give 0", () => {
  const s = new GiddSchedule({ pu: 0 });
  const rng = new SeededRng(3);
  const ts = [0.1, 0.5, 0.9];
  const B = 3;
  const L = 4;
  const logits = randomLogits(rng, B, L);
  const xs = new Int32Array(B * L).map(() => rng.int(MASK));
  const zs = xs.map((x, i) => (i % 2 === 0 ? MASK : x));
  const elbo = tf.tidy(() =>
    giddElbo(s, {
      logits: tf.tensor3d(logits, [B, L, V]),
      x: tf.tensor2d(xs, [B, L], "int32"),
      zt: tf.tensor2d(zs, [B, L], "int32"),
      t: tf.tensor1d(ts),
    }).elboPerToken.dataSync().slice(),
  );
  for (let i = 0; i < B * L; i++) {
    const t = ts[Math.floor(i / L)];
    const want = zs[i] === MASK ? -Math.log(softmaxNoMask(logits, i * V)[xs[i]]) / t : 0;
    close(elbo[i], want, 1e-4 * Math.max(1, want), `i=${i}`);
  }
});

test("ELBO is >= 0 and 0 for a perfect prediction; MASK logit is ignored", () => {
  const s = new GiddSchedule({ pu: 0.2 });
  const B = 2;
  const L = 3;
  const xs = new Int32Array([0, 1, 2, 3, 0, 1]);
  const zs = new Int32Array([0, MASK, 3, MASK, 2, 1]);
  const perfect = new Float32Array(B * L * V);
  for (let i = 0; i < B * L; i++) {
    perfect[i * V + xs[i]] = 30;
    perfect[i * V + MASK] = 100; // must be ignored
  }
  const elbo = tf.tidy(() =>
    giddElbo(s, {
      logits: tf.tensor3d(perfect, [B, L, V]),
      x: tf.tensor2d(xs, [B, L], "int32"),
      zt: tf.tensor2d(zs, [B, L], "int32"),
      t: tf.tensor1d([0.3, 0.7]),
    }).elboPerToken.dataSync().slice(),
  );
  elbo.forEach((e, i) => close(e, 0, 1e-5, `perfect i=${i}`));
});

test("GIDD+ dynamic weights match the table and the tensor path", () => {
  const s = new GiddSchedule({ pu: 0.1 });
  const Vg = 50258;
  assert.equal(giddPlusWeight(s, 0.5, "mask", Vg), 2);
  assert.equal(giddPlusWeight(s, 0.5, "uniform", Vg), 1);
  const clean = giddPlusWeight(s, 0.5, "clean", Vg);
  close(clean, (s.B / Vg) * Math.exp(0.5 / (1 + Math.exp(0.5))), 1e-15, "clean formula");
  assert.ok(clean > 4e-6 && clean < 6e-6, `clean weight about 5e-6, got ${clean}`);
  assert.equal(giddPlusWeight(s, 0.5, "mask", Vg, { maxWeight: 1.5 }), 1.5);
  // tensor path with dynamic weighting, V = 5
  const xs = new Int32Array([0, 1, 2]);
  const zs = new Int32Array([0, MASK, 3]);
  const w = tf.tidy(() =>
    giddElbo(
      s,
      {
        logits: tf.zeros([1, 3, V]) as tf.Tensor3D,
        x: tf.tensor2d(xs, [1, 3], "int32"),
        zt: tf.tensor2d(zs, [1, 3], "int32"),
        t: tf.tensor1d([0.4]),
      },
      { weighting: "dynamic" },
    ).lossWeight.dataSync().slice(),
  );
  close(w[0], giddPlusWeight(s, 0.4, "clean", V), 1e-7, "clean");
  close(w[1], 2, 0, "mask");
  close(w[2], 1, 0, "uniform");
  // p_u = 0: masked tokens get 2 (1 - t) CE in place of CE/t, i.e. weight 2 on KL = (1-t) CE
  const s0 = new GiddSchedule({ pu: 0 });
  const t = 0.3;
  const logits = new Float32Array(V).map((_, v) => (v === 0 ? 1 : 0));
  const got = tf.tidy(() =>
    giddElbo(
      s0,
      { logits: tf.tensor3d(logits, [1, 1, V]), x: tf.tensor2d([0], [1, 1], "int32"), zt: tf.tensor2d([MASK], [1, 1], "int32"), t: tf.tensor1d([t]) },
      { weighting: "dynamic" },
    ).trainPerToken.dataSync()[0],
  );
  close(got, -2 * (1 - t) * Math.log(softmaxNoMask(logits, 0)[0]), 1e-5, "2(1-t)CE");
});

test("token mean masks padding", () => {
  const v = tf.tidy(() => giddTokenMean(tf.tensor2d([[1, 2, 100]]), tf.tensor2d([[1, 1, 0]])).dataSync()[0]);
  close(v, 1.5, 1e-7, "masked mean");
});

test("bad input throws naming the argument", () => {
  const s = new GiddSchedule({ pu: 0.1 });
  assert.throws(() => giddElboWeight(s, 2, "mask", 5), /t must be/);
  assert.throws(() => giddElboWeight(s, 0.5, "mask", 1), /V \(states/);
  assert.throws(() => giddElboWeight(s, 0.5, "other" as GiddZType, 5), /zType must be/);
  tf.tidy(() => {
    const ok = { logits: tf.zeros([2, 3, V]) as tf.Tensor3D, x: tf.zeros([2, 3], "int32") as tf.Tensor2D, zt: tf.zeros([2, 3], "int32") as tf.Tensor2D, t: tf.tensor1d([0.5, 0.5]) };
    assert.throws(() => giddElbo(s, { ...ok, x: tf.zeros([2, 4], "int32") as tf.Tensor2D }), /x must be/);
    assert.throws(() => giddElbo(s, { ...ok, t: tf.tensor1d([0.5]) }), /t must be/);
    assert.throws(() => giddElbo(s, ok, { maskId: 9 }), /maskId must be/);
    assert.throws(() => giddElbo(s, ok, { weighting: "dynamic", clip: { minWeight: 2, maxWeight: 1 } }), /maxWeight must be/);
  });
});
