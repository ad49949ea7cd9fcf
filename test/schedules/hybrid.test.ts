// Tests of the hybrid time split: routing and local-time maps, the a = b reductions to pure SEDD, step counts,
// the boundary hand-offs (Monte Carlo mean/variance at b, binomial re-mask rate at a), and the bound's parts.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { seddLogLinear } from "../../src/schedules/sedd";
import { VpSchedule, discretiseBetas, gaussianProcessTable } from "../../src/schedules/diffusion-lm";
import { encodeAtB, hybridBound, hybridStepCounts, hybridTime, makeHybridSplit, remaskAtA } from "../../src/schedules/hybrid";
import { seddLoss } from "../../src/losses/sedd";
import { clampToEmbeddings } from "../../src/samplers/diffusion-lm";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test("each u goes to exactly one segment; local times are monotone and hit 0 and 1 at the ends", () => {
  const split = makeHybridSplit(0.35, 0.75);
  let prev = { segment: "D1", tau: -1 };
  for (let i = 0; i <= 2000; i++) {
    const u = i / 2000;
    const h = hybridTime(split, u);
    const want = u < 0.35 ? "D1" : u < 0.75 ? "C" : "D2";
    assert.equal(h.segment, want, `u=${u}`);
    assert.ok(h.tau >= 0 && h.tau <= 1);
    if (h.segment === prev.segment) assert.ok(h.tau > prev.tau, `monotone at u=${u}`);
    prev = h;
  }
  assert.deepEqual(hybridTime(split, 0), { segment: "D1", tau: 0, jacobian: 1 / 0.35 });
  assert.equal(hybridTime(split, 0.35).tau, 0);
  assert.equal(hybridTime(split, 0.75).tau, 0);
  assert.equal(hybridTime(split, 1).tau, 1);
  close(hybridTime(split, 0.35 - 1e-12).tau, 1, 1e-9, "D1 end");
  close(hybridTime(split, 0.75 - 1e-12).tau, 1, 1e-9, "C end");
  close(hybridTime(split, 0.5).jacobian, 1 / 0.4, 1e-12, "C jacobian");
});

test("a = b: no u reaches C, and a = b in {0, 1} is pure SEDD (same loss on the same batch)", () => {
  const mid = makeHybridSplit(0.5, 0.5);
  for (let i = 0; i <= 100; i++) assert.notEqual(hybridTime(mid, i / 100).segment, "C");
  assert.equal(hybridStepCounts(mid).C, 0);
  const sched = seddLogLinear();
  const rng = new SeededRng(8);
  const V = 5;
  const B = 4;
  const L = 6;
  const us = [0.1, 0.4, 0.7, 0.95];
  const ls = new Float32Array(B * L * (V + 1)).map(() => rng.normal());
  const x0 = new Int32Array(B * L).map(() => rng.int(V));
  const xt = x0.map((x, i) => (i % 3 === 0 ? x : V));
  const lossAt = (t: number[]) =>
    tf.tidy(() =>
      seddLoss(sched, "absorbing", { logScore: tf.tensor3d(ls, [B, L, V + 1]), xt: tf.tensor2d(xt, [B, L], "int32"), x0: tf.tensor2d(x0, [B, L], "int32"), t: tf.tensor1d(t) }).perSequence.dataSync().slice(),
    );
  const pure = lossAt(us);
  for (const ab of [0, 1]) {
    const split = makeHybridSplit(ab, ab);
    const routed = us.map((u) => hybridTime(split, u));
    routed.forEach((h) => assert.notEqual(h.segment, "C"));
    routed.forEach((h, i) => close(h.tau, us[i], 0, "tau = u"));
    const hyb = lossAt(routed.map((h) => h.tau)).map((l, i) => l * routed[i].jacobian);
    hyb.forEach((l, i) => close(l, pure[i], 0, `a = b = ${ab}, sequence ${i}`));
    const steps = hybridStepCounts(split, 128);
    assert.equal(steps.D1 + steps.D2, 128);
    assert.equal(steps.C, 0);
  }
});

test("step counts are proportional to segment length and sum to the total", () => {
  const s = hybridStepCounts(makeHybridSplit(0.35, 0.75), 128);
  assert.equal(s.D1 + s.C + s.D2, 128);
  assert.ok(Math.abs(s.D1 - 44.8) <= 1 && Math.abs(s.C - 51.2) <= 1 && Math.abs(s.D2 - 32) <= 1, JSON.stringify(s));
  const tiny = hybridStepCounts(makeHybridSplit(0.001, 0.999), 10);
  assert.ok(tiny.D1 >= 1 && tiny.D2 >= 1 && tiny.D1 + tiny.C + tiny.D2 === 10, JSON.stringify(tiny));
});

