// Training parity of the native pack: 3 Adam steps of a tiny reference transformer (bench/reference-model.ts)
// give the same losses and parameters on the pure-JS cpu backend and on native; tensor counts stay flat.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { ReferenceModel, TINY_CONFIG, syntheticBatch, parameterCount, parameterShapes } from "../../bench/reference-model";
import { relErr, setupNative, skipNative } from "./native-helpers";

const opts = { skip: skipNative };

async function train(backend: "cpu" | "native", fused: boolean): Promise<{ losses: number[]; params: number[]; counts: number[] }> {
  await tf.setBackend(backend);
  const model = new ReferenceModel(TINY_CONFIG, 7, 1e-3, fused);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let s = 0; s < 3; s++) {
    losses.push(model.step(syntheticBatch(TINY_CONFIG, 100 + s)));
    counts.push(tf.memory().numTensors);
  }
  const params = Object.values(model.params).flatMap((v) => Array.from(v.dataSync()));
  model.dispose();
  await tf.setBackend("native");
  return { losses, params, counts };
}

test("tiny reference model: parameter count formula matches the created variables", () => {
  const total = parameterShapes(TINY_CONFIG).reduce((acc, [, s]) => acc + s.reduce((a, b) => a * b, 1), 0);
  assert.equal(parameterCount(TINY_CONFIG), total);
  // engine.md §4: the reference config has 7,394,816 parameters.
  assert.equal(parameterCount({ batch: 16, seq: 128, width: 256, heads: 4, layers: 4, vocab: 8192 }), 7394816);
});

for (const fused of [false, true]) {
  test(`3 training steps give the same losses and parameters on cpu (tfjs ops) and native (${fused ? "fused ops + FusedAdam" : "tfjs ops + tf.train.adam"})`, opts, async () => {
    await setupNative();
    const before = tf.memory().numTensors;
    const cpu = await train("cpu", false);
    const nat = await train("native", fused);
    for (let s = 0; s < 3; s++) {
      const err = Math.abs(nat.losses[s] - cpu.losses[s]) / Math.abs(cpu.losses[s]);
      assert.ok(err <= 1e-4, `step ${s}: loss ${nat.losses[s]} on native vs ${cpu.losses[s]} on cpu (rel err ${err})`);
    }
    assert.ok(cpu.losses[2] < cpu.losses[0], `loss did not decrease: ${cpu.losses}`);
    const perr = relErr(nat.params, cpu.params);
    assert.ok(perr <= 1e-4, `parameters after 3 steps: rel err ${perr}`);
    // Tensor counts are flat across steps and everything is freed at the end.
    assert.equal(new Set(nat.counts).size, 1, `native tensor counts ${nat.counts}`);
    assert.equal(new Set(cpu.counts).size, 1, `cpu tensor counts ${cpu.counts}`);
    assert.equal(tf.memory().numTensors, before);
  });
}

test("100 native training steps: tensor count flat and RSS growth under 96 MiB after warm-up", opts, async () => {
  await setupNative();
  await tf.setBackend("native");
  const model = new ReferenceModel(TINY_CONFIG, 9, 1e-3, true);
  const batch = syntheticBatch(TINY_CONFIG, 5);
  for (let s = 0; s < 10; s++) model.step(batch);
  const tensors = tf.memory().numTensors;
  const rss0 = process.memoryUsage().rss;
  for (let s = 0; s < 100; s++) model.step(batch);
  const growth = (process.memoryUsage().rss - rss0) / 2 ** 20;
  assert.equal(tf.memory().numTensors, tensors);
  // Output arrays are ordinary JS typed arrays freed by V8's GC; the tolerance covers GC timing, not a leak per step.
  assert.ok(growth < 96, `RSS grew by ${growth.toFixed(1)} MiB over 100 steps`);
  model.dispose();
});
