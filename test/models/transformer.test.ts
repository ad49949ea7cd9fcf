// Tests of the DiT and the causal transformer: shapes, zero-init logits, padding and causal masks, gradient flow, init,
// rotary invariance, the fused attention vs its composite, the active backend vs pure JS, embedding init, tensor leaks.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf, setExplicitTranspose } from "../../src/engine";
import { modelConfig, initParams, ditForward, arForward, initDiffusionEmbedding, countParams, disposeParams, rotaryTables, attention, Params, ModelConfig } from "../../src/models";
import { applyRotary, attentionBias, geluTanh, geluTanhAutodiff } from "../../src/engine/native/fused";
import { perturb, maxAbsDiff } from "./helpers";
import { SeededRng } from "../../src/util/rng";

before(async () => {
  await initEngine();
});

const V = 40;
const cfg = (over: Partial<ModelConfig> = {}) => modelConfig("tiny", { inputSize: V + 3, outputSize: V + 3 }, over);

function ids(B: number, T: number, seed: number): number[][] {
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (seed * 31 + b * 17 + t * 7) % V));
}

test("DiT and AR forward shapes, including the optional auxiliary cluster head", () => {
  const c = cfg({ auxClusters: 5 });
  const p = initParams(c, "dit", 1);
  const pa = initParams(cfg(), "ar", 1);
  tf.tidy(() => {
    const tok = tf.tensor2d(ids(3, 16, 1), [3, 16], "int32");
    const out = ditForward(p, c, tok, tf.tensor1d([0.1, 0.5, 0.9]));
    assert.deepEqual(out.logits.shape, [3, 16, V + 3]);
    assert.deepEqual(out.auxLogits?.shape, [3, 16, 5]);
    assert.deepEqual(arForward(pa, cfg(), tf.slice(tok, [0, 0], [3, 7])).shape, [3, 7, V + 3]);
  });
  const plain = initParams(cfg(), "dit", 1);
  assert.equal(plain["aux.w"], undefined, "no auxiliary head unless auxClusters > 0");
  disposeParams(plain);
  assert.throws(() => tf.tidy(() => arForward(pa, cfg(), tf.zeros([1, 17], "int32") as tf.Tensor2D)), /seqLen 16/);
  disposeParams(p);
  disposeParams(pa);
});

test("a fresh DiT outputs all-zero logits (zero-initialised adaLN and head); the AR head does not", () => {
  const c = cfg();
  const p = initParams(c, "dit", 2);
  const pa = initParams(c, "ar", 2);
  const [dit, ar] = tf.tidy(() => {
    const tok = tf.tensor2d(ids(2, 16, 2), [2, 16], "int32");
    return [ditForward(p, c, tok, tf.tensor1d([0.3, 0.8])).logits.dataSync(), arForward(pa, c, tok).dataSync()];
  });
  assert.equal(maxAbsDiff(dit, new Float32Array(dit.length)), 0);
  assert.ok(maxAbsDiff(ar, new Float32Array(ar.length)) > 1e-3);
  disposeParams(p);
  disposeParams(pa);
});

test("DiT padding mask: changing the tokens at padded positions leaves every real position's logits unchanged", () => {
  const c = cfg();
  const p = initParams(c, "dit", 3);
  perturb(p, 3);
  const T = 16;
  const maskRow = Array.from({ length: T }, (_, t) => (t < 11 ? 1 : 0));
  const a = ids(2, T, 3);
  const b = a.map((row) => row.map((x, t) => (t < 11 ? x : (x + 5) % V)));
  const run = (tokens: number[][], masked: boolean) =>
    tf.tidy(() => ditForward(p, c, tf.tensor2d(tokens, [2, T], "int32"), tf.tensor1d([0.4, 0.6]), masked ? tf.tensor2d([maskRow, maskRow]) : null).logits.arraySync() as number[][][]);
  const real = (l: number[][][]) => l.flatMap((row) => row.slice(0, 11).flat());
  assert.ok(maxAbsDiff(real(run(a, true)), real(run(b, true))) < 1e-5, "padded tokens leaked into real positions");
  // Without the mask the same change does reach the real positions (so the check above can fail).
  assert.ok(maxAbsDiff(real(run(a, false)), real(run(b, false))) > 1e-3);
  disposeParams(p);
});

