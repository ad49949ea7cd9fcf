// The explicit-transpose matmul: forward and both gradients equal tf.matMul's (all transpose combos via linear).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, initEngine, matmul2d, linear, setExplicitTranspose } from "../../src/engine";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const scale = Math.max(1, Math.abs(b[i]));
    assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `index ${i}: ${a[i]} vs ${b[i]}`);
  }
}

for (const backend of ["wasm", "cpu"] as const) {
  test(`matmul2d forward and gradients equal tf.matMul on ${backend}`, async () => {
    await initEngine({ backend });
    const rnd = lcg(7);
    const A = Array.from({ length: 5 * 3 }, rnd), B = Array.from({ length: 3 * 4 }, rnd), U = Array.from({ length: 5 * 4 }, rnd);
    const run = (explicit: boolean) => tf.tidy(() => {
      setExplicitTranspose(explicit);
      const a = tf.tensor2d(A, [5, 3]), b = tf.tensor2d(B, [3, 4]), u = tf.tensor2d(U, [5, 4]);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matmul2d(x as tf.Tensor2D, y as tf.Tensor2D), u));
      const [ga, gb] = tf.grads(f)([a, b]);
      return [matmul2d(a, b).dataSync().slice(), ga.dataSync().slice(), gb.dataSync().slice()];
    });
    const stock = run(false), fast = run(true);
    setExplicitTranspose(backend === "wasm");
    for (let i = 0; i < 3; i++) close(fast[i], stock[i]);
  });
}

test("linear flattens leading axes and checks widths", async () => {
  await initEngine({ backend: "wasm" });
  tf.tidy(() => {
    const x = tf.ones([2, 3, 4]);
    const w = tf.ones([4, 5]) as tf.Tensor2D;
    const y = linear(x, w);
    assert.deepEqual(y.shape, [2, 3, 5]);
    assert.equal(y.dataSync()[0], 4);
    assert.throws(() => linear(tf.ones([2, 3]), w), /input width 3 does not match weight rows 4/);
  });
});
