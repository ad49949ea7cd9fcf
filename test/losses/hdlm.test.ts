import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { HierarchicalSchedule, LogLinearSchedule, WEIGHT_CLIP_PRESETS, empiricalWeights } from "../../src/schedules";
import { hdlmLoss, mdlmLoss } from "../../src/losses";
import { hdlmTokenElbo, ToyElboProblem } from "../../src/checks";
import { makeClusterLayout, sampleHdlmForward, sampleMdlmForward } from "../../src/processes";
import { SeededRng } from "../../src/util/rng";
import { toy2, toy3, randomLogits } from "./helpers";

const V = 6;

function softmax(l: ArrayLike<number>): Float64Array {
  const m = Math.max(...Array.from(l));
  const e = Array.from(l, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return Float64Array.from(e.map((v) => v / s));
}

/** All (x, z) pairs of the toy layout in one [1, L] batch, with logits per position. */
function enumerate(layout: typeof toy2, xi: number, seed: number, width = V) {
  const xs: number[] = [], zs: number[] = [];
  for (let x = 0; x < V; x++) {
    xs.push(x), zs.push(x);
    xs.push(x), zs.push(V);
    for (let k = 0; k < layout.numClusters; k++) {
      if (xi === 1 && layout.clusterOf[x] !== k) continue;
      xs.push(x), zs.push(V + 1 + k);
    }
  }
  const L = xs.length;
  const logits = randomLogits(L * width, seed, 2);
  return { xs, zs, L, logits };
}

test("per-token ELBO equals the float64 closed form (xi = 1 and 0.8, n = 2 and 3); training loss = clipped weights", async () => {
  await initEngine();
  for (const [layout, xi, gamma] of [[toy2, 1, 1], [toy3, 1, 3], [toy3, 0.8, 1.5], [toy2, 0.8, 1]] as const) {
    const schedule = new HierarchicalSchedule({ gamma });
    const width = V + 1 + layout.numClusters;
    const { xs, zs, L, logits } = enumerate(layout, xi, 5, width);
    const t = 0.37;
    const out = hdlmLoss(tf.tensor3d(logits, [1, L, width]), tf.tensor2d(xs, [1, L], "int32"), tf.tensor2d(zs, [1, L], "int32"), tf.tensor1d([t]), { schedule, clusters: layout, xi });
    const elbo = out.elboPerToken.dataSync();
    const train = out.trainPerToken.dataSync();
    const tf32 = Math.fround(t);
    let sum = 0;
    for (let i = 0; i < L; i++) {
      const xhat = softmax(logits.subarray(i * width, i * width + V));
      const p: ToyElboProblem = { schedule, clusters: layout, xi, x: xs[i], xhat };
      const want = hdlmTokenElbo(p, zs[i], tf32);
      sum += want;
      assert.ok(Math.abs(elbo[i] - want) < 1e-4 * Math.max(1, want), `gamma=${gamma} xi=${xi} pos ${i} (x=${xs[i]}, z=${zs[i]}): ${elbo[i]} vs ${want}`);
      // training: same log terms with weights clipped to [0, 2] (MASK term without the entropy constant)
      const wc = schedule.weightCluster(tf32), wm = schedule.weightMask(tf32);
      if (zs[i] > V) assert.ok(Math.abs(train[i] - (Math.min(wc, 2) / wc) * want) < 1e-4 * Math.max(1, want), `train cluster pos ${i}`);
      if (zs[i] === V && xi === 1) assert.ok(Math.abs(train[i] - (Math.min(wm, 2) / wm) * want) < 1e-4 * Math.max(1, want), `train mask pos ${i}`);
      if (zs[i] < V) assert.equal(elbo[i], 0);
    }
    assert.ok(Math.abs(out.elbo.dataSync()[0] - sum / L) < 1e-4 * Math.max(1, sum / L));
    assert.equal(out.tokenCount, L);
  }
});

test("L_m and L_c with xi = 1 are the cluster CE and the within-cluster CE computed directly", async () => {
  await initEngine();
  const s = new HierarchicalSchedule();
  const l = [0.3, -1.2, 2.0, 0.1, 0.5, -0.7];
  const logits = tf.tensor3d([...l, ...l], [1, 2, V]);
  const x = tf.tensor2d([[4, 4]], [1, 2], "int32");
  const z = tf.tensor2d([[V, V + 1 + 1]], [1, 2], "int32");
  const t = 0.5;
  const out = hdlmLoss(logits, x, z, tf.tensor1d([t]), { schedule: s, clusters: toy2, clip: { minLossWeight: 0, maxLossWeight: Infinity } });
  const lse = (vs: number[]) => Math.log(vs.reduce((a, v) => a + Math.exp(v), 0));
  const Lm = lse(l) - lse(l.slice(3));
  const Lc = lse(l.slice(3)) - l[4];
  const e = out.elboPerToken.dataSync();
  assert.ok(Math.abs(e[0] - s.weightMask(t) * Lm) < 1e-4);
  assert.ok(Math.abs(e[1] - s.weightCluster(t) * Lc) < 1e-4);
  // unclipped training equals the ELBO
  assert.deepEqual(Array.from(out.trainPerToken.dataSync()), Array.from(e));
});

test("xi < 1 loss tends to the xi = 1 loss; reference perturb loss follows its formula", async () => {
  await initEngine();
  const schedule = new HierarchicalSchedule();
  const { xs, zs, L, logits } = enumerate(toy3, 1, 8);
  const args = [tf.tensor3d(logits, [1, L, V]), tf.tensor2d(xs, [1, L], "int32"), tf.tensor2d(zs, [1, L], "int32"), tf.tensor1d([0.6])] as const;
  const a = hdlmLoss(...args, { schedule, clusters: toy3, xi: 1 }).elboPerToken.dataSync();
  const b = hdlmLoss(...args, { schedule, clusters: toy3, xi: 1 - 1e-6 }).elboPerToken.dataSync();
  for (let i = 0; i < L; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-3, `pos ${i}: ${a[i]} vs ${b[i]}`);

  const xi = 0.9, n = 3;
  const enumd = enumerate(toy3, xi, 9);
  const ref = hdlmLoss(tf.tensor3d(enumd.logits, [1, enumd.L, V]), tf.tensor2d(enumd.xs, [1, enumd.L], "int32"), tf.tensor2d(enumd.zs, [1, enumd.L], "int32"), tf.tensor1d([0.6]), {
    schedule, clusters: toy3, xi, perturbLoss: "reference",
  }).elboPerToken.dataSync();
  const t = Math.fround(0.6);
  for (let i = 0; i < enumd.L; i++) {
    const xhat = softmax(enumd.logits.subarray(i * V, (i + 1) * V));
    const own = toy3.clusterOf[enumd.xs[i]];
    let P = 0;
    for (let v = 0; v < V; v++) if (toy3.clusterOf[v] === own) P += xhat[v];
    const Pt = P + ((1 - xi) * (1 - P)) / (xi * (n - 1));
    const ce = -Math.log(xhat[enumd.xs[i]]);
    const z = enumd.zs[i];
    let want = 0;
    if (z === V) want = schedule.weightMask(t) * xi * -Math.log(Pt);
    else if (z === V + 1 + own) want = schedule.weightCluster(t) * (ce + Math.log(Pt));
    else if (z > V) want = schedule.weightCluster(t) * ce;
    assert.ok(Math.abs(ref[i] - want) < 1e-4 * Math.max(1, Math.abs(want)), `reference pos ${i}: ${ref[i]} vs ${want}`);
  }
});

test("clipping pin, hard mode, empirical weighting, padding", async () => {
  await initEngine();
  const schedule = new HierarchicalSchedule();
  const { xs, zs, L, logits } = enumerate(toy2, 1, 12);
  const lt = tf.tensor3d(logits, [1, L, V]), x = tf.tensor2d(xs, [1, L], "int32"), z = tf.tensor2d(zs, [1, L], "int32");
  for (const t of [1e-3, 0.3, 0.9, 1 - 1e-4]) {
    const tt = tf.tensor1d([t]);
    const base = hdlmLoss(lt, x, z, tt, { schedule, clusters: toy2, clip: WEIGHT_CLIP_PRESETS.reference });
    const unw = hdlmLoss(lt, x, z, tt, { schedule, clusters: toy2, clip: { minLossWeight: 1, maxLossWeight: 1 } });
    const tr = base.trainPerToken.dataSync(), u = unw.trainPerToken.dataSync();
    for (let i = 0; i < L; i++) assert.ok(Math.abs(tr[i] - 2 * u[i]) < 1e-5 * Math.max(1, u[i]), `t=${t} pos ${i}: both weights are 2`);
    const hard = hdlmLoss(lt, x, z, tt, { schedule, clusters: toy2, hardTraining: true });
    const h = hard.trainPerToken.dataSync();
    for (let i = 0; i < L; i++) {
      if (zs[i] !== V) continue;
      const xhat = softmax(logits.subarray(i * V, (i + 1) * V));
      assert.ok(Math.abs(h[i] - 2 * -Math.log(xhat[xs[i]])) < 1e-4, `hard mode pos ${i}`);
    }
    assert.deepEqual(Array.from(hard.elboPerToken.dataSync()), Array.from(base.elboPerToken.dataSync()));
    const emp = hdlmLoss(lt, x, z, tt, { schedule, clusters: toy2, weighting: "empirical" });
    const ew = empiricalWeights(Math.fround(t));
    const e = emp.trainPerToken.dataSync();
    for (let i = 0; i < L; i++) {
      const w = zs[i] === V ? ew.weightMask : zs[i] > V ? ew.weightCluster : 0;
      assert.ok(Math.abs(e[i] - w * u[i]) < 1e-4 * Math.max(1, e[i]), `empirical pos ${i}`);
    }
  }
  // padding: padded positions cost 0 and leave the mean unchanged
  const pad = tf.tensor2d([Array.from({ length: L }, (_, i) => (i < 4 ? 1 : 0))], [1, L]);
  const withPad = hdlmLoss(lt, x, z, tf.tensor1d([0.5]), { schedule, clusters: toy2, padMask: pad });
  const first = hdlmLoss(tf.slice(lt, [0, 0, 0], [1, 4, V]) as tf.Tensor3D, tf.slice(x, [0, 0], [1, 4]) as tf.Tensor2D, tf.slice(z, [0, 0], [1, 4]) as tf.Tensor2D, tf.tensor1d([0.5]), { schedule, clusters: toy2 });
  assert.ok(Math.abs(withPad.elbo.dataSync()[0] - first.elbo.dataSync()[0]) < 1e-6);
  assert.equal(withPad.tokenCount, 4);
});

test("bad input throws naming the argument", async () => {
  await initEngine();
  const schedule = new HierarchicalSchedule();
  const x = tf.tensor2d([[1, 2]], [1, 2], "int32"), z = tf.tensor2d([[6, 1 + 0]], [1, 2], "int32");
  const z2 = tf.tensor2d([[6, 2]], [1, 2], "int32");
  const t = tf.tensor1d([0.5]);
  const opts = { schedule, clusters: toy2 };
  assert.throws(() => hdlmLoss(tf.zeros([1, 2, 7]) as tf.Tensor3D, x, z2, t, opts), /logits width must be vocabSize = 6 or >= vocabSize \+ 1 \+ numClusters = 9, got 7/);
  assert.throws(() => hdlmLoss(tf.zeros([1, 2, 6]) as tf.Tensor3D, x, z, t, opts), /z holds token 1 at flat index 1 but x there is 2/);
  assert.throws(() => hdlmLoss(tf.zeros([1, 2, 6]) as tf.Tensor3D, x, z2, tf.tensor1d([1.5]), opts), /t\[0\] must lie in \[0, 1\], got 1.5/);
  assert.throws(() => hdlmLoss(tf.zeros([1, 2, 6]) as tf.Tensor3D, x, z2, t, { ...opts, xi: 1.5 }), /xi must be a number in \(0, 1\]/);
  assert.throws(() => hdlmLoss(tf.zeros([1, 2, 6]) as tf.Tensor3D, tf.tensor2d([[9, 2]], [1, 2], "int32"), z2, t, opts), /x holds 9/);
  assert.throws(() => hdlmLoss(tf.zeros([1, 2, 6]) as tf.Tensor3D, x, tf.tensor2d([[6 + 1 + 1, 2]], [1, 2], "int32"), t, opts), /z holds cluster 1 .* with xi = 1/);
  assert.throws(() => hdlmLoss(tf.zeros([1, 2, 6]) as tf.Tensor3D, x, z2, t, { ...opts, clip: { minLossWeight: 2, maxLossWeight: 1 } }), /maxLossWeight/);
  assert.throws(() => mdlmLoss(tf.zeros([1, 2, 5]) as tf.Tensor3D, x, z2, t, { schedule: new LogLinearSchedule(), vocabSize: 6 }), /logits width must be >= vocabSize = 6, got 5/);
});

test("n = 1 HDLM (gamma = 1) matches MDLM within 3 standard errors over 2000 draws; L_m is exactly 0", async () => {
  await initEngine();
  const one = makeClusterLayout([0, 0, 0, 0, 0, 0]);
  const hd = new HierarchicalSchedule();
  const md = new LogLinearSchedule({ eps: 0 });
  const B = 2000, Lq = 4;
  const rng = new SeededRng(21);
  const logits = tf.tensor3d(randomLogits(B * Lq * (V + 2), 4, 1.5), [B, Lq, V + 2]);
  const x = tf.tensor2d(Int32Array.from({ length: B * Lq }, () => rng.int(V)), [B, Lq], "int32");
  const t = tf.tensor1d(Float32Array.from({ length: B }, () => 0.001 + 0.998 * rng.uniform()));
  const zh = sampleHdlmForward(hd, one, x, t, rng);
  const zm = sampleMdlmForward(md, V, x, t, rng);
  const h = hdlmLoss(logits, x, zh, t, { schedule: hd, clusters: one });
  const m = mdlmLoss(tf.slice(logits, [0, 0, 0], [B, Lq, V + 1]) as tf.Tensor3D, x, zm, t, { schedule: md, vocabSize: V });
  const per = (r: typeof h) => {
    const e = r.elboPerToken.dataSync();
    return Array.from({ length: B }, (_, b) => (e[b * Lq] + e[b * Lq + 1] + e[b * Lq + 2] + e[b * Lq + 3]) / Lq);
  };
  const stats = (a: number[]) => {
    const mu = a.reduce((s, v) => s + v, 0) / a.length;
    const v = a.reduce((s, u) => s + (u - mu) ** 2, 0) / (a.length - 1);
    return { mu, se: Math.sqrt(v / a.length) };
  };
  const sh = stats(per(h)), sm = stats(per(m));
  assert.ok(Math.abs(sh.mu - sm.mu) < 3 * Math.hypot(sh.se, sm.se), `HDLM n=1 ${sh.mu} ± ${sh.se} vs MDLM ${sm.mu} ± ${sm.se}`);
  // MASK positions carry exactly zero loss
  const zv = zh.dataSync(), e = h.elboPerToken.dataSync();
  let masks = 0;
  for (let i = 0; i < zv.length; i++) if (zv[i] === V) {
    masks++;
    assert.equal(e[i], 0);
  }
  assert.ok(masks > 1000);
});

test("MDLM loss: CE/t at masked positions, 0 elsewhere", async () => {
  await initEngine();
  const s = new LogLinearSchedule();
  const l = [0.3, -1.2, 2.0, 0.1, 0.5, -0.7, 9];
  const logits = tf.tensor3d([...l, ...l], [1, 2, 7]);
  const out = mdlmLoss(logits, tf.tensor2d([[2, 3]], [1, 2], "int32"), tf.tensor2d([[6, 3]], [1, 2], "int32"), tf.tensor1d([0.25]), { schedule: s, vocabSize: 6 });
  const ce = Math.log(l.slice(0, 6).reduce((a, v) => a + Math.exp(v), 0)) - 2.0;
  const e = out.elboPerToken.dataSync();
  assert.ok(Math.abs(e[0] - ce / 0.25) < 1e-4, `${e[0]} vs ${ce / 0.25}`);
  assert.equal(e[1], 0);
  assert.ok(Math.abs(out.elbo.dataSync()[0] - ce / 0.5) < 1e-4);
});

test("gradients are finite and tensor counts stay flat over 3 loss steps", async () => {
  await initEngine();
  const schedule = new HierarchicalSchedule();
  const B = 2, L = 8;
  const logitsV = tf.variable(tf.tensor3d(randomLogits(B * L * V, 2), [B, L, V]));
  const x = tf.tensor2d(Int32Array.from({ length: B * L }, (_, i) => i % V), [B, L], "int32");
  const run = (xi: number, seed: number) => {
    const t = tf.tensor1d([0.3, 0.8]);
    const z = sampleHdlmForward(schedule, toy3, x, t, seed, { xi });
    const { value, grads } = tf.variableGrads(() => {
      const r = hdlmLoss(logitsV as unknown as tf.Tensor3D, x, z, t, { schedule, clusters: toy3, xi });
      tf.dispose([r.trainPerToken, r.elboPerToken, r.elbo]);
      return r.trainLoss;
    });
    const g = grads[logitsV.name].dataSync();
    assert.ok(g.every((v) => Number.isFinite(v)) && g.some((v) => v !== 0));
    tf.dispose([value, t, z, ...Object.values(grads)]);
  };
  run(1, 0);
  const before = tf.memory().numTensors;
  for (let i = 1; i <= 3; i++) run(i === 2 ? 0.8 : 1, i);
  assert.equal(tf.memory().numTensors, before);
});

test("xi = 1: the fused default path equals the gather segment path (values and gradients, full-width logits)", async () => {
  await initEngine();
  const schedule = new HierarchicalSchedule({ gamma: 1.5 });
  const B = 3, L = 10, n = toy3.numClusters, W = V + 1 + n;
  const logitsV = tf.variable(tf.tensor3d(randomLogits(B * L * W, 9, 2), [B, L, W]));
  const x = tf.tensor2d(Int32Array.from({ length: B * L }, (_, i) => (i * 5) % V), [B, L], "int32");
  const t = tf.tensor1d([0.2, 0.6, 0.95]);
  const z = sampleHdlmForward(schedule, toy3, x, t, 4, { xi: 1 });
  const padMask = tf.tensor2d(Float32Array.from({ length: B * L }, (_, i) => (i % 7 === 6 ? 0 : 1)), [B, L]);
  for (const hardTraining of [false, true]) {
    const run = (segmentMethod?: "gather") => {
      let elbo: number[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const r = hdlmLoss(logitsV as unknown as tf.Tensor3D, x, z, t, { schedule, clusters: toy3, padMask, hardTraining, segmentMethod });
        elbo = Array.from(r.elboPerToken.dataSync());
        tf.dispose([r.trainPerToken, r.elboPerToken, r.elbo]);
        return r.trainLoss;
      });
      const out = { loss: value.dataSync()[0], elbo, grad: Array.from(grads[logitsV.name].dataSync()) };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const fused = run();
    const gather = run("gather");
    assert.ok(Math.abs(fused.loss - gather.loss) < 1e-5 * Math.max(1, Math.abs(gather.loss)), `hard ${hardTraining}: loss ${fused.loss} vs ${gather.loss}`);
    fused.elbo.forEach((e, i) => assert.ok(Math.abs(e - gather.elbo[i]) < 1e-4 * Math.max(1, Math.abs(e)), `elbo ${i}: ${e} vs ${gather.elbo[i]}`));
    fused.grad.forEach((g, i) => assert.ok(Math.abs(g - gather.grad[i]) < 1e-6, `grad ${i}: ${g} vs ${gather.grad[i]}`));
    assert.ok(fused.grad.some((g) => g !== 0));
  }
  tf.dispose([logitsV, x, t, z, padMask]);
});

test("t = 1 with gamma <= 1 (infinite ELBO weights): positions outside a term contribute exactly 0, training loss finite", async () => {
  await initEngine();
  for (const gamma of [0.5, 1]) {
    const schedule = new HierarchicalSchedule({ gamma });
    assert.equal(schedule.weightMask(1), Infinity);
    const n = toy2.numClusters, W = V + 1 + n;
    const L = 5;
    const logits = tf.tensor3d(randomLogits(2 * L * W, 3), [2, L, W]);
    // row 0 at t = 1: MASK, clean, cluster, padding, MASK; row 1 at t = 0.5: clean, MASK, cluster, clean, padding
    const x = tf.tensor2d([[0, 1, 4, 2, 5], [3, 4, 0, 5, 1]], [2, L], "int32");
    const z = tf.tensor2d([[V, 1, V + 1 + 1, 2, V], [3, V, V + 1, 5, 1]], [2, L], "int32");
    const padMask = tf.tensor2d([[1, 1, 1, 0, 1], [1, 1, 1, 1, 0]], [2, L]);
    for (const weighting of ["elbo", "empirical"] as const) {
      const out = hdlmLoss(logits, x, z, tf.tensor1d([1, 0.5]), { schedule, clusters: toy2, padMask, weighting });
      const e = out.elboPerToken.dataSync();
      const tr = out.trainPerToken.dataSync();
      for (const i of [1, 3, 5, 8, 9]) assert.equal(e[i], 0, `gamma ${gamma} ${weighting}: elbo at clean/padding position ${i} is ${e[i]}`);
      assert.equal(e[2], gamma < 1 ? Infinity : e[2], `gamma ${gamma}: a cluster position at t = 1 carries the infinite weight`);
      assert.equal(e[0], Infinity, `gamma ${gamma}: MASK at t = 1 carries the infinite weight`);
      assert.ok(Number.isFinite(e[6]) && Number.isFinite(e[7]), "row 1 (t = 0.5) stays finite");
      if (weighting === "elbo") {
        assert.ok(Array.from(tr).every((v) => Number.isFinite(v)), `gamma ${gamma}: training terms finite: ${Array.from(tr)}`);
        assert.ok(Number.isFinite(out.trainLoss.dataSync()[0]));
      }
      assert.ok(!Number.isNaN(out.elbo.dataSync()[0]), `gamma ${gamma} ${weighting}: ELBO mean is not NaN`);
    }
  }
});