test("AR causal mask: future tokens do not change earlier logits, but do change later ones", () => {
  const c = cfg();
  const p = initParams(c, "ar", 4);
  perturb(p, 4);
  const a = ids(2, 16, 4);
  const b = a.map((row) => row.map((x, t) => (t >= 9 ? (x + 3) % V : x)));
  const run = (tokens: number[][]) => tf.tidy(() => arForward(p, c, tf.tensor2d(tokens, [2, 16], "int32")).arraySync() as number[][][]);
  const la = run(a);
  const lb = run(b);
  const upTo = (l: number[][][], from: number, to: number) => l.flatMap((row) => row.slice(from, to).flat());
  assert.ok(maxAbsDiff(upTo(la, 0, 9), upTo(lb, 0, 9)) < 1e-5, "future tokens leaked into the past");
  assert.ok(maxAbsDiff(upTo(la, 9, 16), upTo(lb, 9, 16)) > 1e-3);
  disposeParams(p);
});

/** The attention of the models written out with tfjs ops: rotary q/k, additive bias from attentionBias, softmax. */
function compositeAttention(h: tf.Tensor3D, wQkv: tf.Tensor2D, wProj: tf.Tensor2D, heads: number, rope: { cos: tf.Tensor2D; sin: tf.Tensor2D }, bias: tf.Tensor4D | null): tf.Tensor {
  const [B, T, d] = h.shape;
  const hd = d / heads;
  const qkv = tf.transpose(tf.reshape(tf.matMul(tf.reshape(h, [B * T, d]), wQkv), [B, T, 3, heads, hd]), [2, 0, 3, 1, 4]);
  const [q0, k0, v0] = tf.unstack(qkv, 0).map((u) => tf.reshape(u, [B * heads, T, hd]) as tf.Tensor3D);
  const q = applyRotary(q0, rope.cos, rope.sin);
  const k = applyRotary(k0, rope.cos, rope.sin);
  let scores = tf.reshape(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), [B, heads, T, T]);
  if (bias !== null) scores = tf.add(scores, bias);
  const y = tf.reshape(tf.matMul(tf.reshape(tf.softmax(scores, -1), [B * heads, T, T]), v0), [B, heads, T, hd]);
  return tf.reshape(tf.matMul(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, d]), wProj), [B, T, d]);
}

test("attention (fused core, active backend) equals the rotary + attentionBias composite: values and gradients", () => {
  const [B, T, d, H] = [2, 9, 16, 2];
  const rng = new SeededRng(12);
  const draw = (n: number, s = 0.5) => Float32Array.from({ length: n }, () => s * rng.normal());
  const hv = draw(B * T * d, 1);
  const wq = draw(d * 3 * d);
  const wp = draw(d * d);
  const dy = draw(B * T * d, 1);
  const maskRow = [Array(T).fill(1), Array.from({ length: T }, (_, t) => (t < 6 ? 1 : 0))];
  for (const [padded, causal] of [[false, false], [true, false], [false, true], [true, true]]) {
    const errs = tf.tidy(() => {
      const rope = rotaryTables(T, d / H);
      const keyMask = padded ? tf.tensor2d(maskRow) : null;
      const args = [tf.tensor3d(hv, [B, T, d]), tf.tensor2d(wq, [d, 3 * d]), tf.tensor2d(wp, [d, d])];
      const gy = tf.tensor3d(dy, [B, T, d]);
      const fused = (h: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => attention(h as tf.Tensor3D, a as tf.Tensor2D, b as tf.Tensor2D, H, rope, { keyMask, causal });
      const ref = (h: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => compositeAttention(h as tf.Tensor3D, a as tf.Tensor2D, b as tf.Tensor2D, H, rope, attentionBias(B, T, keyMask, causal));
      const got = [fused(args[0], args[1], args[2]), ...tf.grads((h: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fused(h, a, b), gy)))(args)];
      const want = [ref(args[0], args[1], args[2]), ...tf.grads((h: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ref(h, a, b), gy)))(args)];
      return got.map((g, i) => maxAbsDiff(g.dataSync(), want[i].dataSync()) / Math.max(1e-6, tf.max(tf.abs(want[i])).dataSync()[0]));
    });
    for (const [i, e] of errs.entries()) assert.ok(e <= 1e-4, `padded ${padded} causal ${causal}: output ${i} rel err ${e} on ${tf.getBackend()}`);
  }
});

