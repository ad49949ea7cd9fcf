import { test } from "node:test";
import assert from "node:assert/strict";
import { HierarchicalSchedule, referenceWeightMask, WEIGHT_CLIP_PRESETS, clipWeight, empiricalWeights, clipWeightTensor } from "../../src/schedules";
import { initEngine, tf } from "../../src/engine";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test("known-value table of hdlm.md §3.1", () => {
  const rows: [number, number, number, number, number, number, number][] = [
    [1, 0.1, 0.9, 0.09482, 0.00518, 10.546, 20.357],
    [1, 0.25, 0.75, 0.21576, 0.03424, 4.635, 8.402],
    [1, 0.5, 0.5, 0.34657, 0.15343, 2.8854, 4.5178],
    [1, 0.9, 0.1, 0.23026, 0.66974, 4.343, 3.438],
    [1.5, 0.5, 0.35355, 0.43934, 0.20711, 2.4142, 4.2426],
    [2, 0.5, 0.25, 0.5, 0.25, 2.0, 4.0],
    [3, 0.5, 0.125, 0.5625, 0.3125, 1.3333, 3.6],
  ];
  for (const [g, t, a, c, m, wc, wm] of rows) {
    const s = new HierarchicalSchedule({ gamma: g });
    close(s.alpha(t), a, 1e-4, `alpha g=${g} t=${t}`);
    close(s.clusterMass(t), c, 1e-4, `c g=${g} t=${t}`);
    close(s.maskMass(t), m, 1e-4, `m g=${g} t=${t}`);
    // table weights are given to 4-5 significant digits
    close(s.weightCluster(t), wc, 1e-4 * Math.max(1, wc) + 5e-4, `wc g=${g} t=${t}`);
    close(s.weightMask(t), wm, 1e-4 * Math.max(1, wm) + 5e-4, `wm g=${g} t=${t}`);
  }
});

test("masses non-negative, endpoints, gamma = 1 peak (their sum: test/contracts/schedule-contract)", () => {
  for (const g of [0.5, 1, 1.5, 2, 3]) {
    const s = new HierarchicalSchedule({ gamma: g });
    for (let i = 0; i <= 200; i++) {
      const t = i / 200;
      assert.ok(s.clusterMass(t) >= 0 && s.maskMass(t) >= -1e-15, `non-negative g=${g} t=${t}`);
    }
    assert.deepEqual([s.alpha(0), s.clusterMass(0), s.maskMass(0)], [1, 0, 0]);
    assert.deepEqual([s.alpha(1), s.clusterMass(1), s.maskMass(1)], [0, 0, 1]);
  }
  const s1 = new HierarchicalSchedule();
  close(s1.clusterMass(1 - 1 / Math.E), 1 / Math.E, 1e-12, "c peak");
  // smallest w_c over t is e at t = 1 - 1/e
  let minWc = Infinity;
  for (let i = 1; i < 2000; i++) minWc = Math.min(minWc, s1.weightCluster(i / 2000));
  close(minWc, Math.E, 1e-5, "min w_c");
});

test("gamma -> 1 continuity and small-t series", () => {
  const one = new HierarchicalSchedule({ gamma: 1 });
  for (const g of [1 + 1e-7, 1 - 1e-7]) {
    const s = new HierarchicalSchedule({ gamma: g });
    for (const t of [1e-5, 1e-3, 0.1, 0.5, 0.9, 0.999]) {
      close(s.clusterMass(t), one.clusterMass(t), 1e-6, `c g=${g} t=${t}`);
      close(s.maskMass(t), one.maskMass(t), 1e-6, `m g=${g} t=${t}`);
      close(s.maskMassPrime(t), one.maskMassPrime(t), 1e-5, `m' g=${g} t=${t}`);
    }
  }
  // just below/above the series threshold the two branches agree to high relative precision
  for (const g of [1, 1.5, 3]) {
    const s = new HierarchicalSchedule({ gamma: g });
    const below = s.maskMass(0.000999999), above = s.maskMass(0.001000001);
    assert.ok(Math.abs(above - below) / above < 1e-5, `series continuity g=${g}: ${below} ${above}`);
  }
  // gamma = 1, t = 1e-6: m = t^2/2 + t^3/6 + ... exactly
  close(one.maskMass(1e-6) / (0.5e-12 + 1e-18 / 6), 1, 1e-12, "series value");
});

test("gamma = 3 reference bug (derivatives against finite differences: test/contracts/schedule-contract)", () => {
  const s3 = new HierarchicalSchedule({ gamma: 3 });
  close(s3.maskMassPrime(0.5), 1.125, 1e-12, "m' gamma=3");
  close(s3.weightMask(0.5), 3.6, 1e-12, "w_m gamma=3");
  close(referenceWeightMask(3, 0.5), 7.2, 1e-12, "reference w_m gamma=3");
  close(referenceWeightMask(1.5, 0.5), 2.1213203, 1e-6, "reference w_m gamma=1.5");
  close(referenceWeightMask(2, 0.5), 4, 1e-12, "reference w_m gamma=2 agrees");
  close(referenceWeightMask(1, 0.5), new HierarchicalSchedule().weightMask(0.5), 1e-12, "reference w_m gamma=1 agrees");
});

test("clipping pins: gamma = 1, max 2 gives both weights 2 on [1e-3, 1 - 1e-4]; empirical weights", () => {
  const s = new HierarchicalSchedule();
  for (let i = 0; i <= 1000; i++) {
    const t = 1e-3 + (i / 1000) * (1 - 1e-4 - 1e-3);
    assert.equal(clipWeight(s.weightCluster(t), WEIGHT_CLIP_PRESETS.reference), 2, `w_c t=${t}`);
    assert.equal(clipWeight(s.weightMask(t), WEIGHT_CLIP_PRESETS.reference), 2, `w_m t=${t}`);
  }
  assert.equal(clipWeight(0.05, WEIGHT_CLIP_PRESETS.referenceGamma2), 0.1);
  assert.deepEqual(empiricalWeights(0.5), { weightCluster: 2, weightMask: 2.75 });
  assert.throws(() => clipWeight(1, { minLossWeight: 3, maxLossWeight: 2 }), /maxLossWeight/);
});

test("bad input throws naming the argument", () => {
  assert.throws(() => new HierarchicalSchedule({ gamma: -1 }), /gamma must be a finite number > 0, got -1/);
  assert.throws(() => new HierarchicalSchedule({ gamma: 0 }), /gamma/);
  const s = new HierarchicalSchedule();
  assert.throws(() => s.alpha(1.5), /t must be a number in \[0, 1\], got 1.5/);
  assert.throws(() => s.weightMask(-0.1), /\bt\b/);
  assert.throws(() => referenceWeightMask(0, 0.5), /gamma/);
});

test("clipped weight tensor; a tensor time outside [0, 1] is named (tensor forms: test/contracts/schedule-contract)", async () => {
  await initEngine();
  const s = new HierarchicalSchedule({ gamma: 1.5 });
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const w = s.weightClusterTensor(tf.tensor1d([1e-4, 0.1, 0.5, 0.9, 1 - 1e-4]));
    assert.deepEqual(Array.from(clipWeightTensor(w, WEIGHT_CLIP_PRESETS.reference).dataSync()), [2, 2, 2, 2, 2]);
    assert.throws(() => s.alphaTensor(tf.tensor1d([0.5, 1.2])), /t must lie in \[0, 1\], got 1.2/);
  });
  assert.equal(tf.memory().numTensors, before);
});
