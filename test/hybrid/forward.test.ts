// Tests of the chained forward process (hybrid.md §1 and "What to test: Chain"): D1's mask rate at u and at a
// (binomial, 4σ), nesting of the masks, z_u's mean and variance (Monte Carlo, 4σ), rounding of noiseless
// embeddings (mask row included), the rounding accuracy falling with ᾱ_b, D2's mask rate on x_b, padding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { makeHybridChainConfig } from "../../src/hybrid/config";
import { ChainedSchedule } from "../../src/hybrid/time";
import { embeddingTable, noisyEmbeddings } from "../../src/hybrid/embeddings";
import { roundToEmbeddings, roundingAccuracy } from "../../src/hybrid/rounding";
import { rowsBySegment, sampleChain, selectRows, stratifiedTimes, tokenMarginal } from "../../src/hybrid/forward";

const V = 3;
// Three tokens on a circle of radius 1.2 and the mask row at the origin (d = 2).
const emb = embeddingTable([1.2, 0, -0.6, 1.04, -0.6, -1.04, 0, 0], 2);

/** |observed - expected| <= 4 binomial SDs of a proportion over n trials. */
function binomial(count: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt((p * (1 - p)) / n);
  const obs = count / n;
  assert.ok(Math.abs(obs - p) <= 4 * sd + 1e-12, `${what}: ${obs} vs ${p} (4σ = ${4 * sd})`);
}

function cleanTokens(B: number, L: number, seed: number): Int32Array {
  const rng = new SeededRng(seed);
  return Int32Array.from({ length: B * L }, () => rng.int(V));
}

test("rounding a noiseless embedding returns its id, the mask row included, at any ᾱ", () => {
  for (const ab of [1, 0.5, 0.01]) {
    const ids = [0, 1, 2, 3, 3, 1];
    const z = noisyEmbeddings(emb, ids, ab, new Float64Array(ids.length * 2));
    assert.deepEqual(Array.from(roundToEmbeddings(emb, z, ab)), ids);
  }
  const rng = new SeededRng(3);
  const big = embeddingTable(Array.from({ length: 8 * 5 }, () => rng.normal()), 5);
  const all = [0, 1, 2, 3, 4, 5, 6, 7];
  assert.deepEqual(Array.from(roundToEmbeddings(big, noisyEmbeddings(big, all, 0.3, new Float64Array(40)), 0.3)), all);
  // A point nearer the mask row than any token rounds to m.
  assert.deepEqual(Array.from(roundToEmbeddings(emb, [0.2, 0.1], 1)), [3]);
  assert.equal(roundingAccuracy([0, 1, 3, 2], [0, 2, 3, 1], [1, 1, 1, 0]), 2 / 3);
});

test("D1: x_u masks μ₁(u) of the tokens, x_a masks p_a, and x_u's mask is nested in x_a's (binomial, 4σ)", () => {
  const config = makeHybridChainConfig({ maskAtA: 0.6 });
  const s = new ChainedSchedule(config);
  const B = 500;
  const L = 16;
  const x0 = cleanTokens(B, L, 1);
  for (const u of [0.05, 0.2, 0.34]) {
    const draw = sampleChain(s, emb, { x0, batch: B, length: L, u: new Float64Array(B).fill(u), seed: 11 });
    let mu = 0;
    let ma = 0;
    for (let i = 0; i < B * L; i++) {
      if (draw.xu[i] === V) {
        mu++;
        assert.equal(draw.xa[i], V, "nested masks");
      } else assert.equal(draw.xu[i], x0[i]);
      if (draw.xa[i] === V) ma++;
      else assert.equal(draw.xa[i], x0[i]);
    }
    binomial(mu, B * L, s.maskD1(u), `μ₁(${u})`);
    binomial(ma, B * L, 0.6, "p_a");
    assert.ok(draw.segment.every((g) => g === "D1"));
  }
  // Default p_a = a: the D1 marginal at a masks a of the tokens.
  const d = new ChainedSchedule(makeHybridChainConfig());
  const draw = sampleChain(d, emb, { x0, batch: B, length: L, u: new Float64Array(B).fill(0.5), seed: 12 });
  binomial(draw.xa.reduce((n, v) => n + (v === V ? 1 : 0), 0), B * L, 0.35, "p_a = a");
});

