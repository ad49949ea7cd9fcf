// Tests of the §4 bound (hybrid.md "What to test: Bound"): the reported total is the sum of its logged parts; on a
// tiny enumerable toy (V = 3, L = 2, d = 2, fixed Bayes-posterior denoisers) it lies above the exact -log p of the
// toy's generative model (enumeration plus numerical integration over z); and in the degenerate case (a = b,
// ᾱ_b → 1) it equals the same model's pure masked-diffusion bound (mdlmLoss, piecewise-linear mask schedule).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { Schedule } from "../../src/schedules/schedule";
import { mdlmLoss } from "../../src/losses/mdlm";
import { makeHybridChainConfig } from "../../src/hybrid/config";
import { ChainedSchedule } from "../../src/hybrid/time";
import { CHAIN_BOUND_PARTS, ChainBoundAccumulator, binaryEntropy, chainBoundTotal } from "../../src/hybrid/bound";
import { L, M, S, ToyLike, ToyModel, V, allSequences, exactKernel, exactNll, gaussLegendre, gaussianPosterior, roundingTables, seqIndex, toLogits, xaLaw } from "./toy";
import { quadratureParts } from "./toy-bound";

before(async () => {
  await initEngine();
});

const norm = (p: number[]) => {
  const t = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / t);
};

test("the reported total is the sum of its logged parts; the accumulator's parts are per-token means", () => {
  const parts = { d1: 1.25, maskEntropy: -0.6, decoderA: 0.125, continuous: 2.5, boundaryB: -0.25, d2: 0.75 };
  const r = chainBoundTotal(parts);
  assert.equal(r.natsPerToken, CHAIN_BOUND_PARTS.reduce((a, k) => a + parts[k], 0));
  assert.equal(r.ppl, Math.exp(r.natsPerToken));
  assert.throws(() => chainBoundTotal({ ...parts, boundaryB: Number.NaN }), /parts\.boundaryB/);
  const acc = new ChainBoundAccumulator(0.35);
  const rng = new SeededRng(4);
  const rows = Array.from({ length: 50 }, (_, i) => ({
    segment: (["D1", "C", "D2"] as const)[i % 3],
    integrand: 10 * rng.uniform(),
    decoderA: rng.uniform(),
    boundaryB: -rng.uniform(),
    tokens: 6 + (i % 4),
  }));
  for (const row of rows) acc.add(row);
  const out = acc.result();
  const tokens = rows.reduce((a, r) => a + r.tokens, 0);
  const sum = (seg: string) => rows.filter((r) => r.segment === seg).reduce((a, r) => a + r.integrand, 0) / tokens;
  const near = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-12, `${what}: ${x} vs ${y}`);
  near(out.parts.d1, sum("D1"), "d1");
  near(out.parts.continuous, sum("C"), "continuous");
  near(out.parts.d2, sum("D2"), "d2");
  near(out.parts.maskEntropy, -binaryEntropy(0.35), "maskEntropy");
  near(out.parts.decoderA, rows.reduce((a, r) => a + r.decoderA, 0) / tokens, "decoderA");
  assert.equal(out.natsPerToken, CHAIN_BOUND_PARTS.reduce((a, k) => a + out.parts[k], 0));
  assert.equal(out.rows, 50);
  assert.equal(out.roundingAccuracy, null);
  const acc2 = new ChainBoundAccumulator(0.5);
  acc2.add({ segment: "C", integrand: 1, decoderA: 0, boundaryB: 0, tokens: 4, roundingMatches: 3 });
  acc2.add({ segment: "D2", integrand: 1, decoderA: 0, boundaryB: 0, tokens: 6, roundingMatches: 2 });
  assert.equal(acc2.result().roundingAccuracy, 0.5);
  assert.throws(() => acc2.add({ segment: "C", integrand: 1, decoderA: 0, boundaryB: 0, tokens: 4, roundingMatches: 5 }), /row\.roundingMatches/);
  assert.ok(out.standardError > 0 && Number.isFinite(out.standardError));
  assert.throws(() => acc.add({ ...rows[0], segment: "X" as never }), /row\.segment/);
  assert.throws(() => new ChainBoundAccumulator(1.5), /p must be/);
});

/** The data's joint law of x_a under π₀ (masking p_a per position), over (V ∪ {m})^L. */
function xaJoint(pi0: number[], pa: number): number[] {
  const out = new Array<number>(S ** L).fill(0);
  for (const x0 of allSequences(V, L)) {
    const laws = x0.map((v) => xaLaw(v, pa));
    for (const xa of allSequences(S, L)) out[seqIndex(xa, S)] += pi0[seqIndex(x0, V)] * xa.reduce((a, k, i) => a * laws[i][k], 1);
  }
  return out;
}

