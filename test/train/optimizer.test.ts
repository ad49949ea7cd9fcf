// Tests of AdamW (against a float64 hand computation of PyTorch's update, with clipping and selective decay),
// the warmup + cosine learning-rate schedule (hdlm.md §8.2) and the decay split.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { AdamW, DEFAULT_OPTIM, learningRate, decays, OptimConfig } from "../../src/train";

before(async () => {
  await initEngine();
});

test("learning rate: linear warmup from 0, cosine to 0.1 lr at the last step", () => {
  const c = { lr: 5e-4, warmupSteps: 100, minLrRatio: 0.1 };
  const S = 1100;
  assert.ok(Math.abs(learningRate(1, S, c) - 5e-6) < 1e-15);
  assert.ok(Math.abs(learningRate(50, S, c) - 2.5e-4) < 1e-15);
  assert.equal(learningRate(100, S, c), 5e-4);
  // Halfway through the cosine: lr (0.1 + 0.9 / 2) = 0.55 lr.
  assert.ok(Math.abs(learningRate(600, S, c) - 0.55 * 5e-4) < 1e-12);
  assert.ok(Math.abs(learningRate(S, S, c) - 5e-5) < 1e-15);
  assert.ok(Math.abs(learningRate(S + 50, S, c) - 5e-5) < 1e-15, "stays at the floor after the last step");
  // The formula of hdlm.md §8.2 at an arbitrary point.
  const s = 321;
  const ref = 5e-4 * (0.1 + (0.9 * (1 + Math.cos((Math.PI * (s - 100)) / (S - 100)))) / 2);
  assert.ok(Math.abs(learningRate(s, S, c) - ref) < 1e-15);
  assert.equal(learningRate(1, 10, { lr: 1e-3, warmupSteps: 0, minLrRatio: 0.1 }), 1e-3 * (0.1 + 0.9 * (1 + Math.cos(Math.PI / 10)) / 2));
  assert.throws(() => learningRate(0, S, c), /step must be an integer >= 1/);
});

test("weight decay applies to 2-D weights only, not to norms, biases or the embedding", () => {
  assert.equal(decays("blocks.0.qkv", [32, 96]), true);
  assert.equal(decays("head.w", [32, 40]), true);
  assert.equal(decays("embed", [40, 32]), false);
  assert.equal(decays("blocks.0.ln1", [32]), false);
  assert.equal(decays("blocks.0.mlp.b1", [128]), false);
});

/** PyTorch AdamW + clip_grad_norm_ in float64, for a map of flat parameters. */
function reference(p0: Record<string, number[]>, gradsPerStep: Record<string, number[]>[], c: OptimConfig, S: number, decayed: Set<string>) {
  const p = Object.fromEntries(Object.entries(p0).map(([k, v]) => [k, v.slice()]));
  const m = Object.fromEntries(Object.entries(p0).map(([k, v]) => [k, v.map(() => 0)]));
  const v2 = Object.fromEntries(Object.entries(p0).map(([k, v]) => [k, v.map(() => 0)]));
  gradsPerStep.forEach((g, i) => {
    const t = i + 1;
    const norm = Math.sqrt(Object.values(g).flat().reduce((s, x) => s + x * x, 0));
    const clip = Math.min(1, c.clipNorm / (norm + 1e-6));
    const lr = learningRate(t, S, c);
    for (const k of Object.keys(p)) {
      for (let j = 0; j < p[k].length; j++) {
        const gj = g[k][j] * clip;
        if (decayed.has(k)) p[k][j] *= 1 - lr * c.weightDecay;
        m[k][j] = c.beta1 * m[k][j] + (1 - c.beta1) * gj;
        v2[k][j] = c.beta2 * v2[k][j] + (1 - c.beta2) * gj * gj;
        const mh = m[k][j] / (1 - Math.pow(c.beta1, t));
        const denom = Math.sqrt(v2[k][j]) / Math.sqrt(1 - Math.pow(c.beta2, t)) + c.eps;
        p[k][j] -= lr * (mh / denom);
      }
    }
  });
  return p;
}

