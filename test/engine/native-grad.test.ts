// Gradients through the native kernels: equal to the pure-JS cpu backend's (relative error <= 1e-4) and to
// central finite differences evaluated on the native backend (small inputs, float32, tolerance stated below).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { SeededRng, compare, relErr, setupNative, skipNative, uniform } from "./native-helpers";

const opts = { skip: skipNative };

interface Case {
  name: string;
  shapes: number[][];
  lo?: number;
  hi?: number;
  f: (...xs: tf.Tensor[]) => tf.Scalar;
}

const w3 = (n: number): tf.Tensor => tf.linspace(-1, 1.3, n);

const CASES: Case[] = [
  { name: "matMul", shapes: [[3, 4], [4, 5]], f: (a, b) => tf.sum(tf.mul(tf.matMul(a, b), tf.reshape(w3(15), [3, 5]))) },
  { name: "matMul transposeA", shapes: [[4, 3], [4, 5]], f: (a, b) => tf.sum(tf.mul(tf.matMul(a, b, true, false), tf.reshape(w3(15), [3, 5]))) },
  { name: "matMul transposeB", shapes: [[3, 4], [5, 4]], f: (a, b) => tf.sum(tf.mul(tf.matMul(a, b, false, true), tf.reshape(w3(15), [3, 5]))) },
  { name: "matMul both transposed", shapes: [[4, 3], [5, 4]], f: (a, b) => tf.sum(tf.square(tf.matMul(a, b, true, true))) },
  { name: "batched matMul", shapes: [[2, 3, 4], [2, 4, 2]], f: (a, b) => tf.sum(tf.square(tf.matMul(a, b))) },
  { name: "fused matMul + bias + relu", shapes: [[3, 4], [4, 5], [5]], f: (a, b, c) => tf.sum(tf.mul(tf.fused.matMul({ a, b, bias: c, activation: "relu" }), tf.reshape(w3(15), [3, 5]))) },
  {
    name: "layer norm (mean, sub, square, rsqrt, mul, add)",
    shapes: [[3, 6], [6], [6]],
    f: (x, g, b) => {
      const mean = tf.mean(x, -1, true);
      const xc = tf.sub(x, mean);
      const y = tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5))), g), b);
      return tf.sum(tf.mul(y, tf.reshape(w3(18), [3, 6])));
    },
  },
  {
    name: "tanh-GELU",
    shapes: [[4, 5]],
    f: (x) => tf.sum(tf.mul(tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), 0.7978845608)), 1)), tf.reshape(w3(20), [4, 5]))),
  },
  {
    name: "softmax attention",
    shapes: [[2, 3, 4], [2, 3, 4], [2, 3, 4]],
    f: (q, k, v) => tf.sum(tf.mul(tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 0.5)), v), tf.reshape(w3(24), [2, 3, 4]))),
  },
  {
    name: "masked weighted cross-entropy (logSoftmax, oneHot, sum, mean)",
    shapes: [[5, 7]],
    lo: -3,
    hi: 3,
    f: (logits) => {
      const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d([1, 6, 0, 3, 3], "int32"), 7)), -1));
      return tf.mean(tf.mul(nll, tf.tensor1d([1, 0, 2.5, 0, 1.2])));
    },
  },
  {
    name: "embedding gather (gradient = unsortedSegmentSum)",
    shapes: [[6, 3]],
    f: (e) => tf.sum(tf.mul(tf.gather(e, tf.tensor1d([4, 1, 4, 0, 4], "int32")), tf.reshape(w3(15), [5, 3]))),
  },
  { name: "transpose, max, div, sqrt", shapes: [[3, 4, 2], [4, 2]], lo: 0.5, hi: 2, f: (x, y) => tf.sum(tf.div(tf.sqrt(tf.transpose(x, [2, 0, 1])), tf.add(tf.reshape(tf.max(tf.transpose(y), 1), [2, 1, 1]), 1))) },
  { name: "sigmoid, exp, log, maximum", shapes: [[7], [7]], lo: 0.2, hi: 1.5, f: (x, y) => tf.sum(tf.add(tf.log(tf.maximum(x, y)), tf.mul(tf.sigmoid(x), tf.exp(tf.neg(y))))) },
];

test("gradients on native equal the cpu backend's", opts, async () => {
  await setupNative();
  const rng = new SeededRng(31);
  for (const c of CASES) {
    const vals = c.shapes.map((s) => uniform(rng, s.reduce((a, b) => a * b, 1), c.lo ?? -1, c.hi ?? 1));
    const err = await compare(() => {
      const xs = vals.map((v, i) => tf.tensor(v, c.shapes[i]));
      const g = tf.grads((...args: tf.Tensor[]) => c.f(...args));
      return [c.f(...xs), ...g(xs)];
    });
    assert.ok(err <= 1e-4, `${c.name}: rel err vs cpu ${err}`);
  }
});

test("gradients on native match central finite differences", opts, async () => {
  await setupNative();
  const rng = new SeededRng(32);
  const h = 1e-2;
  for (const c of CASES) {
    const vals = c.shapes.map((s) => uniform(rng, s.reduce((a, b) => a * b, 1), c.lo ?? -1, c.hi ?? 1));
    const analytic = tf.tidy(() => {
      const g = tf.grads((...args: tf.Tensor[]) => c.f(...args));
      return g(vals.map((v, i) => tf.tensor(v, c.shapes[i]))).map((t) => Array.from(t.dataSync()));
    });
    const evalAt = (which: number, idx: number, delta: number): number =>
      tf.tidy(() => {
        const xs = vals.map((v, i) => {
          const w = Float32Array.from(v);
          if (i === which) w[idx] += delta;
          return tf.tensor(w, c.shapes[i]);
        });
        return c.f(...xs).dataSync()[0];
      });
    for (let which = 0; which < vals.length; which++) {
      const numeric = Array.from(vals[which], (_, idx) => (evalAt(which, idx, h) - evalAt(which, idx, -h)) / (2 * h));
      // float32 function values through differences of step 1e-2 plus O(h^2) curvature: measured <= 1e-4, allowed 1e-3.
      const err = relErr(analytic[which], numeric, 1);
      assert.ok(err <= 1e-3, `${c.name}, input ${which}: analytic vs finite differences rel err ${err}`);
    }
  }
});

test("gradient computation leaves no tensors behind", opts, async () => {
  await setupNative();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.softmax(tf.matMul(t, t))))(x).dataSync();
    });
  }
  assert.equal(tf.memory().numTensors, before);
});
