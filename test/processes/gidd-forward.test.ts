// Tests of GIDD's forward sampler: empirical frequencies of z_t match q_t(. | x) of giddMarginal (Monte Carlo,
// fixed seed), p_u = 0 is pure masking, and bad inputs are named.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { GiddSchedule, giddMarginal } from "../../src/schedules/gidd";
import { sampleGiddForward } from "../../src/processes";

before(async () => {
  await initEngine();
});

test("sampleGiddForward: frequencies match q_t(.|x) = alpha x + mask mass + uniform/(V) (MC, 4 sigma)", () => {
  const V = 5; // real tokens; MASK = 5; GIDD's V counts 6 states
  const schedule = new GiddSchedule({ pu: 0.4 });
  const B = 4, L = 5000, x = 2;
  const ts = [0.2, 0.5, 0.7, 0.95];
  const z = tf.tidy(() => sampleGiddForward(schedule, V, tf.fill([B, L], x, "int32") as tf.Tensor2D, tf.tensor1d(ts), 11));
  const data = z.dataSync();
  z.dispose();
  for (let b = 0; b < B; b++) {
    const q = giddMarginal(schedule, ts[b], x, V + 1); // MASK = index V
    const counts = new Float64Array(V + 1);
    for (let l = 0; l < L; l++) counts[data[b * L + l]]++;
    for (let v = 0; v <= V; v++) {
      const sd = Math.sqrt((q[v] * (1 - q[v])) / L);
      assert.ok(Math.abs(counts[v] / L - q[v]) <= 4 * sd + 1e-12, `t=${ts[b]} v=${v}: ${counts[v] / L} vs ${q[v]}`);
    }
  }
});

test("sampleGiddForward: p_u = 0 only masks; same seed, same draws; bad inputs are named", () => {
  const schedule = new GiddSchedule({ pu: 0 });
  const x = tf.tensor2d([[0, 1, 2, 3], [3, 2, 1, 0]], [2, 4], "int32");
  const a = sampleGiddForward(schedule, 4, x, 0.6, 3);
  const b = sampleGiddForward(schedule, 4, x, 0.6, 3);
  const xs = x.dataSync();
  a.dataSync().forEach((id, i) => assert.ok(id === xs[i] || id === 4, `position ${i}: ${id}`));
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  assert.throws(() => sampleGiddForward(schedule, 3, x, 0.5, 0), /x holds 3 at flat index 3; clean tokens must lie in \[0, 3\)/);
  assert.throws(() => sampleGiddForward(schedule, 4, x, tf.tensor1d([0.5]), 0), /t must have shape \[2\]/);
  tf.dispose([x, a, b]);
});
