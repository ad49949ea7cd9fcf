// The native backend's buffer pool: large output buffers are reused after their tensors are disposed, but never
// while a view of them (a slice) is alive, and arrays returned by dataSync() are copies that never change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { poolStats } from "../../src/engine/native/buffer-pool";
import { setupNative, skipNative } from "./native-helpers";

const opts = { skip: skipNative || (process.env.HDLM_NATIVE_POOL === "0" ? "buffer pool disabled (HDLM_NATIVE_POOL=0)" : false) };

test("pooled buffers are reused, and never while a slice of them or a dataSync array is in use", opts, async () => {
  await setupNative();
  await tf.setBackend("native");
  const shape = [1024, 512]; // 2 MiB: pooled
  const a = tf.tidy(() => tf.add(tf.ones(shape), 1)); // all 2
  const view = tf.slice(a, [0, 0], [256, 512]); // contiguous: the JS Slice kernel returns a view of a's buffer
  const snapshot = a.dataSync();
  a.dispose();
  const before = poolStats().hits;
  for (let i = 0; i < 6; i++) tf.tidy(() => tf.add(tf.ones(shape), 5 + i).dataSync());
  assert.ok(Array.from(view.dataSync()).every((x) => x === 2), "a live slice was overwritten by a reused buffer");
  assert.ok(Array.from(snapshot).every((x) => x === 2), "a dataSync() array changed after its tensor was disposed");
  const viewHits = poolStats().hits - before;
  view.dispose();
  // Once the slice is gone, a's buffer is free again: outputs of the same size now reuse buffers.
  const h0 = poolStats().hits;
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(tf.ones(shape), 3).dataSync());
  assert.ok(poolStats().hits - h0 >= 4, `expected reuse, hits ${h0} -> ${poolStats().hits}`);
  assert.ok(viewHits >= 1, "expected reuse among the temporaries themselves");
  // A dataSync() array of a tensor without views stays intact while its buffer is reused.
  const b = tf.tidy(() => tf.add(tf.ones(shape), 7));
  const snapB = b.dataSync();
  b.dispose();
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(tf.ones(shape), -1).dataSync());
  assert.ok(Array.from(snapB).every((x) => x === 8), "a dataSync() array was overwritten after its tensor was disposed");
  // A reused buffer holds the new values only.
  const c = tf.tidy(() => tf.sub(tf.ones(shape), 1));
  assert.ok(Array.from(c.dataSync()).every((x) => x === 0));
  c.dispose();
});