test("C: z_u has mean √ᾱ(u)·Emb(x_a) and variance 1 - ᾱ(u); z_a and z_b likewise; the path is Markov (Monte Carlo, 4σ)", () => {
  const s = new ChainedSchedule(makeHybridChainConfig());
  const B = 2000;
  const L = 8;
  const x0 = cleanTokens(B, L, 2);
  const u = 0.55;
  const draw = sampleChain(s, emb, { x0, batch: B, length: L, u: new Float64Array(B).fill(u), seed: 5 });
  assert.ok(draw.segment.every((g) => g === "C"));
  const check = (z: Float64Array, ab: number, what: string) => {
    for (let k = 0; k <= V; k++) {
      for (let j = 0; j < 2; j++) {
        let n = 0;
        let m1 = 0;
        let m2 = 0;
        for (let i = 0; i < B * L; i++) {
          if (draw.xa[i] !== k) continue;
          const r = z[i * 2 + j] - Math.sqrt(ab) * emb.data[k * 2 + j];
          n++;
          m1 += r;
          m2 += r * r;
        }
        const mean = m1 / n;
        const v = m2 / n - mean * mean;
        const want = 1 - ab;
        assert.ok(Math.abs(mean) <= 4 * Math.sqrt(want / n), `${what} mean (row ${k}, dim ${j}): ${mean}`);
        assert.ok(Math.abs(v - want) <= 4 * want * Math.sqrt(2 / n), `${what} variance (row ${k}, dim ${j}): ${v} vs ${want}`);
      }
    }
  };
  check(draw.zu, s.alphaBar(u), "z_u");
  check(draw.za, s.alphaBarAtA, "z_a");
  check(draw.zb, 0.5, "z_b");
  // Markov path: Cov(z_u, z_b | x_a) = √(ᾱ_b/ᾱ_u)·(1 - ᾱ_u); the noises rebuild the states exactly.
  const abU = s.alphaBar(u);
  let c = 0;
  const n = B * L * 2;
  for (let i = 0; i < n; i++) {
    const e = emb.data[draw.xa[i >> 1] * 2 + (i & 1)];
    c += (draw.zu[i] - Math.sqrt(abU) * e) * (draw.zb[i] - Math.sqrt(0.5) * e);
    assert.ok(Math.abs(draw.zb[i] - (Math.sqrt(0.5) * e + Math.sqrt(0.5) * draw.noiseB[i])) < 1e-12);
    assert.ok(Math.abs(draw.zu[i] - (Math.sqrt(abU) * e + Math.sqrt(1 - abU) * draw.noiseU[i])) < 1e-12);
  }
  const want = Math.sqrt(0.5 / abU) * (1 - abU);
  // Var of a product of two correlated normals: s_u² s_b² + c²; 4σ of the mean.
  const sd = Math.sqrt(((1 - abU) * 0.5 + want * want) / n);
  assert.ok(Math.abs(c / n - want) <= 4 * sd, `Cov(z_u, z_b): ${c / n} vs ${want}`);
  assert.deepEqual(Array.from(draw.xb), Array.from(roundToEmbeddings(emb, draw.zb, 0.5)));
});

