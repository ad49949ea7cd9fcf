// The fused cluster log-sum-exp of the HDLM/MDLM losses (clusterLogSumExp): native kernel vs the tfjs-ops path on cpu,
// vs the gather-based segment log-sum-exp, and its gradient vs central finite differences (float64 reference).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { clusterLogSumExp, AdamWScalars, nativeAdamW, nativeSumSquares } from "../../src/engine/native/fused";
import { segmentLogSumExp } from "../../src/losses/segment";
import { makeClusterLayout } from "../../src/processes";
import { SeededRng, centralDifference, compare, runOn, setupNative, skipNative, uniform } from "./native-helpers";

const opts = { skip: skipNative };

/** A random problem: logits [N, W] (W >= V), targets, a cluster map of V tokens into n clusters, row clusters. */
function problem(seed: number, N: number, V: number, W: number, n: number) {
  const rng = new SeededRng(seed);
  const clusterOf = Int32Array.from({ length: V }, (_, v) => (v < n ? v : rng.int(n))); // every cluster non-empty
  const logits = uniform(rng, N * W, -6, 6);
  const targets = Int32Array.from({ length: N }, () => rng.int(V));
  const rowCluster = Int32Array.from(targets, (x) => clusterOf[x]);
  const dy = uniform(rng, N * 3, -1, 1);
  return { clusterOf, logits, targets, rowCluster, dy, layout: makeClusterLayout(clusterOf) };
}

test("clusterLogSumExp: native values and gradient equal the tfjs path on cpu (with and without clusters, W > V)", opts, async () => {
  await setupNative();
  for (const [N, V, W, n] of [[1, 2, 2, 1], [7, 13, 17, 3], [33, 300, 305, 4], [16, 1000, 1000, 16]]) {
    const p = problem(N * 7 + V, N, V, W, n);
    for (const clustered of [true, false]) {
      const rc = clustered ? p.rowCluster : null;
      const cl = clustered ? { clusterOf: p.clusterOf, numClusters: n } : null;
      const err = await compare(() => {
        const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(clusterLogSumExp(x as tf.Tensor2D, V, p.targets, rc, cl), tf.tensor2d(p.dy, [N, 3])));
        const x = tf.tensor2d(p.logits, [N, W]);
        return [clusterLogSumExp(x, V, p.targets, rc, cl), tf.grad(f)(x)];
      });
      assert.ok(err <= 1e-5, `[${N}, ${V}, ${W}] n ${n} clustered ${clustered}: rel err ${err}`);
    }
  }
});

test("clusterLogSumExp: values and gradients equal the gather segment log-sum-exp picked at c(x), and l_x", opts, async () => {
  await setupNative();
  const [N, V, n] = [12, 50, 5];
  const p = problem(3, N, V, V, n);
  tf.dispose(segmentLogSumExp(tf.zeros([1, V]), p.layout, "gather")); // builds the layout's cached (kept) tables once
  for (const backend of ["native", "cpu"] as const) {
    const [fused, fusedGrad, ref, refGrad] = await runOn(backend, () => {
      const w = tf.tensor2d(p.dy, [N, 3]);
      const ohC = tf.oneHot(tf.tensor1d(p.rowCluster, "int32"), n);
      const ohX = tf.oneHot(tf.tensor1d(p.targets, "int32"), V);
      const viaGather = (x: tf.Tensor): tf.Tensor => {
        const all = tf.logSumExp(x, 1);
        const c = tf.sum(tf.mul(segmentLogSumExp(x, p.layout, "gather"), ohC), 1);
        return tf.stack([all, c, tf.sum(tf.mul(x, ohX), 1)], 1);
      };
      const viaFused = (x: tf.Tensor): tf.Tensor => clusterLogSumExp(x as tf.Tensor2D, V, p.targets, p.rowCluster, p.layout);
      const x = tf.tensor2d(p.logits, [N, V]);
      const g = (f: (x: tf.Tensor) => tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(f(u), w)))(x);
      return [viaFused(x), g(viaFused), viaGather(x), g(viaGather)];
    });
    for (let i = 0; i < ref.values.length; i++) assert.ok(Math.abs(fused.values[i] - ref.values[i]) < 1e-4, `${backend} value ${i}: ${fused.values[i]} vs ${ref.values[i]}`);
    for (let i = 0; i < refGrad.values.length; i++) assert.ok(Math.abs(fusedGrad.values[i] - refGrad.values[i]) < 1e-5, `${backend} grad ${i}: ${fusedGrad.values[i]} vs ${refGrad.values[i]}`);
  }
});

