// Tests of the three integrands and the boundary terms (hybrid.md §2, §4; "What to test: Losses"): each equals the
// stand-alone masked-diffusion (mdlmLoss) or Gaussian (vbTermNats over a vanishing step) integrand on the same
// inputs; the two D2 forms; the b term against direct Gaussian log-densities; gradients reach Emb; padding is inert.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { Schedule } from "../../src/schedules/schedule";
import { gaussianProcessTable } from "../../src/schedules/diffusion-lm";
import { mdlmLoss } from "../../src/losses/mdlm";
import { vbTermNats } from "../../src/losses/diffusion-lm";
import { makeHybridChainConfig } from "../../src/hybrid/config";
import { ChainedSchedule } from "../../src/hybrid/time";
import { embeddingTable } from "../../src/hybrid/embeddings";
import { roundToEmbeddings } from "../../src/hybrid/rounding";
import { sampleChain } from "../../src/hybrid/forward";
import { continuousIntegrand, d1Integrand, d2Integrand, expectedEmbedding } from "../../src/hybrid/integrands";
import { boundaryBTerm, decoderTerm } from "../../src/hybrid/bound";

before(async () => {
  await initEngine();
});

const V = 4;
const d = 3;
const rng0 = new SeededRng(77);
const embData = Float64Array.from({ length: (V + 1) * d }, () => rng0.normal());
const emb = embeddingTable(embData, d);

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

/** A schedule object with alpha = 1 - mu(t) for mdlmLoss (its weight is -alpha'/(1 - alpha) = mu'/mu). */
function linearMaskSchedule(mu: (t: number) => number, muPrime: number): Schedule {
  return {
    name: "test-linear-mask",
    alpha: (t) => 1 - mu(t),
    alphaPrime: () => -muPrime,
    alphaTensor: (t) => tf.sub(1, t),
    alphaPrimeTensor: (t) => tf.fill(t.shape, -muPrime),
  };
}

function randomLogits(n: number, seed: number): Float32Array {
  const r = new SeededRng(seed);
  return Float32Array.from({ length: n }, () => 1.5 * r.normal());
}

const config = makeHybridChainConfig({ maskAtA: 0.5 });
const sched = new ChainedSchedule(config);
const B = 6;
const L = 5;
const rng = new SeededRng(1);
const x0 = Int32Array.from({ length: B * L }, () => rng.int(V));

test("ℓ₁ equals the stand-alone MDLM integrand of the linear schedule μ = p_a·u/a on the same inputs", () => {
  const u = [0.01, 0.05, 0.1, 0.2, 0.3, 0.34];
  const draw = sampleChain(sched, emb, { x0, batch: B, length: L, u, seed: 3 });
  const logits = tf.tensor3d(randomLogits(B * L * (V + 1), 4), [B, L, V + 1]);
  const xu = tf.tensor2d(draw.xu, [B, L], "int32");
  const target = tf.tensor2d(x0, [B, L], "int32");
  const mine = d1Integrand(sched, V, { logits, target, xu, u }).arraySync();
  const s = linearMaskSchedule((t) => (0.5 * t) / 0.35, 0.5 / 0.35);
  const ref = mdlmLoss(logits, target, xu, tf.tensor1d(u), { schedule: s, vocabSize: V });
  const perSeq = tf.sum(ref.elboPerToken, -1).arraySync() as number[];
  for (let b = 0; b < B; b++) close(mine[b], perSeq[b], 1e-5, `row ${b}`);
  assert.ok(mine.some((v) => v > 0));
  assert.throws(() => d1Integrand(sched, V, { logits, target, xu, u: [0.5, 0.1, 0.1, 0.1, 0.1, 0.1] }), /u\[0\] = 0.5 must lie in D1/);
  assert.throws(() => d1Integrand(sched, V, { logits, target, xu, u: [0, 0.1, 0.1, 0.1, 0.1, 0.1] }), /u\[0\] = 0 must lie in D1/);
});