test("the measured rounding accuracy at b falls as ᾱ_b falls", () => {
  const B = 1000;
  const L = 8;
  const x0 = cleanTokens(B, L, 4);
  const acc: number[] = [];
  for (const abB of [0.95, 0.8, 0.5, 0.3, 0.1]) {
    const s = new ChainedSchedule(makeHybridChainConfig({ alphaBarAtB: abB }));
    const draw = sampleChain(s, emb, { x0, batch: B, length: L, u: new Float64Array(B).fill(0.9), seed: 8 });
    acc.push(roundingAccuracy(draw.xa, draw.xb));
  }
  const n = B * L;
  for (let i = 1; i < acc.length; i++) {
    const sd = Math.sqrt((acc[i] * (1 - acc[i]) + acc[i - 1] * (1 - acc[i - 1])) / n);
    assert.ok(acc[i - 1] - acc[i] > 4 * sd, `accuracy must fall: ${acc.join(", ")}`);
  }
  assert.ok(acc[0] > 0.99 && acc[4] < 0.6, acc.join(", "));
});

test("D2: x_u masks (u - b)/(1 - b) of x_b's tokens, keeps x_b's m, copies the rest (binomial, 4σ); exact marginal agrees", () => {
  const s = new ChainedSchedule(makeHybridChainConfig());
  const B = 800;
  const L = 10;
  const x0 = new Int32Array(B * L); // every clean token is 0
  for (const u of [0.8, 0.9, 0.99]) {
    const draw = sampleChain(s, emb, { x0, batch: B, length: L, u: new Float64Array(B).fill(u), seed: 21 });
    let n = 0;
    let m = 0;
    const counts = new Float64Array(V + 1);
    for (let i = 0; i < B * L; i++) {
      counts[draw.xu[i]]++;
      if (draw.xb[i] === V) {
        assert.equal(draw.xu[i], V);
        continue;
      }
      n++;
      if (draw.xu[i] === V) m++;
      else assert.equal(draw.xu[i], draw.xb[i]);
    }
    binomial(m, n, s.maskD2(u), `μ₂(${u})`);
    // tokenMarginal with the empirical rounding rows reproduces the empirical state frequencies.
    const R = Array.from({ length: V + 1 }, () => new Float64Array(V + 1));
    const rowN = new Float64Array(V + 1);
    for (let i = 0; i < B * L; i++) {
      R[draw.xa[i]][draw.xb[i]]++;
      rowN[draw.xa[i]]++;
    }
    for (let k = 0; k <= V; k++) for (let j = 0; j <= V; j++) R[k][j] = rowN[k] > 0 ? R[k][j] / rowN[k] : 0;
    const p = tokenMarginal(s, 0, u, V, R);
    for (let j = 0; j <= V; j++) binomial(counts[j], B * L, p[j], `marginal of state ${j} at u = ${u}`);
  }
});

test("padding positions are copied and never noised; stratified times hit one stratum each", () => {
  const s = new ChainedSchedule(makeHybridChainConfig());
  const x0 = Int32Array.from([0, 1, 2, -1, 2, 1, -1, -1]);
  const pad = [1, 1, 1, 0, 1, 1, 0, 0];
  const draw = sampleChain(s, emb, { x0, batch: 2, length: 4, u: [0.2, 0.99], padMask: pad, seed: 2 });
  for (const i of [3, 6, 7]) {
    assert.equal(draw.xa[i], -1);
    assert.equal(draw.xb[i], -1);
    assert.equal(draw.xu[i], -1);
    assert.equal(draw.zb[2 * i], 0);
  }
  assert.throws(() => sampleChain(s, emb, { x0: [0, 5], batch: 1, length: 2, u: [0.5] }), /x0\[1\] = 5/);
  const by = rowsBySegment(draw);
  assert.deepEqual(by, { D1: [0], C: [], D2: [1] });
  assert.deepEqual(Array.from(selectRows(draw.xu, [1, 0], 4)), [...Array.from(draw.xu.subarray(4, 8)), ...Array.from(draw.xu.subarray(0, 4))]);
  assert.ok(selectRows(draw.zb, [1], 8) instanceof Float64Array);
  assert.throws(() => selectRows(draw.xu, [2], 4), /row 2 is outside/);
  const t = stratifiedTimes(64, 9);
  const seen = new Set(Array.from(t, (v) => Math.floor(v * 64)));
  assert.equal(seen.size, 64);
});