test("AdamW matches a hand computation of PyTorch's AdamW with clipping over three steps", () => {
  const c: OptimConfig = { ...DEFAULT_OPTIM, lr: 0.1, warmupSteps: 1, weightDecay: 0.3, eps: 1e-6 };
  const S = 5;
  const p0 = { "w": [0.5, -1.0, 2.0, 0.25], "b": [0.1, -0.2] };
  // Step 1 has norm > 1 (clipped), steps 2-3 smaller (unclipped), so clipping changes the trajectory.
  const grads = [
    { w: [3, -4, 1, 2], b: [5, -1] },
    { w: [0.1, 0.2, -0.05, 0.0], b: [0.3, 0.1] },
    { w: [-0.2, 0.1, 0.3, -0.1], b: [0.0, -0.4] },
  ];
  const params = { w: tf.variable(tf.tensor2d(p0.w, [2, 2])), b: tf.variable(tf.tensor1d(p0.b)) };
  const opt = new AdamW(params, c, S);
  const norms: number[] = [];
  for (const g of grads) {
    const gt = { w: tf.tensor2d(g.w, [2, 2]), b: tf.tensor1d(g.b) };
    norms.push(opt.apply(gt).gradNorm);
    gt.w.dispose();
    gt.b.dispose();
  }
  const ref = reference(p0, grads, c, S, new Set(["w"]));
  const got = { w: Array.from(params.w.dataSync()), b: Array.from(params.b.dataSync()) };
  for (const k of ["w", "b"] as const) {
    for (let j = 0; j < ref[k].length; j++) assert.ok(Math.abs(got[k][j] - ref[k][j]) < 1e-6, `${k}[${j}]: ${got[k][j]} vs ${ref[k][j]}`);
  }
  assert.ok(Math.abs(norms[0] - Math.sqrt(9 + 16 + 1 + 4 + 25 + 1)) < 1e-5);
  // The same run without clipping ends elsewhere (so the check above sees the clip).
  const noClip = reference(p0, grads, { ...c, clipNorm: 1e9 }, S, new Set(["w"]));
  assert.ok(Math.abs(noClip.w[0] - ref.w[0]) > 1e-4);
  assert.equal(opt.step, 3);
  opt.dispose();
  params.w.dispose();
  params.b.dispose();
});

test("AdamW steps leak no tensors", () => {
  const params = { w: tf.variable(tf.ones([3, 3])) };
  const opt = new AdamW(params, DEFAULT_OPTIM, 10);
  const g = { w: tf.fill([3, 3], 0.5) };
  opt.apply(g);
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) opt.apply(g);
  assert.equal(tf.memory().numTensors, n0);
  g.w.dispose();
  opt.dispose();
  params.w.dispose();
});

test("AdamW gradScale: a sum of two micro-batch gradients with scale 1/2 updates like their average; bad scale throws", () => {
  const c: OptimConfig = { ...DEFAULT_OPTIM, lr: 0.05, warmupSteps: 1, weightDecay: 0.1, clipNorm: 1 };
  const g1 = [0.3, -2.5, 1.25, 0.5], g2 = [1.5, 0.25, -0.75, 2];
  const run = (grads: number[], scale: number) => {
    const params = { w: tf.variable(tf.tensor2d([0.5, -1, 2, 0.25], [2, 2])) };
    const opt = new AdamW(params, c, 4);
    const g = { w: tf.tensor2d(grads, [2, 2]) };
    const infos = [opt.apply(g, scale), opt.apply(g, scale)];
    const out = { w: Array.from(params.w.dataSync()), norms: infos.map((i) => i.gradNorm) };
    g.w.dispose();
    opt.dispose();
    params.w.dispose();
    return out;
  };
  const summed = run(g1.map((v, i) => v + g2[i]), 0.5);
  const averaged = run(g1.map((v, i) => (v + g2[i]) / 2), 1);
  assert.deepEqual(summed.w, averaged.w);
  assert.deepEqual(summed.norms, averaged.norms);
  const params = { w: tf.variable(tf.ones([2])) };
  const opt = new AdamW(params, c, 4);
  assert.throws(() => opt.apply({ w: tf.ones([2]) }, 0), /gradScale must be a finite number > 0, got 0/);
  opt.dispose();
  params.w.dispose();
});