/** A toy whose priors match the chain started from data π₀ (up to the per-position C prior and a smoothed decoder). */
function matchedToy(schedule: ChainedSchedule, pi0: number[]): ToyModel {
  const pa = schedule.config.maskAtA;
  const pxa = xaJoint(pi0, pa);
  const { R } = roundingTables(schedule.config.alphaBarAtB);
  const piB = new Array<number>(S ** L).fill(0);
  for (const xa of allSequences(S, L)) for (const xb of allSequences(S, L)) piB[seqIndex(xb, S)] += pxa[seqIndex(xa, S)] * xb.reduce((a, j, i) => a * R[xa[i]][j], 1);
  const piC = new Array<number>(S).fill(0);
  for (const xa of allSequences(S, L)) for (const k of xa) piC[k] += pxa[seqIndex(xa, S)] / L;
  return new ToyModel(schedule, pi0, piB, piC, piC, 0.05);
}

test("the bound lies above the exact -log p of the toy for every x_0, and closes on it as the boundary b gets clean", () => {
  const pi0 = norm(allSequences(V, L).map((x) => 1 + x[0] + 2 * (x[0] === x[1] ? 1 : 0)));
  const meanGap: Record<string, number> = {};
  const check = (name: string, model: ToyModel) => {
    const K = exactKernel(model, 32, 20);
    // The toy's generative model is normalised: Σ_{x_0} p(x_0) = 1.
    const total = allSequences(V, L).reduce((acc, x0) => acc + Math.exp(-exactNll(model, x0, K)), 0);
    assert.ok(Math.abs(total - 1) < 1e-8, `${name}: Σ p(x_0) = ${total}`);
    let gap = 0;
    for (const x0 of allSequences(V, L)) {
      const nll = exactNll(model, x0, K);
      const parts = quadratureParts(model, x0);
      const bound = CHAIN_BOUND_PARTS.reduce((a, k) => a + parts[k], 0);
      assert.ok(bound >= nll - 1e-6, `${name} x0=${x0}: bound ${bound} < exact -log p ${nll} (parts ${JSON.stringify(parts)})`);
      assert.ok(parts.boundaryB <= 0 && parts.maskEntropy < 0 && parts.decoderA >= 0 && parts.continuous > 0 && parts.d1 >= 0 && parts.d2 > 0, JSON.stringify(parts));
      gap += pi0[seqIndex(x0, V)] * (bound - nll);
    }
    meanGap[name] = gap;
  };
  for (const abB of [0.5, 0.9, 0.98]) check(`matched, ᾱ_b = ${abB}`, matchedToy(new ChainedSchedule(makeHybridChainConfig({ alphaBarAtB: abB })), pi0));
  check(
    "mismatched, ᾱ_b = 0.5",
    new ToyModel(
      new ChainedSchedule(makeHybridChainConfig({ alphaBarAtB: 0.5 })),
      norm(allSequences(V, L).map((x) => 1 + 2 * x[1])),
      norm(allSequences(S, L).map((x) => 1 + (x[0] === M ? 1 : 0) + x[1])),
      [0.25, 0.2, 0.2, 0.35],
      [0.3, 0.2, 0.2, 0.3],
      0.3,
    ),
  );
  const g = (k: string) => meanGap[k];
  const report = JSON.stringify(meanGap);
  // The gap comes from the b boundary (p(z_b | x_b) is one Gaussian, q(z_b | x_b) a cell-restricted mixture): it
  // shrinks with the rounding noise and vanishes as rounding becomes exact; the matched model is tight there.
  assert.ok(g("matched, ᾱ_b = 0.5") > g("matched, ᾱ_b = 0.9") && g("matched, ᾱ_b = 0.9") > g("matched, ᾱ_b = 0.98"), report);
  assert.ok(g("matched, ᾱ_b = 0.98") < 1e-3, report);
  assert.ok(g("mismatched, ᾱ_b = 0.5") > g("matched, ᾱ_b = 0.5"), report);
});

