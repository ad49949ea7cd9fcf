// The scatter-add UnsortedSegmentSum (gradient of tf.gather) against the cpu backend's own kernel,
// and the embedding-lookup gradient on wasm against cpu.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, initEngine, unsortedSegmentSumData } from "../../src/engine";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

test("unsortedSegmentSumData matches a direct loop, dropping out-of-range and negative ids", () => {
  const rnd = lcg(1);
  const n = 50, inner = 3, segs = 7;
  const x = Float32Array.from({ length: n * inner }, () => rnd() - 0.5);
  const ids = Int32Array.from({ length: n }, () => Math.floor(rnd() * (segs + 4)) - 2);
  const out = unsortedSegmentSumData(x, [n, inner], ids, segs);
  const want = new Float64Array(segs * inner);
  for (let i = 0; i < n; i++) if (ids[i] >= 0 && ids[i] < segs) for (let j = 0; j < inner; j++) want[ids[i] * inner + j] += x[i * inner + j];
  for (let k = 0; k < want.length; k++) assert.ok(Math.abs(out[k] - want[k]) < 1e-6);
});

test("the registered kernel equals cpu's tf.unsortedSegmentSum on repeated ids", async () => {
  await initEngine({ backend: "cpu" });
  const rnd = lcg(2);
  const xs = Array.from({ length: 40 * 5 }, () => rnd());
  const ids = Array.from({ length: 40 }, () => Math.floor(rnd() * 6));
  const x = tf.tensor2d(xs, [40, 5]);
  const seg = tf.tensor1d(ids, "int32");
  const got = await tf.unsortedSegmentSum(x, seg, 6).data();
  const want = new Float64Array(30);
  ids.forEach((s, i) => { for (let j = 0; j < 5; j++) want[s * 5 + j] += xs[i * 5 + j]; });
  for (let k = 0; k < 30; k++) assert.ok(Math.abs(got[k] - want[k]) < 1e-5);
  tf.dispose([x, seg]);
});

test("embedding-lookup gradient is equal on wasm and cpu", async () => {
  const rnd = lcg(3);
  const table = Array.from({ length: 9 * 4 }, () => rnd() - 0.5);
  const ids = [0, 3, 3, 8, 1, 3, 0];
  const upstream = Array.from({ length: ids.length * 4 }, () => rnd());
  const gradOn = async (backend: "wasm" | "cpu") => {
    await initEngine({ backend });
    return tf.tidy(() => {
      const e = tf.tensor2d(table, [9, 4]);
      const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.gather(w, tf.tensor1d(ids, "int32")), tf.tensor2d(upstream, [ids.length, 4]))));
      return g(e).dataSync().slice();
    });
  };
  const a = await gradOn("wasm");
  const b = await gradOn("cpu");
  assert.equal(a.length, b.length);
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - b[k]) < 1e-5, `index ${k}: ${a[k]} vs ${b[k]}`);
});