test("ℓ₂: with no m in x_b and the m logit at -∞ both forms equal MDLM's integrand of μ₂; with m targets, the closed forms", () => {
  const u = [0.76, 0.8, 0.85, 0.9, 0.95, 1];
  const draw = sampleChain(sched, emb, { x0, batch: B, length: L, u, seed: 9 });
  // Replace x_b by clean tokens (no m) and re-mask with the draw's D2 pattern.
  const xb = x0;
  const xu = Int32Array.from(draw.xu, (v, i) => (v === V ? V : xb[i]));
  const raw = randomLogits(B * L * (V + 1), 5);
  for (let i = 0; i < B * L; i++) raw[i * (V + 1) + V] = -1e4;
  const logits = tf.tensor3d(raw, [B, L, V + 1]);
  const inputs = { logits, target: tf.tensor2d(xb, [B, L], "int32"), xu: tf.tensor2d(xu, [B, L], "int32"), u };
  const s = linearMaskSchedule((t) => (t - 0.75) / 0.25, 1 / 0.25);
  const ref = tf.sum(mdlmLoss(logits, inputs.target, inputs.xu, tf.tensor1d(u), { schedule: s, vocabSize: V }).elboPerToken, -1).arraySync() as number[];
  const ctmc = d2Integrand(sched, V, inputs, "ctmc").arraySync();
  const ce = d2Integrand(sched, V, inputs, "crossEntropy").arraySync();
  for (let b = 0; b < B; b++) {
    close(ctmc[b], ref[b], 1e-5, `ctmc row ${b}`);
    close(ce[b], ref[b], 1e-5, `ce row ${b}`);
  }
  // One position, target m or a token, masked at u = 0.85: hand-computed values of both forms.
  const l1 = [0.3, -0.2, 0.1, 0.5, 0.7];
  const lse = Math.log(l1.reduce((a, v) => a + Math.exp(v), 0));
  const p = l1.map((v) => Math.exp(v - lse));
  const one = (target: number, form: "ctmc" | "crossEntropy") =>
    d2Integrand(sched, V, { logits: tf.tensor3d(l1, [1, 1, V + 1]), target: tf.tensor2d([target], [1, 1], "int32"), xu: tf.tensor2d([V], [1, 1], "int32"), u: [0.85] }, form).arraySync()[0];
  const w = 1 / 0.1;
  close(one(V, "ctmc"), w * (1 - p[V]), 1e-5, "ctmc, target m");
  close(one(V, "crossEntropy"), -w * Math.log(p[V]), 1e-5, "ce, target m");
  close(one(2, "ctmc"), w * (-Math.log(p[2]) - p[V]), 1e-5, "ctmc, target token");
  close(one(2, "crossEntropy"), -w * Math.log(p[2]), 1e-5, "ce, target token");
  // Pointwise ordering on random inputs with m targets: ctmc <= crossEntropy.
  const xbm = Int32Array.from(draw.xb);
  const inputs2 = { logits: tf.tensor3d(randomLogits(B * L * (V + 1), 6), [B, L, V + 1]), target: tf.tensor2d(xbm, [B, L], "int32"), xu: tf.tensor2d(draw.xu, [B, L], "int32"), u };
  const a = d2Integrand(sched, V, inputs2, "ctmc").arraySync();
  const c = d2Integrand(sched, V, inputs2, "crossEntropy").arraySync();
  for (let b = 0; b < B; b++) assert.ok(a[b] <= c[b] + 1e-6, `ctmc <= crossEntropy at row ${b}`);
  assert.throws(() => d2Integrand(sched, V, { ...inputs2, u: [0.75, 0.8, 0.8, 0.8, 0.8, 0.8] }), /u\[0\] = 0.75 must lie in D2/);
});

test("ℓ_C equals the stand-alone Gaussian KL term (vbTermNats, posterior variance) per unit u over a vanishing step", () => {
  const u = [0.36, 0.4, 0.5, 0.6, 0.7, 0.749];
  const draw = sampleChain(sched, emb, { x0, batch: B, length: L, u, seed: 10 });
  const logits = tf.tensor3d(randomLogits(B * L * (V + 1), 7), [B, L, V + 1]);
  const embT = tf.tensor2d(Float32Array.from(embData), [V + 1, d]);
  const xa = tf.tensor2d(draw.xa, [B, L], "int32");
  const mine = continuousIntegrand(sched, { logits, xa, emb: embT, u }).arraySync();
  const plain = continuousIntegrand(sched, { logits, xa, emb: embT, u }, "unweighted").arraySync();
  const eHat = expectedEmbedding(logits, embT);
  const xStart = tf.gather(embT, xa) as unknown as tf.Tensor3D;
  const h = 2e-5;
  for (let b = 0; b < B; b++) {
    const abT = sched.alphaBar(u[b]);
    const abS = sched.alphaBar(u[b] - h);
    const table = gaussianProcessTable(Float64Array.from([1 - abS, 1 - abT / abS]));
    const row = (t: tf.Tensor3D) => tf.slice(t, [b, 0, 0], [1, L, d]) as tf.Tensor3D;
    const kl = vbTermNats(table, row(xStart), row(xStart), row(eHat), tf.tensor1d([1], "int32"), table.posteriorVariance);
    const perU = (tf.sum(kl).arraySync() as number) / h;
    close(mine[b], perU, 3e-3, `row ${b} (u = ${u[b]})`);
    close(mine[b], plain[b] * sched.continuousWeight(u[b]), 1e-5, `weighting row ${b}`);
  }
  assert.throws(() => continuousIntegrand(sched, { logits, xa, emb: embT, u: [0.3, 0.4, 0.5, 0.6, 0.7, 0.7] }), /u\[0\] = 0.3 must lie in C/);
});