test("clusterLogSumExp: gradient matches central finite differences of a float64 reference", opts, async () => {
  await setupNative();
  const [N, V, W, n] = [3, 9, 12, 3];
  const p = problem(11, N, V, W, n);
  // float64 reference of Σ_r Σ_j dy[r, j] stats[r, j]
  const f64 = (l: Float64Array): number => {
    let total = 0;
    for (let r = 0; r < N; r++) {
      const row = l.subarray(r * W, r * W + V);
      const lse = (keep: (v: number) => boolean) => {
        let m = -Infinity;
        for (let v = 0; v < V; v++) if (keep(v)) m = Math.max(m, row[v]);
        let s = 0;
        for (let v = 0; v < V; v++) if (keep(v)) s += Math.exp(row[v] - m);
        return m + Math.log(s);
      };
      total += p.dy[3 * r] * lse(() => true) + p.dy[3 * r + 1] * lse((v) => p.clusterOf[v] === p.rowCluster[r]) + p.dy[3 * r + 2] * row[p.targets[r]];
    }
    return total;
  };
  for (const backend of ["native", "cpu"] as const) {
    const [grad] = await runOn(backend, () =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(clusterLogSumExp(x as tf.Tensor2D, V, p.targets, p.rowCluster, p.layout), tf.tensor2d(p.dy, [N, 3]))))(tf.tensor2d(p.logits, [N, W])),
    );
    for (let i = 0; i < N * W; i++) {
      const fd = centralDifference(f64, p.logits, i);
      assert.ok(Math.abs(grad.values[i] - fd) < 2e-4, `${backend} d/dl[${i}]: ${grad.values[i]} vs finite difference ${fd}`);
      if (i % W >= V) assert.equal(grad.values[i], 0, `${backend}: column ${i % W} >= vocab gets no gradient`);
    }
  }
});

test("clusterLogSumExp: bad input gives one error naming the field", opts, async () => {
  await setupNative();
  const x = tf.zeros([2, 4]) as tf.Tensor2D;
  const cl = { clusterOf: Int32Array.from([0, 1, 1, 0]), numClusters: 2 };
  assert.throws(() => clusterLogSumExp(x, 5, Int32Array.from([0, 1]), null, null), /vocab must be an integer in \[1, 4\]/);
  assert.throws(() => clusterLogSumExp(x, 4, Int32Array.from([0]), null, null), /targets must have 2 entries/);
  assert.throws(() => clusterLogSumExp(x, 4, Int32Array.from([0, 4]), null, null), /targets\[1\] must lie in \[0, 4\)/);
  assert.throws(() => clusterLogSumExp(x, 4, Int32Array.from([0, 1]), Int32Array.from([0, 2]), cl), /rowCluster\[1\] must lie in \[0, 2\)/);
  assert.throws(() => clusterLogSumExp(x, 4, Int32Array.from([0, 1]), null, cl), /must both be given/);
  x.dispose();
});

test("nativeAdamW and nativeSumSquares equal the tfjs AdamW ops on cpu bit for bit", opts, async () => {
  await setupNative();
  const rng = new SeededRng(5);
  const n = 5000;
  const [p0, m0, v0, g] = [uniform(rng, n), uniform(rng, n, -0.1, 0.1), uniform(rng, n, 0, 0.01), uniform(rng, n, -2, 2)];
  const s: AdamWScalars = { gradScale: 0.37, decay: 1 - 3e-4 * 0.02, beta1: 0.9, beta2: 0.99, sqrtBc2: Math.sqrt(1 - 0.99 ** 3), eps: 1e-9, stepSize: 3e-4 / (1 - 0.9 ** 3) };
  // tfjs ops in the order of src/train/optimizer.ts, on the pure-JS cpu backend
  const [want] = await runOn("cpu", () => {
    const gs = tf.mul(tf.tensor1d(g), s.gradScale);
    const m = tf.add(tf.mul(tf.tensor1d(m0), s.beta1), tf.mul(gs, 1 - s.beta1));
    const v = tf.add(tf.mul(tf.tensor1d(v0), s.beta2), tf.mul(tf.square(gs), 1 - s.beta2));
    const p = tf.sub(tf.mul(tf.tensor1d(p0), s.decay), tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), s.sqrtBc2), s.eps)), s.stepSize));
    return tf.concat([p, m, v]);
  });
  const vars = [p0, m0, v0].map((a) => tf.variable(tf.tensor1d(a)));
  const before = vars[0].dataSync(); // read before the update: must stay a snapshot (no in-place aliasing)
  const alias = tf.reshape(vars[0], [n]); // shares the variable's data: must not see the update
  const gt = tf.tensor1d(g);
  assert.equal(nativeAdamW(vars[0], vars[1], vars[2], gt, s), true);
  const got = [...vars[0].dataSync(), ...vars[1].dataSync(), ...vars[2].dataSync()];
  for (let i = 0; i < got.length; i++) assert.equal(got[i], want.values[i], `element ${i}: ${got[i]} vs ${want.values[i]}`);
  assert.deepEqual(Array.from(alias.dataSync()), Array.from(p0));
  assert.deepEqual(Array.from(before), Array.from(p0));
  let ss = 0;
  for (const x of g) ss += x * x;
  assert.ok(Math.abs(nativeSumSquares(gt)! - ss) < 1e-6 * ss, `sum of squares ${nativeSumSquares(gt)} vs ${ss}`);
  tf.dispose([...vars, alias, gt]);
});