test("boundary b: encoded clean tokens have mean sqrt(abar) e and variance 1 - abar (1e5 draws, 4 sigma)", () => {
  const table = gaussianProcessTable(discretiseBetas(new VpSchedule("sqrt"), 2000));
  const abar = 0.3; // a level where both terms matter; the sqrt table's own top is checked below
  assert.ok(table.alphasCumprod[1999] > 0 && table.alphasCumprod[1999] < 1e-3, `abar top ${table.alphasCumprod[1999]}`);
  const d = 10;
  const n = 10000;
  const e = new Float32Array(d).map((_, i) => i / 3 - 1.5);
  const emb = new Float32Array(n * d);
  for (let i = 0; i < n; i++) emb.set(e, i * d);
  const z = tf.tidy(() => encodeAtB(tf.tensor3d(emb, [1, n, d]), abar, 77).dataSync().slice());
  const N = n * d;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < N; i++) {
    const r = (z[i] - Math.sqrt(abar) * e[i % d]) / Math.sqrt(1 - abar);
    sum += r;
    sq += r * r;
  }
  const mean = sum / N;
  const v = sq / N - mean * mean;
  assert.ok(Math.abs(mean) < 4 / Math.sqrt(N), `standardised mean ${mean}`);
  assert.ok(Math.abs(v - 1) < 4 * Math.sqrt(2 / N), `standardised variance ${v}`);
});

test("boundary a: rounding a noiseless embedding returns its token; re-mask rate is 1 - e^{-sigma(1)} (binomial)", () => {
  const rng = new SeededRng(5);
  const V = 20;
  const d = 8;
  const emb = new Float32Array(V * d).map(() => rng.normal());
  const tokens = [3, 0, 19, 7, 7, 12];
  const ids = tf.tidy(() => {
    const E = tf.tensor2d(emb, [V, d]);
    return clampToEmbeddings(tf.gather(E, tf.tensor1d(tokens, "int32")), E).ids.dataSync().slice();
  });
  assert.deepEqual(Array.from(ids), tokens);
  const sigma1 = seddLogLinear().sigma(1);
  const n = 100000;
  const out = tf.tidy(() => remaskAtA(tf.zeros([1, n], "int32") as tf.Tensor2D, sigma1, V, 99).dataSync().slice());
  const k = Array.from(out).reduce((c, x) => c + (x === V ? 1 : 0), 0);
  const p = -Math.expm1(-sigma1);
  close(p, 0.999, 1e-12, "P(mask) at tau = 1");
  assert.ok(Math.abs(k - n * p) < 4 * Math.sqrt(n * p * (1 - p)), `masked ${k} of ${n}, expected ${n * p}`);
  const kept = tf.tidy(() => remaskAtA(tf.tensor2d([[1, 2]], [1, 2], "int32"), sigma1, V, 1, "none").dataSync().slice());
  assert.deepEqual(Array.from(kept), [1, 2]);
});

test("the bound equals the sum of its logged parts", () => {
  const parts = { d1: 0.7, continuous: 4.1, d2: 0.2, boundaryA: 0.3, boundaryB: 0.01 };
  const b = hybridBound(parts);
  close(b.natsPerToken, 5.31, 1e-12, "sum");
  close(b.ppl, Math.exp(5.31), 1e-9, "ppl");
  assert.deepEqual(b.parts, parts);
});

test("bad input throws naming the argument", () => {
  assert.throws(() => makeHybridSplit(0.8, 0.5), /split b must be/);
  assert.throws(() => makeHybridSplit(-0.1, 0.5), /split a must be/);
  assert.throws(() => hybridTime(makeHybridSplit(), 1.5), /u must be/);
  assert.throws(() => hybridStepCounts(makeHybridSplit(), 0), /total steps/);
  assert.throws(() => hybridBound({ d1: NaN, continuous: 0, d2: 0, boundaryA: 0, boundaryB: 0 }), /parts.d1/);
  tf.tidy(() => {
    assert.throws(() => encodeAtB(tf.zeros([1, 1, 2]) as tf.Tensor3D, 0, 1), /abarTop/);
    assert.throws(() => remaskAtA(tf.zeros([1, 1], "int32") as tf.Tensor2D, 1, 5, 1, "x" as "none"), /remask must be/);
  });
});
