// The block-copy kernels of the native backend (Slice, SplitV, PadV2, Concat): exactly equal to the cpu kernels for every
// rank, dtype, partial/whole axis and empty case, gradients (Slice <-> Pad, Split <-> Concat) included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { SeededRng, runOn, setupNative, skipNative, uniform } from "./native-helpers";

const opts = { skip: skipNative };

/** Runs `fn` on cpu and native and asserts identical shapes, dtypes and values. */
async function same(what: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const want = await runOn("cpu", fn);
  const got = await runOn("native", fn);
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.deepEqual(got[i].shape, want[i].shape, `${what}: shape of output ${i}`);
    assert.equal(got[i].dtype, want[i].dtype, `${what}: dtype of output ${i}`);
    assert.deepEqual(got[i].values, want[i].values, `${what}: values of output ${i}`);
  }
}

test("Slice: every rank 1-5, partial and whole axes, -1 sizes, int32 and bool, empty results; with its gradient", opts, async () => {
  const names = await setupNative();
  for (const k of ["Slice", "SplitV", "PadV2", "Concat"]) assert.ok(names.includes(k), `${k} is not among the native kernels: ${names}`);
  const rng = new SeededRng(51);
  const cases: [number[], number[], number[]][] = [
    [[7], [2], [4]], [[7], [0], [-1]], [[5, 9], [1, 3], [3, 5]], [[5, 9], [0, 0], [5, 9]], [[5, 9], [2, 0], [2, -1]],
    [[4, 6, 33], [1, 0, 0], [2, 6, 32]], [[4, 6, 33], [0, 2, 5], [4, 3, 1]], [[3, 2, 4, 5], [1, 0, 1, 2], [2, 2, 3, 3]],
    [[2, 3, 2, 4, 5], [0, 1, 0, 1, 0], [2, 2, 2, 3, 5]], [[4, 5], [1, 1], [0, 3]],
  ];
  for (const [shape, begin, size] of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    const xv = uniform(rng, n, -3, 3);
    const iv = Int32Array.from(xv, (v) => Math.round(v * 10));
    await same(`slice [${shape}] at [${begin}] size [${size}]`, () => {
      const x = tf.tensor(xv, shape);
      const out = tf.slice(x, begin, size);
      const dy = tf.add(tf.mul(tf.onesLike(out), 0.5), tf.reshape(tf.cast(tf.range(0, out.size), "float32"), out.shape));
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, begin, size), dy)))(x);
      const xi = tf.tensor(iv, shape, "int32");
      return [out, g, tf.slice(xi, begin, size), tf.slice(tf.greater(xi, 0), begin, size)];
    });
  }
});

test("Concat: equals the cpu kernel on every axis, with empty pieces, int32 and bool, and its gradient", opts, async () => {
  await setupNative();
  const rng = new SeededRng(53);
  const a = uniform(rng, 3 * 4 * 5, -2, 2);
  const b = uniform(rng, 3 * 4 * 5, -2, 2);
  const cases: [number[], number[], number][] = [[[3, 4, 5], [3, 4, 2], 2], [[3, 4, 5], [3, 4, 2], -1], [[3, 4, 5], [2, 4, 5], 0], [[3, 4, 5], [3, 2, 5], 1], [[3, 4, 5], [3, 0, 5], 1]];
  for (const [sa, sb, axis] of cases) {
    await same(`concat [${sa}] + [${sb}] axis ${axis}`, () => {
      const x = tf.tensor(a.subarray(0, sa.reduce((p, q) => p * q, 1)), sa);
      const y = tf.tensor(b.subarray(0, sb.reduce((p, q) => p * q, 1)), sb);
      const c = tf.concat([x, y, x], axis);
      const w = tf.reshape(tf.cast(tf.range(0, c.size), "float32"), c.shape);
      const gs = tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(tf.concat([u, v, u], axis), w)))([x, y]);
      return [c, ...gs, tf.concat([tf.cast(x, "int32"), tf.cast(y, "int32")], axis), tf.concat([tf.greater(x, 0), tf.greater(y, 0)], axis)];
    });
  }
});

test("SplitV and PadV2: equal the cpu kernels (sizes, counts, -1, axes, constants), with split/concat gradients", opts, async () => {
  await setupNative();
  const rng = new SeededRng(52);
  const xv = uniform(rng, 4 * 6 * 10, -2, 2);
  for (const [axis, splits] of [[0, 2], [1, [1, 2, 3]], [2, [3, -1, 2]], [-1, 5], [2, [10, 0]]] as [number, number | number[]][]) {
    await same(`split axis ${axis} ${JSON.stringify(splits)}`, () => {
      const x = tf.tensor(xv, [4, 6, 10]);
      const parts = tf.split(x, splits, axis);
      const g = tf.grad((t: tf.Tensor) => tf.addN(tf.split(t, splits, axis).map((p, i) => tf.mul(tf.sum(tf.square(p)), i + 1))))(x);
      return [...parts, g, ...tf.split(tf.cast(x, "int32"), splits, axis)];
    });
  }
  for (const [pads, c] of [[[[0, 0], [0, 0], [0, 0]], 0], [[[1, 0], [0, 2], [3, 1]], 0], [[[0, 0], [0, 0], [0, 65]], -1.5], [[[2, 2], [0, 0], [0, 0]], 7]] as [[number, number][], number][]) {
    await same(`pad ${JSON.stringify(pads)} with ${c}`, () => {
      const x = tf.tensor(xv, [4, 6, 10]);
      return [tf.pad(x, pads, c), tf.pad(tf.cast(x, "int32"), pads, c), tf.pad(tf.zeros([0, 3]), [[1, 1], [0, 2]], c)];
    });
  }
});
