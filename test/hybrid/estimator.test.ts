// The uniform-u estimator of hybrid.md §2 is unbiased for the §4 integrals: on the toy with a fixed model, Monte
// Carlo over (u ~ U(0, 1), the forward chain) of [u in segment]·ℓ_segment(u), and of the two boundary terms,
// agrees with quadrature/enumeration of the same parts within 4 standard errors.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { makeHybridChainConfig } from "../../src/hybrid/config";
import { ChainedSchedule } from "../../src/hybrid/time";
import { rowsBySegment, sampleChain, selectRows } from "../../src/hybrid/forward";
import { roundingAccuracy } from "../../src/hybrid/rounding";
import { continuousIntegrand, d1Integrand, d2Integrand } from "../../src/hybrid/integrands";
import { CHAIN_BOUND_PARTS, ChainBoundAccumulator, ChainBoundParts, boundaryBTerm, decoderTerm } from "../../src/hybrid/bound";
import { D, EMB, L, M, S, ToyModel, V, allSequences } from "./toy";
import { quadratureParts } from "./toy-bound";

before(async () => {
  await initEngine();
});

const norm = (p: number[]) => {
  const t = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / t);
};

test("uniform-u Monte Carlo of every part matches quadrature within 4σ (a = 0.35, b = 0.75, ᾱ_b = 0.5)", (t) => {
  const schedule = new ChainedSchedule(makeHybridChainConfig({ alphaBarAtB: 0.5 }));
  const model = new ToyModel(
    schedule,
    norm(allSequences(V, L).map((x) => 1 + x[0] + 2 * (x[0] === x[1] ? 1 : 0))),
    norm(allSequences(S, L).map((x) => 1 + (x[0] === M ? 1 : 0) + x[1])),
    [0.3, 0.25, 0.2, 0.25],
    [0.3, 0.2, 0.2, 0.3],
    0.3,
  );
  const x0 = [0, 2];
  const exact = quadratureParts(model, x0);
  const N = 30000;
  const rng = new SeededRng(2024);
  const u = Float64Array.from({ length: N }, () => rng.uniformOpen());
  const draw = sampleChain(schedule, EMB, { x0: Int32Array.from({ length: N * L }, (_, i) => x0[i % L]), batch: N, length: L, u, seed: rng });
  const contrib: Record<keyof ChainBoundParts, Float64Array> = {
    d1: new Float64Array(N),
    maskEntropy: new Float64Array(N),
    decoderA: new Float64Array(N),
    continuous: new Float64Array(N),
    boundaryB: new Float64Array(N),
    d2: new Float64Array(N),
  };
  const bySeg = rowsBySegment(draw);
  const rowsOf = (seg: "D1" | "C" | "D2") => bySeg[seg];
  const pick = <T extends Int32Array | Float64Array>(arr: T, rows: number[], width: number) => selectRows(arr, rows, width);
  const x0Rows = Int32Array.from({ length: N * L }, (_, i) => x0[i % L]);
  tf.tidy(() => {
    const d1Rows = rowsOf("D1");
    const d1u = d1Rows.map((n) => u[n]);
    const d1xu = pick(draw.xu, d1Rows, L);
    const v1 = d1Integrand(schedule, V, {
      logits: tf.tensor3d(model.discreteLogits(d1xu, d1u, "D1"), [d1Rows.length, L, S]),
      target: tf.tensor2d(pick(x0Rows, d1Rows, L), [d1Rows.length, L], "int32"),
      xu: tf.tensor2d(d1xu, [d1Rows.length, L], "int32"),
      u: d1u,
    }).dataSync();
    d1Rows.forEach((n, k) => (contrib.d1[n] = v1[k]));
    const cRows = rowsOf("C");
    const cu = cRows.map((n) => u[n]);
    const zu = pick(draw.zu, cRows, L * D);
    const vc = continuousIntegrand(schedule, {
      logits: tf.tensor3d(model.continuousLogits(zu, Float64Array.from({ length: cRows.length * L }, (_, k) => cu[Math.floor(k / L)])), [cRows.length, L, S]),
      xa: tf.tensor2d(pick(draw.xa, cRows, L), [cRows.length, L], "int32"),
      emb: tf.tensor2d(Float32Array.from(EMB.data), [S, D]),
      u: cu,
    }).dataSync();
    cRows.forEach((n, k) => (contrib.continuous[n] = vc[k]));
    const d2Rows = rowsOf("D2");
    const d2u = d2Rows.map((n) => u[n]);
    const d2xu = pick(draw.xu, d2Rows, L);
    const v2 = d2Integrand(schedule, V, {
      logits: tf.tensor3d(model.discreteLogits(d2xu, d2u, "D2"), [d2Rows.length, L, S]),
      target: tf.tensor2d(pick(draw.xb, d2Rows, L), [d2Rows.length, L], "int32"),
      xu: tf.tensor2d(d2xu, [d2Rows.length, L], "int32"),
      u: d2u,
    }).dataSync();
    d2Rows.forEach((n, k) => (contrib.d2[n] = v2[k]));
    const dec = decoderTerm(tf.tensor3d(model.continuousLogits(draw.za, new Float64Array(N * L).fill(schedule.a)), [N, L, S]), tf.tensor2d(draw.xa, [N, L], "int32")).dataSync();
    const bt = boundaryBTerm(tf.tensor2d(Float32Array.from(EMB.data), [S, D]), tf.tensor2d(draw.xa, [N, L], "int32"), tf.tensor2d(draw.xb, [N, L], "int32"), tf.tensor3d(Float32Array.from(draw.noiseB), [N, L, D]), 0.5).dataSync();
    contrib.decoderA.set(dec);
    contrib.boundaryB.set(bt);
  });
  contrib.maskEntropy.fill(exact.maskEntropy);
  const acc = new ChainBoundAccumulator(schedule.config.maskAtA);
  for (let n = 0; n < N; n++) {
    const seg = draw.segment[n];
    let same = 0;
    for (let l = 0; l < L; l++) if (draw.xa[n * L + l] === draw.xb[n * L + l]) same++;
    acc.add({ segment: seg, integrand: seg === "D1" ? contrib.d1[n] : seg === "C" ? contrib.continuous[n] : contrib.d2[n], decoderA: contrib.decoderA[n], boundaryB: contrib.boundaryB[n], tokens: L, roundingMatches: same });
  }
  const res = acc.result();
  assert.equal(res.roundingAccuracy, roundingAccuracy(draw.xa, draw.xb));
  const lines: string[] = [];
  let totalExact = 0;
  for (const k of CHAIN_BOUND_PARTS) {
    const c = contrib[k];
    const mean = c.reduce((a, v) => a + v, 0) / N;
    const sd = Math.sqrt(c.reduce((a, v) => a + (v - mean) ** 2, 0) / (N - 1));
    const se = sd / Math.sqrt(N);
    lines.push(`${k}: MC ${mean.toFixed(4)} ± ${se.toFixed(4)} vs quadrature ${exact[k].toFixed(4)}`);
    assert.ok(Math.abs(mean - exact[k]) <= 4 * se + 1e-9, lines.join("; "));
    // The accumulator reports the same numbers per token.
    assert.ok(Math.abs(res.parts[k] * L - mean) < 1e-9 * Math.max(1, Math.abs(mean)), `accumulator ${k}`);
    totalExact += exact[k];
  }
  t.diagnostic(lines.join("; "));
  assert.ok(Math.abs(res.natsPerToken * L - totalExact) <= 4 * res.standardError * L, `total: ${res.natsPerToken * L} ± ${res.standardError * L} vs ${totalExact}; ${lines.join("; ")}`);
  // Every segment was visited in proportion to its length.
  for (const [seg, len] of [["D1", 0.35], ["C", 0.4], ["D2", 0.25]] as const) {
    const n = draw.segment.filter((s) => s === seg).length;
    assert.ok(Math.abs(n / N - len) <= 4 * Math.sqrt((len * (1 - len)) / N), `${seg} share ${n / N}`);
  }
});
