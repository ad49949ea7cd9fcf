// Tests of the chained hybrid's reverse sampler (hybrid.md §3; "What to test: Sampling" and "Information flows"):
// no m in the output, each segment runs its configured steps, onStep sees the state crossing both boundaries,
// x̂_a has about p_a masks under a matched toy, and information passes through both boundaries.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { makeHybridChainConfig } from "../../src/hybrid/config";
import { ChainedSchedule } from "../../src/hybrid/time";
import { HybridDenoiser, HybridStepEvent, sampleHybrid } from "../../src/hybrid/sampler";
import { D, EMB, L, M, S, ToyModel, V, allSequences, gaussianPosterior, toLogits } from "./toy";

before(async () => {
  await initEngine();
});

const norm = (p: number[]) => {
  const t = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / t);
};

/** The product prior over (V ∪ {m})^L of a per-position law. */
const product = (p: number[]) => allSequences(S, L).map((x) => x.reduce((a, k) => a * p[k], 1));

/** Counts denoiser calls per kind. */
function counting(inner: HybridDenoiser): { denoiser: HybridDenoiser; calls: Record<string, number> } {
  const calls: Record<string, number> = { D1: 0, D2: 0, continuous: 0 };
  return {
    calls,
    denoiser: {
      discrete: (x, u, seg) => {
        calls[seg]++;
        return inner.discrete(x, u, seg);
      },
      continuous: (z, u) => {
        calls.continuous++;
        return inner.continuous(z, u);
      },
    },
  };
}

test("output has no m; each segment runs its configured steps; onStep sees every step and both boundaries", () => {
  for (const steps of [{ D1: 5, C: 7, D2: 3 }, { D1: 1, C: 1, D2: 1 }]) {
    const config = makeHybridChainConfig({ steps });
    const s = new ChainedSchedule(config);
    const pC = [0.3, 0.2, 0.15, 0.35];
    const toy = new ToyModel(s, norm(allSequences(V, L).map(() => 1)), product(pC), pC, pC, 1 - s.alphaBarAtA);
    const { denoiser, calls } = counting(toy.denoiser());
    const events: HybridStepEvent[] = [];
    const B = 64;
    const out = sampleHybrid(config, EMB, denoiser, { batch: B, length: L, seed: 3, onStep: (e) => events.push(e) });
    assert.ok(out.tokens.every((v) => v >= 0 && v < V), "no m in the output");
    assert.deepEqual(out.stepsRun, steps);
    assert.deepEqual(calls, { D1: steps.D1, D2: steps.D2, continuous: steps.C + 1 });
    const phases = events.map((e) => e.phase);
    const count = (p: string) => phases.filter((x) => x === p).length;
    assert.equal(count("D2"), steps.D2 + 1);
    assert.equal(count("C"), steps.C + 1);
    assert.equal(count("D1"), steps.D1 + 1);
    assert.equal(count("b"), 1);
    assert.equal(count("a"), 1);
    // In order: D2 ..., b, C ..., a, D1 ...; u never increases, from 1 to 0.
    assert.deepEqual([...new Set(phases)], ["D2", "b", "C", "a", "D1"]);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].u <= events[i - 1].u + 1e-15);
    assert.equal(events[0].u, 1);
    assert.equal(events[events.length - 1].u, 0);
    assert.ok(events[0].tokens!.every((v) => v === M), "D2 starts from all m");
    const b = events.find((e) => e.phase === "b")!;
    const a = events.find((e) => e.phase === "a")!;
    assert.deepEqual(Array.from(b.tokens!), Array.from(out.xb));
    assert.deepEqual(Array.from(b.z!), Array.from(out.zb));
    assert.deepEqual(Array.from(a.tokens!), Array.from(out.xa));
    assert.deepEqual(Array.from(a.z!), Array.from(out.za));
    assert.deepEqual(Array.from(events[events.length - 1].tokens!), Array.from(out.tokens));
    // D1 keeps every token of x̂_a and fills its masks.
    for (let i = 0; i < B * L; i++) if (out.xa[i] !== M) assert.equal(out.tokens[i], out.xa[i]);
  }
});

test("x̂_a carries about p_a masks under a toy matched to the chain (4σ plus a C-discretisation allowance of 0.02)", (t) => {
  for (const pa of [0.35, 0.6]) {
    const config = makeHybridChainConfig({ maskAtA: pa, steps: { D1: 4, C: 64, D2: 8 } });
    const s = new ChainedSchedule(config);
    // x_a's per-position law: tokens (1 - p_a)·(0.5, 0.3, 0.2), m with p_a; D2 draws x_b from it, C and the decoder
    // are the exact Bayes posteriors of that mixture, so z_a (and then x̂_a) keep its law up to C's step size.
    const pC = [0.5 * (1 - pa), 0.3 * (1 - pa), 0.2 * (1 - pa), pa];
    const toy = new ToyModel(s, norm(allSequences(V, L).map(() => 1)), product(pC), pC, pC, 1 - s.alphaBarAtA);
    const B = 2000;
    const out = sampleHybrid(config, EMB, toy.denoiser(), { batch: B, length: L, seed: 17 });
    const n = B * L;
    const xbM = out.xb.reduce((a, v) => a + (v === M ? 1 : 0), 0) / n;
    const xaM = out.xa.reduce((a, v) => a + (v === M ? 1 : 0), 0) / n;
    const sd = Math.sqrt((pa * (1 - pa)) / n);
    t.diagnostic(`p_a = ${pa}: m fraction at x̂_b ${xbM.toFixed(4)}, at x̂_a ${xaM.toFixed(4)} (4σ = ${(4 * sd).toFixed(4)})`);
    assert.ok(Math.abs(xbM - pa) <= 4 * sd, `x̂_b masks ${xbM} vs ${pa}`);
    assert.ok(Math.abs(xaM - pa) <= 4 * sd + 0.02, `x̂_a masks ${xaM} vs ${pa}`);
    assert.ok(out.tokens.every((v) => v < V));
  }
});

