// Tests of the GIDD sampler: one step's draws follow giddPosterior (Monte Carlo), p_u = 0 with a confident model
// gives the model's token everywhere (the common properties: test/contracts/sampler-contract.test.ts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { GiddSchedule } from "../../src/schedules/gidd";
import { GiddSampler, giddPosterior } from "../../src/samplers";
import type { Denoiser } from "../../src/samplers";

before(async () => {
  await initEngine();
});

const V = 4;
/** A toy denoiser: the same logits row at every position, ignoring z and t; W = V + 1 columns. */
function table(row: number[]): Denoiser {
  return (tokens) => tf.tidy(() => tf.tile(tf.reshape(tf.tensor1d(row), [1, 1, row.length]), [tokens.shape[0], tokens.shape[1], 1]) as tf.Tensor3D);
}
const logits = [1.0, 0.2, -0.5, 0.4, 0];

test("GiddSampler.step: draws from MASK and from a token follow giddPosterior (MC, 4 sigma)", () => {
  const schedule = new GiddSchedule({ pu: 0.3 });
  const sampler = new GiddSampler({ schedule, vocabSize: V, steps: 4 });
  const L = 6000, t = 0.6, s = 0.45;
  for (const start of [V, 1]) {
    const out = sampler.step(table(logits), { batch: 1, length: L, data: new Int32Array(L).fill(start) }, t, s, 9);
    const expected = tf.tidy(() => {
      const xHat = tf.pad(tf.reshape(tf.softmax(tf.tensor1d(logits.slice(0, V))), [1, 1, V]), [[0, 0], [0, 0], [0, 1]]) as tf.Tensor3D;
      return Array.from(giddPosterior(schedule, xHat, tf.tensor2d([[start]], [1, 1], "int32"), t, s, { maskId: V }).dataSync());
    });
    const counts = new Float64Array(V + 1);
    for (const id of out.data) counts[id]++;
    for (let v = 0; v <= V; v++) {
      const sd = Math.sqrt((expected[v] * (1 - expected[v])) / L);
      assert.ok(Math.abs(counts[v] / L - expected[v]) <= 4 * sd + 1e-9, `from ${start}, to ${v}: ${counts[v] / L} vs ${expected[v]}`);
    }
  }
});

test("GiddSampler: p_u = 0 and a confident model give its token everywhere (determinism, prompts, real ids, tensor counts: test/contracts/sampler-contract)", () => {
  const confident = table([-20, -20, 8, -20, 0]);
  const pure = new GiddSampler({ schedule: new GiddSchedule({ pu: 0 }), vocabSize: V, steps: 8 });
  const r = pure.sample(confident, { batch: 2, length: 5, seed: 1 });
  assert.deepEqual(Array.from(r.tokens.data), new Array(10).fill(2));
  assert.equal(r.modelCalls, 9);
  assert.throws(() => new GiddSampler({ schedule: new GiddSchedule({ pu: 0.1 }), vocabSize: 0 }), /vocabSize must be a positive integer, got 0/);
});