test("DiT (padding mask) and AR loss gradients on the active backend equal the pure-JS cpu backend", async () => {
  const active = tf.getBackend();
  const c = cfg({ layers: 2, auxClusters: 3 });
  const p = initParams(c, "dit", 7);
  perturb(p, 7);
  const pa = initParams(cfg({ layers: 2 }), "ar", 7);
  perturb(pa, 8);
  const tok = ids(2, 16, 7);
  const mask = [Array(16).fill(1), Array.from({ length: 16 }, (_, t) => (t < 10 ? 1 : 0))];
  const run = (): number[][] =>
    tf.tidy(() => {
      const names = Object.keys(p);
      const ld = tf.variableGrads(() => {
        const o = ditForward(p, c, tf.tensor2d(tok, [2, 16], "int32"), tf.tensor1d([0.3, 0.8]), tf.tensor2d(mask));
        return tf.add(tf.mean(tf.square(o.logits)), tf.mean(tf.square(o.auxLogits as tf.Tensor))) as tf.Scalar;
      }, names.map((n) => p[n]));
      const la = tf.variableGrads(() => tf.mean(tf.square(arForward(pa, cfg({ layers: 2 }), tf.tensor2d(tok, [2, 16], "int32"), tf.tensor2d(mask)))) as tf.Scalar,
        Object.values(pa));
      return [[ld.value.dataSync()[0], la.value.dataSync()[0]], ...Object.values(ld.grads).map((g) => Array.from(g.dataSync())), ...Object.values(la.grads).map((g) => Array.from(g.dataSync()))];
    });
  const got = run();
  await tf.setBackend("cpu");
  setExplicitTranspose(false);
  const want = run();
  await tf.setBackend(active);
  setExplicitTranspose(active === "wasm");
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    const scale = Math.max(1e-6, ...want[i].map(Math.abs));
    assert.ok(maxAbsDiff(got[i], want[i]) / scale <= 1e-4, `${active} vs cpu: entry ${i} rel err ${maxAbsDiff(got[i], want[i]) / scale}`);
  }
  disposeParams(p);
  disposeParams(pa);
});

function gradNorms(p: Params, loss: () => tf.Scalar): Record<string, number> {
  const names = Object.keys(p);
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, names.map((n) => p[n]));
    return Object.fromEntries(names.map((n) => [n, grads[p[n].name] === undefined ? 0 : tf.norm(grads[p[n].name]).dataSync()[0]]));
  });
}

test("gradients reach every parameter (DiT with perturbed zero-init weights, AR as initialised)", () => {
  const c = cfg({ layers: 2, auxClusters: 3 });
  const p = initParams(c, "dit", 5);
  perturb(p, 5);
  const tok = ids(2, 16, 5);
  const mask = [Array(16).fill(1), Array.from({ length: 16 }, (_, t) => (t < 12 ? 1 : 0))];
  const gd = gradNorms(p, () => {
    const o = ditForward(p, c, tf.tensor2d(tok, [2, 16], "int32"), tf.tensor1d([0.2, 0.7]), tf.tensor2d(mask));
    return tf.add(tf.mean(tf.square(o.logits)), tf.mean(tf.square(o.auxLogits as tf.Tensor))) as tf.Scalar;
  });
  for (const [n, g] of Object.entries(gd)) assert.ok(g > 0 && Number.isFinite(g), `DiT param ${n} got gradient norm ${g}`);
  const pa = initParams(cfg({ layers: 2 }), "ar", 5);
  const ga = gradNorms(pa, () => tf.mean(tf.square(arForward(pa, cfg({ layers: 2 }), tf.tensor2d(tok, [2, 16], "int32")))) as tf.Scalar);
  for (const [n, g] of Object.entries(ga)) assert.ok(g > 0 && Number.isFinite(g), `AR param ${n} got gradient norm ${g}`);
  disposeParams(p);
  disposeParams(pa);
});

test("initialisation is deterministic in the seed and matches the parameter count of the layout", () => {
  const c = cfg();
  const a = initParams(c, "dit", 7);
  const b = initParams(c, "dit", 7);
  const d = initParams(c, "dit", 8);
  assert.deepEqual(Object.keys(a), Object.keys(b));
  for (const n of Object.keys(a)) assert.deepEqual(a[n].dataSync(), b[n].dataSync(), n);
  assert.notDeepEqual(a["blocks.0.qkv"].dataSync(), d["blocks.0.qkv"].dataSync());
  // d = 32, condDim 16, 1 block, mlp 128, in = out = 43.
  const dd = 32, cd = 16, m = 128, io = 43;
  const expected = io * dd + (256 * cd + cd + cd * cd + cd) + (dd + cd * 6 * dd + 6 * dd + dd * 3 * dd + dd * dd + dd + dd * m + m + m * dd + dd) + (dd + cd * 2 * dd + 2 * dd + dd * io + io);
  assert.equal(countParams(a), expected);
  for (const p of [a, b, d]) disposeParams(p);
});