test("degenerate case a = b, ᾱ_b → 1: C vanishes, x_b = x_a, the b term is 0, and the bound equals the pure MDLM bound", () => {
  const pa = 0.4;
  const ab = 1 - 1e-9;
  const config = makeHybridChainConfig({ split: { a: 0.5, b: 0.5 }, maskAtA: pa, alphaBarAtB: ab });
  const schedule = new ChainedSchedule(config);
  const { a, b } = config;
  // A fixed, non-Bayes masked-diffusion denoiser p^MD(v | x_u, u): random logits per (state, position), linear in u.
  const rng = new SeededRng(31);
  const A = Array.from({ length: S ** L * L * V }, () => 1.5 * rng.normal());
  const Bu = Array.from({ length: S ** L * L * V }, () => rng.normal());
  const pMd = (xu: number[], u: number): number[][] =>
    xu.map((_, i) => {
      const base = (seqIndex(xu, S) * L + i) * V;
      const l = Array.from({ length: V }, (_, v) => A[base + v] + u * Bu[base + v]);
      const m = Math.max(...l);
      return norm(l.map((x) => Math.exp(x - m)));
    });
  const mu = (u: number) => (u <= a ? (pa * u) / a : pa + ((1 - pa) * (u - b)) / (1 - b));
  // The hybrid's D2 denoiser is the same model's implied prediction of x_a: (1 - π_u)·p^MD over V, π_u = p_a/μ(u) on m.
  const toy: ToyLike = {
    schedule,
    discreteLogits(tokens, u, segment) {
      const out = new Float32Array(u.length * L * S);
      for (let r = 0; r < u.length; r++) {
        const xu = Array.from({ length: L }, (_, i) => tokens[r * L + i]);
        const p = pMd(xu, u[r]);
        for (let i = 0; i < L; i++) {
          const row = segment === "D1" ? [...p[i], 0] : [...p[i].map((v) => (1 - pa / mu(u[r])) * v), pa / mu(u[r])];
          out.set(toLogits(row, S), (r * L + i) * S);
        }
      }
      return out;
    },
    continuousLogits(z, u) {
      const out = new Float32Array(u.length * S);
      for (let n = 0; n < u.length; n++) out.set(toLogits(gaussianPosterior([z[2 * n], z[2 * n + 1]], ab, [0.25, 0.25, 0.25, 0.25]), S), n * S);
      return out;
    },
  };
  // Pure MDLM bound of p^MD under μ(u), by enumeration over mask patterns and Gauss-Legendre on each linear piece.
  const mdSchedule: Schedule = {
    name: "piecewise-linear",
    alpha: (t) => 1 - mu(t),
    alphaPrime: (t) => -(t <= a ? pa / a : (1 - pa) / (1 - b)),
    alphaTensor: () => {
      throw new Error("unused");
    },
    alphaPrimeTensor: () => {
      throw new Error("unused");
    },
  };
  const mdBound = (x0: number[]) => {
    let total = 0;
    for (const [lo, hi] of [[0, a], [a, 1]]) {
      const g = gaussLegendre(24, lo, hi);
      const rows: { xu: number[]; u: number; w: number }[] = [];
      g.x.forEach((u, q) => {
        for (let bits = 0; bits < 1 << L; bits++) {
          const masked = Array.from({ length: L }, (_, i) => ((bits >> i) & 1) === 1);
          const p = masked.reduce((acc, m) => acc * (m ? mu(u) : 1 - mu(u)), 1);
          rows.push({ xu: x0.map((v, i) => (masked[i] ? M : v)), u, w: g.w[q] * p });
        }
      });
      const n = rows.length;
      const logits = new Float32Array(n * L * S);
      rows.forEach((r, k) => pMd(r.xu, r.u).forEach((p, i) => logits.set(toLogits([...p, 0], S), (k * L + i) * S)));
      const per = tf.tidy(() => {
        const res = mdlmLoss(tf.tensor3d(logits, [n, L, S]), tf.tensor2d(rows.flatMap(() => x0), [n, L], "int32"), tf.tensor2d(rows.flatMap((r) => r.xu), [n, L], "int32"), tf.tensor1d(rows.map((r) => r.u)), { schedule: mdSchedule, vocabSize: V });
        return tf.sum(res.elboPerToken, -1).arraySync() as number[];
      });
      total += rows.reduce((acc, r, k) => acc + r.w * per[k], 0);
    }
    return total;
  };
  const { R, T } = roundingTables(ab, 2000);
  for (let k = 0; k < S; k++) {
    assert.ok(Math.abs(R[k][k] - 1) < 1e-9, "x_b = x_a");
    for (let j = 0; j < S; j++) assert.ok(Math.abs(T[k][j]) < 1e-9, "b term 0");
  }
  for (const x0 of allSequences(V, L)) {
    const parts = quadratureParts(toy, x0, "ctmc");
    assert.equal(parts.continuous, 0);
    assert.ok(Math.abs(parts.boundaryB) < 1e-9 && Math.abs(parts.decoderA) < 1e-6, JSON.stringify(parts));
    const hybrid = CHAIN_BOUND_PARTS.reduce((acc, k) => acc + parts[k], 0);
    const md = mdBound(x0);
    assert.ok(Math.abs(hybrid - md) < 1e-6 * Math.max(1, md), `x0=${x0}: hybrid ${hybrid} vs pure MDLM ${md} (parts ${JSON.stringify(parts)})`);
    // The spec's literal cross-entropy D2 form is a strictly looser bound here.
    const ce = quadratureParts(toy, x0, "crossEntropy");
    assert.ok(ce.d2 - parts.d2 > 1e-2, `crossEntropy d2 ${ce.d2} vs ctmc ${parts.d2}`);
  }
});
