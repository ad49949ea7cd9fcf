// The fused GIDD KL / log-ratio of the GIDD loss (giddKlLogRatio): native kernel vs the tfjs-ops path on cpu, values
// and gradients, and the gradient vs central finite differences of a float64 reference; MASK and clamped terms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { giddKlLogRatio } from "../../src/engine/native/fused";
import { SeededRng, centralDifference, runOn, setupNative, skipNative, uniform, relErr } from "./native-helpers";

const opts = { skip: skipNative };

/** Random rows: logits [N, W] with MASK at `mask`, clean x (never MASK), z = x, MASK or another token, (alpha, u, m). */
function problem(seed: number, N: number, W: number, mask: number, uZero = false) {
  const rng = new SeededRng(seed);
  const logits = uniform(rng, N * W, -6, 6);
  const real = (): number => {
    const v = rng.int(W - 1);
    return v >= mask ? v + 1 : v;
  };
  const x = Int32Array.from({ length: N }, real);
  const z = Int32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? x[i] : i % 3 === 1 ? mask : real()));
  const coef = new Float32Array(3 * N);
  for (let r = 0; r < N; r++) {
    const alpha = 0.05 + 0.9 * rng.uniform();
    const uMass = uZero ? 0 : 0.1 * (1 - alpha);
    coef.set([alpha, uMass / (W - 1), 1 - alpha - uMass], 3 * r);
  }
  const dy = uniform(rng, N * 2, -1, 1);
  return { logits, x, z, coef, dy };
}

/** float64 reference of sum_r dy[r,0] KL_r + dy[r,1] logRatio_r. */
function reference(l: Float64Array, p: ReturnType<typeof problem>, N: number, W: number, mask: number): number {
  let total = 0;
  const clog = (q: number) => (q > 0 ? Math.max(Math.log(q), -1e6) : -1e6);
  for (let r = 0; r < N; r++) {
    const row = l.subarray(r * W, (r + 1) * W);
    let mx = -Infinity;
    for (let j = 0; j < W; j++) if (j !== mask) mx = Math.max(mx, row[j]);
    let s = 0;
    for (let j = 0; j < W; j++) if (j !== mask) s += Math.exp(row[j] - mx);
    const [alpha, u, m] = [p.coef[3 * r], p.coef[3 * r + 1], p.coef[3 * r + 2]];
    let kl = 0;
    let lr = 0;
    for (let j = 0; j < W; j++) {
      const bp = j === mask ? m : u;
      const qh = alpha * (j === mask ? 0 : Math.exp(row[j] - mx) / s) + bp;
      const qx = (j === p.x[r] ? alpha : 0) + bp;
      if (qx > 0) kl += qx * (clog(qx) - clog(qh));
      if (j === p.z[r]) lr = clog(qx) - clog(qh);
    }
    total += p.dy[2 * r] * kl + p.dy[2 * r + 1] * lr;
  }
  return total;
}

test("giddKlLogRatio: native values and gradient equal the tfjs path on cpu (MASK first, middle, last; u = 0)", opts, async () => {
  await setupNative();
  for (const [N, W, mask, uZero] of [[3, 2, 1, false], [9, 11, 10, false], [12, 11, 0, false], [33, 300, 150, false], [16, 1001, 1000, false], [9, 11, 10, true]] as const) {
    const p = problem(N * 13 + W, N, W, mask, uZero);
    const run = (backend: "cpu" | "native") =>
      runOn(backend, () => {
        const x = tf.tensor2d(p.logits, [N, W]);
        const f = (l: tf.Tensor): tf.Scalar => tf.sum(tf.mul(giddKlLogRatio(l as tf.Tensor2D, p.x, p.z, p.coef, mask), tf.tensor2d(p.dy, [N, 2])));
        return [giddKlLogRatio(x, p.x, p.z, p.coef, mask), tf.grad(f)(x)];
      });
    const [want, got] = [await run("cpu"), await run("native")];
    assert.ok(relErr(got[0].values, want[0].values) <= 1e-5, `[${N}, ${W}] mask ${mask}: values rel err ${relErr(got[0].values, want[0].values)}`);
    assert.ok(relErr(got[1].values, want[1].values) <= 1e-4, `[${N}, ${W}] mask ${mask}: gradient rel err ${relErr(got[1].values, want[1].values)}`);
    for (let r = 0; r < N; r++) assert.equal(got[1].values[r * W + mask], 0, "the MASK column gets no gradient");
  }
});

test("giddKlLogRatio: gradient matches central finite differences of a float64 reference", opts, async () => {
  await setupNative();
  const [N, W, mask] = [4, 9, 8];
  const p = problem(7, N, W, mask);
  const want = reference(Float64Array.from(p.logits), p, N, W, mask);
  for (const backend of ["native", "cpu"] as const) {
    const [v, grad] = await runOn(backend, () => {
      const x = tf.tensor2d(p.logits, [N, W]);
      const f = (l: tf.Tensor): tf.Scalar => tf.sum(tf.mul(giddKlLogRatio(l as tf.Tensor2D, p.x, p.z, p.coef, mask), tf.tensor2d(p.dy, [N, 2])));
      return [f(x), tf.grad(f)(x)];
    });
    assert.ok(Math.abs(v.values[0] - want) < 1e-4 * Math.max(1, Math.abs(want)), `${backend}: ${v.values[0]} vs float64 ${want}`);
    for (let i = 0; i < N * W; i++) {
      const fd = centralDifference((l) => reference(l, p, N, W, mask), p.logits, i);
      assert.ok(Math.abs(grad.values[i] - fd) < 2e-4, `${backend} d/dl[${i}]: ${grad.values[i]} vs finite difference ${fd}`);
    }
  }
});

test("giddKlLogRatio: bad input gives one error naming the field", opts, async () => {
  await setupNative();
  const x = tf.zeros([2, 4]) as tf.Tensor2D;
  const c = new Float32Array(6);
  const ok = Int32Array.from([0, 1]);
  assert.throws(() => giddKlLogRatio(x, ok, ok, c, 4), /maskId must be an integer in \[0, 4\)/);
  assert.throws(() => giddKlLogRatio(x, Int32Array.from([0]), ok, c, 3), /x and z must have 2 entries/);
  assert.throws(() => giddKlLogRatio(x, ok, Int32Array.from([0, 4]), c, 3), /z\[1\] must lie in \[0, 4\)/);
  assert.throws(() => giddKlLogRatio(x, ok, ok, new Float32Array(5), 3), /coef must have 3 \* 2 entries/);
  x.dispose();
});
