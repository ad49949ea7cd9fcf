// Tests of the analytic log-sum-exp gradients used by the losses: logSumExpRows and both segmentLogSumExp paths
// give the same values as tf.logSumExp-based code, and gradients equal autodiff and central finite differences.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { logSumExpRows, segmentLogSumExp } from "../../src/losses";
import { createClusterMap } from "../../src/vocab/cluster-map";
import { SeededRng } from "../../src/util/rng";

before(async () => {
  await initEngine();
});

function randomLogits(N: number, V: number, seed: number, scale = 3): tf.Tensor2D {
  const rng = new SeededRng(seed);
  return tf.tensor2d(Float32Array.from({ length: N * V }, () => scale * rng.normal()), [N, V]);
}

/** Central finite differences of a scalar function of x (float64 on the host via float32 ops; h = 1e-2). */
function finiteDiff(f: (x: tf.Tensor2D) => tf.Scalar, x: tf.Tensor2D, h = 1e-2): Float64Array {
  const base = x.dataSync().slice();
  const out = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const eval1 = (d: number) => tf.tidy(() => {
      const y = base.slice();
      y[i] += d;
      return f(tf.tensor2d(y, x.shape)).dataSync()[0];
    });
    out[i] = (eval1(h) - eval1(-h)) / (2 * h);
  }
  return out;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test("logSumExpRows: values identical to tf.logSumExp; gradient = autodiff = finite differences", () => {
  const x = randomLogits(5, 7, 1);
  const dy = tf.tensor1d([1, -0.5, 2, 0.3, -1.5]);
  assert.deepEqual(Array.from(logSumExpRows(x).dataSync()), Array.from(tf.logSumExp(x, 1).dataSync()));
  const fA = (v: tf.Tensor2D) => tf.sum(tf.mul(logSumExpRows(v), dy)) as tf.Scalar;
  const fB = (v: tf.Tensor2D) => tf.sum(tf.mul(tf.logSumExp(v, 1), dy)) as tf.Scalar;
  const gA = tf.grad(fA as (v: tf.Tensor) => tf.Scalar)(x).dataSync();
  assertClose(gA, tf.grad(fB as (v: tf.Tensor) => tf.Scalar)(x).dataSync(), 1e-5, "vs autodiff");
  assertClose(gA, finiteDiff(fA, x), 2e-3, "vs finite differences");
  // Rows with a huge logit stay finite (softmax · dy).
  const big = tf.tensor2d([[1000, 0, -1000]]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(logSumExpRows(v as tf.Tensor2D)) as tf.Scalar)(big).dataSync();
  assertClose(g, [1, 0, 0], 1e-6, "saturated row");
  assert.throws(() => logSumExpRows(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D), /rank-2 \(N, V\)/);
});

test("segmentLogSumExp (gather and matmul): values match tf.logSumExp per cluster; gradients = autodiff = finite differences", () => {
  const V = 9, n = 3;
  const clusterOf = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 0, 1]);
  const layout = createClusterMap(clusterOf, n, { source: "test" });
  const x = randomLogits(4, V, 2);
  const wts = tf.tensor2d(Float32Array.from({ length: 4 * n }, (_, i) => 0.3 + ((i * 7) % 5) - 2), [4, n]);
  // Reference: per cluster, tf.logSumExp over its member columns (autodiff).
  const reference = (v: tf.Tensor2D) => {
    const cols: tf.Tensor[] = [];
    for (let k = 0; k < n; k++) {
      const members = Array.from(clusterOf.keys()).filter((i) => clusterOf[i] === k);
      cols.push(tf.logSumExp(tf.gather(v, tf.tensor1d(members, "int32"), 1), 1, true));
    }
    return tf.concat(cols, 1) as tf.Tensor2D;
  };
  const refVal = reference(x).dataSync();
  const fRef = (v: tf.Tensor2D) => tf.sum(tf.mul(reference(v), wts)) as tf.Scalar;
  const gRef = tf.grad(fRef as (v: tf.Tensor) => tf.Scalar)(x).dataSync();
  for (const method of ["gather", "matmul"] as const) {
    const f = (v: tf.Tensor2D) => tf.sum(tf.mul(segmentLogSumExp(v, layout, method), wts)) as tf.Scalar;
    assertClose(segmentLogSumExp(x, layout, method).dataSync(), refVal, 1e-5, `${method} values`);
    const g = tf.grad(f as (v: tf.Tensor) => tf.Scalar)(x).dataSync();
    assertClose(g, gRef, 1e-5, `${method} gradient vs autodiff`);
    assertClose(g, finiteDiff(f, x), 3e-3, `${method} gradient vs finite differences`);
  }
});

test("the analytic gradients leak no tensors", () => {
  const layout = createClusterMap(Int32Array.from([0, 1, 0, 1, 1]), 2, { source: "test" });
  const x = randomLogits(3, 5, 3);
  const run = () =>
    tf.tidy(() => {
      for (const method of ["gather", "matmul"] as const) tf.grad((v: tf.Tensor) => tf.sum(segmentLogSumExp(v, layout, method)) as tf.Scalar)(x);
      tf.grad((v: tf.Tensor) => tf.sum(logSumExpRows(v as tf.Tensor2D)) as tf.Scalar)(x);
    });
  run();
  const n0 = tf.memory().numTensors;
  run();
  assert.equal(tf.memory().numTensors, n0);
});