test("rotary embedding makes q.k depend only on the position difference", () => {
  const hd = 8;
  const { cos, sin } = rotaryTables(12, hd);
  const vals = tf.tidy(() => {
    const q = tf.tile(tf.tensor3d([[[0.3, -1, 0.5, 2, 0.1, 0.7, -0.4, 1.2]]]), [1, 12, 1]) as tf.Tensor3D;
    const k = tf.tile(tf.tensor3d([[[1, 0.2, -0.3, 0.4, -1.1, 0.6, 0.9, -0.5]]]), [1, 12, 1]) as tf.Tensor3D;
    const qr = applyRotary(q, cos, sin).arraySync()[0];
    const kr = applyRotary(k, cos, sin).arraySync()[0];
    const dot = (i: number, j: number) => qr[i].reduce((s, x, c) => s + x * kr[j][c], 0);
    return { a: dot(5, 2), b: dot(9, 6), c: dot(3, 0), far: dot(5, 5), norm: Math.hypot(...qr[7]) };
  });
  assert.ok(Math.abs(vals.a - vals.b) < 1e-5 && Math.abs(vals.a - vals.c) < 1e-5, JSON.stringify(vals));
  assert.ok(Math.abs(vals.a - vals.far) > 1e-3);
  assert.ok(Math.abs(vals.norm - Math.hypot(0.3, -1, 0.5, 2, 0.1, 0.7, -0.4, 1.2)) < 1e-5, "rotation preserves the norm");
  cos.dispose();
  sin.dispose();
});

test("initDiffusionEmbedding: token rows when widths match, [MASK] row 0, cluster rows = centroids (hdlm.md §1.4)", () => {
  const n = 2;
  const c = cfg();
  const p = initParams(c, "dit", 9);
  const d = c.hidden;
  const tokenEmbeddings = Float32Array.from({ length: V * d }, (_, i) => (i % 13) / 13);
  const centroids = Float32Array.from({ length: n * d }, (_, i) => -1 - i / 100);
  const r = initDiffusionEmbedding(p, { vocabSize: V, maskId: V }, { tokenEmbeddings, tokenDim: d, centroids, numClusters: n });
  assert.deepEqual(r, { tokensCopied: true, centroidsCopied: true });
  const e = p.embed.arraySync() as number[][];
  assert.ok(maxAbsDiff(e.slice(0, V).flat(), tokenEmbeddings) < 1e-7);
  assert.deepEqual(e[V], Array(d).fill(0));
  assert.ok(maxAbsDiff(e.slice(V + 1, V + 1 + n).flat(), centroids) < 1e-7);
  // Width mismatch keeps the random token rows.
  const before = p.embed.dataSync().slice(0, d);
  const r2 = initDiffusionEmbedding(p, { vocabSize: V, maskId: V }, { tokenEmbeddings: new Float32Array(V * 7), tokenDim: 7 });
  assert.equal(r2.tokensCopied, false);
  assert.deepEqual(p.embed.dataSync().slice(0, d), before);
  assert.throws(() => initDiffusionEmbedding(p, { vocabSize: V, maskId: 99 }), /maskId/);
  disposeParams(p);
});

test("forward passes leak no tensors", () => {
  const c = cfg();
  const p = initParams(c, "dit", 10);
  const run = () => tf.tidy(() => { ditForward(p, c, tf.tensor2d(ids(2, 16, 1), [2, 16], "int32"), tf.tensor1d([0.5, 0.5]), tf.ones([2, 16]) as tf.Tensor2D); });
  run();
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) run();
  assert.equal(tf.memory().numTensors, n0);
  disposeParams(p);
});

test("tanh-GELU: values match the formula and the analytic gradient matches autodiff", () => {
  const xs = [-4, -1.5, -0.3, 0, 0.2, 1, 2.5, 6];
  const x = tf.tensor1d(xs);
  const y = geluTanh(x).dataSync();
  xs.forEach((v, i) => {
    const ref = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    assert.ok(Math.abs(y[i] - ref) < 1e-6, `gelu(${v}) = ${y[i]} vs ${ref}`);
  });
  const w = tf.tensor1d([1, -2, 0.5, 3, -1, 0.25, 2, -0.5]);
  const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(geluTanh(t), w)))(x).dataSync();
  const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(geluTanhAutodiff(t), w)))(x).dataSync();
  for (let i = 0; i < xs.length; i++) assert.ok(Math.abs(g1[i] - g2[i]) < 1e-5, `grad at ${xs[i]}: ${g1[i]} vs ${g2[i]}`);
  tf.dispose([x, w]);
});