test("the b term equals log N(z_b; √ᾱ Emb(x_a)) - log N(z_b; √ᾱ Emb(x_b)); ≤ 0 after rounding, 0 where x_b = x_a", () => {
  const abB = 0.5;
  const r = new SeededRng(12);
  const xa = Int32Array.from({ length: B * L }, () => r.int(V + 1));
  const xbAny = Int32Array.from({ length: B * L }, () => r.int(V + 1));
  const noise = Float64Array.from({ length: B * L * d }, () => r.normal());
  const embT = tf.tensor2d(Float32Array.from(embData), [V + 1, d]);
  const got = boundaryBTerm(embT, tf.tensor2d(xa, [B, L], "int32"), tf.tensor2d(xbAny, [B, L], "int32"), tf.tensor3d(Float32Array.from(noise), [B, L, d]), abB).arraySync();
  const z = new Float64Array(B * L * d);
  for (let b = 0; b < B; b++) {
    let want = 0;
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      let qa = 0;
      let qb = 0;
      for (let j = 0; j < d; j++) {
        z[i * d + j] = Math.sqrt(abB) * embData[xa[i] * d + j] + Math.sqrt(1 - abB) * noise[i * d + j];
        qa += (z[i * d + j] - Math.sqrt(abB) * embData[xa[i] * d + j]) ** 2;
        qb += (z[i * d + j] - Math.sqrt(abB) * embData[xbAny[i] * d + j]) ** 2;
      }
      want += -qa / (2 * (1 - abB)) + qb / (2 * (1 - abB));
    }
    close(got[b], want, 1e-4, `row ${b}`);
  }
  const xb = roundToEmbeddings(emb, z, abB);
  const rounded = boundaryBTerm(embT, tf.tensor2d(xa, [B, L], "int32"), tf.tensor2d(xb, [B, L], "int32"), tf.tensor3d(Float32Array.from(noise), [B, L, d]), abB).arraySync();
  for (const v of rounded) assert.ok(v <= 1e-5, `b term after rounding must be <= 0, got ${v}`);
  const same = boundaryBTerm(embT, tf.tensor2d(xa, [B, L], "int32"), tf.tensor2d(xa, [B, L], "int32"), tf.tensor3d(Float32Array.from(noise), [B, L, d]), abB).arraySync();
  for (const v of same) assert.ok(Math.abs(v) < 1e-5);
});

test("decoder term = Σ -log softmax over V ∪ {m}; gradients of ℓ_C and the b term reach Emb; padding is inert", () => {
  const raw = randomLogits(B * L * (V + 1), 8);
  const xa = Int32Array.from({ length: B * L }, (_, i) => i % (V + 1));
  const got = decoderTerm(tf.tensor3d(raw, [B, L, V + 1]), tf.tensor2d(xa, [B, L], "int32")).arraySync();
  for (let b = 0; b < B; b++) {
    let want = 0;
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      const row = Array.from(raw.subarray(i * (V + 1), (i + 1) * (V + 1)));
      const m = Math.max(...row);
      want += m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[xa[i]];
    }
    close(got[b], want, 1e-5, `decoder row ${b}`);
  }
  // Gradients reach Emb (through the targets, ê and the rebuilt z_b).
  const embV = tf.variable(tf.tensor2d(Float32Array.from(embData), [V + 1, d]));
  const u = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65];
  const logits = tf.tensor3d(raw, [B, L, V + 1]);
  const xaT = tf.tensor2d(xa, [B, L], "int32");
  const noise = tf.randomNormal([B, L, d], 0, 1, "float32", 3) as tf.Tensor3D;
  const xbT = tf.tensor2d(Int32Array.from(xa, (v) => (v + 1) % (V + 1)), [B, L], "int32");
  const { grads } = tf.variableGrads(() => tf.add(tf.sum(continuousIntegrand(sched, { logits, xa: xaT, emb: embV, u })), tf.sum(boundaryBTerm(embV, xaT, xbT, noise, 0.5))) as tf.Scalar);
  const g = grads[embV.name].dataSync();
  assert.ok(g.every((v) => Number.isFinite(v)) && g.some((v) => Math.abs(v) > 1e-3));
  // Padding: garbage ids and logits at padded positions change nothing.
  const pad = Array.from({ length: B * L }, (_, i) => (i % L === L - 1 ? 0 : 1));
  const xaBad = Int32Array.from(xa, (v, i) => (pad[i] === 0 ? 99 : v));
  const raw2 = Float32Array.from(raw, (v, k) => (pad[Math.floor(k / (V + 1))] === 0 ? 50 * v : v));
  const p1 = decoderTerm(tf.tensor3d(raw, [B, L, V + 1]), tf.tensor2d(xa, [B, L], "int32"), pad).arraySync();
  const p2 = decoderTerm(tf.tensor3d(raw2, [B, L, V + 1]), tf.tensor2d(xaBad, [B, L], "int32"), pad).arraySync();
  const c1 = continuousIntegrand(sched, { logits: tf.tensor3d(raw, [B, L, V + 1]), xa: xaT, emb: embV, u, padMask: pad }).arraySync();
  const c2 = continuousIntegrand(sched, { logits: tf.tensor3d(raw2, [B, L, V + 1]), xa: tf.tensor2d(xaBad, [B, L], "int32"), emb: embV, u, padMask: pad }).arraySync();
  for (let b = 0; b < B; b++) {
    close(p1[b], p2[b], 1e-6, "decoder pad");
    close(c1[b], c2[b], 1e-6, "ℓ_C pad");
    assert.ok(p1[b] < got[b]);
  }
});