/** D2 emits token `k` everywhere; C, the decoder and D1 know nothing (uniform priors). */
function constantD2(s: ChainedSchedule, k: number): HybridDenoiser {
  const flat = [0.25, 0.25, 0.25, 0.25];
  return {
    discrete: (x, u, seg) => {
      const [B] = x.shape;
      const row = seg === "D2" ? toLogits(Array.from({ length: S }, (_, j) => (j === k ? 1 : 0)), S) : [0, 0, 0, -1e4];
      return tf.tensor3d(Float32Array.from({ length: B * L * S }, (_, q) => row[q % S]), [B, L, S]);
    },
    continuous: (z, u) => {
      const [B] = z.shape;
      const zs = z.dataSync();
      const uu = u.dataSync();
      const out = new Float32Array(B * L * S);
      for (let n = 0; n < B * L; n++) {
        const un = uu[Math.floor(n / L)];
        const ab = un <= s.a ? s.alphaBarAtA : s.alphaBar(un);
        out.set(toLogits(gaussianPosterior([zs[n * D], zs[n * D + 1]], ab, flat), S), n * S);
      }
      return tf.tensor3d(out, [B, L, S]);
    },
  };
}

test("information passes through both boundaries: changing x̂_b changes the final tokens' distribution", (t) => {
  const config = makeHybridChainConfig({ steps: { D1: 4, C: 16, D2: 2 } });
  const s = new ChainedSchedule(config);
  const B = 600;
  const n = B * L;
  const share: number[][] = [];
  for (const k of [0, 1]) {
    const out = sampleHybrid(config, EMB, constantD2(s, k), { batch: B, length: L, seed: 5 });
    assert.ok(out.xb.every((v) => v === k));
    const counts = [0, 1, 2].map((v) => out.tokens.reduce((a, x) => a + (x === v ? 1 : 0), 0) / n);
    share.push(counts);
    // Fraction of final tokens equal to x̂_a's tokens (over x̂_a's unmasked positions): D1 never rewrites them.
    let kept = 0;
    let un = 0;
    for (let i = 0; i < n; i++) {
      if (out.xa[i] === M) continue;
      un++;
      if (out.tokens[i] === out.xa[i]) kept++;
    }
    t.diagnostic(`x̂_b = ${k} everywhere: final token shares ${counts.map((c) => c.toFixed(3)).join(", ")}; final = x̂_a on ${un} unmasked positions: ${(kept / un).toFixed(3)}`);
    assert.equal(kept, un);
  }
  // Uninformed C, decoder and D1 would give 1/3 each: the token fed in at b dominates the output after C and D1.
  for (const k of [0, 1]) {
    const p = share[k][k];
    assert.ok(p - 1 / 3 > 4 * Math.sqrt((1 / 9) * 2 / n), `share of token ${k} after x̂_b = ${k}: ${p}`);
    const q = share[1 - k][k];
    assert.ok(p - q > 4 * Math.sqrt((p * (1 - p) + q * (1 - q)) / n), `token ${k}: ${p} vs ${q}`);
  }
});

test("edge configs: a = b (C empty, z_a = z_b), a = 0 (D1 empty, decoder over V only); bad input is named", () => {
  const pC = [0.3, 0.3, 0.2, 0.2];
  const mk = (opts: Parameters<typeof makeHybridChainConfig>[0]) => {
    const config = makeHybridChainConfig(opts);
    const s = new ChainedSchedule(config);
    return { config, toy: new ToyModel(s, norm(allSequences(V, L).map(() => 1)), product(pC), pC, pC, 0.05) };
  };
  const e = mk({ split: { a: 0.5, b: 0.5 }, alphaBarAtB: 0.9, steps: { D1: 3, D2: 3 } });
  const r1 = sampleHybrid(e.config, EMB, e.toy.denoiser(), { batch: 16, length: L, seed: 1 });
  assert.deepEqual(r1.stepsRun, { D1: 3, C: 0, D2: 3 });
  assert.deepEqual(Array.from(r1.za), Array.from(r1.zb));
  assert.ok(r1.tokens.every((v) => v < V));
  const z = mk({ split: { a: 0, b: 0.5 }, steps: { C: 4, D2: 3 } });
  const r2 = sampleHybrid(z.config, EMB, z.toy.denoiser(), { batch: 64, length: L, seed: 2, decodeAtA: "argmax" });
  assert.equal(r2.stepsRun.D1, 0);
  assert.ok(r2.tokens.every((v) => v < V), "a = 0: the decoder's output is final and has no m");
  const c = mk({ steps: { D1: 2, C: 3, D2: 2 }, clamp: true });
  const r3 = sampleHybrid(c.config, EMB, c.toy.denoiser(), { batch: 8, length: L, seed: 3 });
  assert.ok(r3.tokens.every((v) => v < V));
  assert.throws(() => sampleHybrid(makeHybridChainConfig({ chain: "independent" }), EMB, c.toy.denoiser(), { batch: 1, length: L }), /chained process/);
  const bad: HybridDenoiser = { discrete: () => tf.zeros([1, L, 2]) as tf.Tensor3D, continuous: () => tf.zeros([1, L, S]) as tf.Tensor3D };
  assert.throws(() => sampleHybrid(c.config, EMB, bad, { batch: 1, length: L }), /denoiser\.discrete \(D2\) must return logits \[1, 2, >= 4\]/);
  assert.throws(() => sampleHybrid(c.config, EMB, c.toy.denoiser(), { batch: 0, length: L }), /batch/);
});
