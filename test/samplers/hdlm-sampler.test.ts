// Tests of the HDLM ancestral sampler: one-step histograms against the exact step probabilities (hdlm.md §6 sanity
// values), the whole sampler against the toy data distribution and against its exact law by enumeration, carry-over,
// finals, temperature, min-p, ξ < 1 modes, the grid and the cache (determinism, prompts, real ids, tensor counts:
// test/contracts/sampler-contract.test.ts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { makeClusterLayout } from "../../src/processes/cluster-layout";
import { HdlmSampler, hdlmGrid } from "../../src/samplers/hdlm-sampler";
import { hdlmModelPosterior } from "../../src/samplers/posterior-hdlm";
import { SampleBatch } from "../../src/samplers/sampler";
import { TOY, TOY_DATA, chiSquare, constDenoiser, histogram, toyDenoiser, toyMarginals } from "./sampler-helpers";

before(async () => {
  await initEngine();
});

const schedule = new HierarchicalSchedule({ gamma: 1 });
const V = 3, W = 6, MASK = 3, C0 = 4, C1 = 5;
const XHAT = [0.5, 0.2, 0.3];

function filled(B: number, L: number, id: number): SampleBatch {
  return { batch: B, length: L, data: new Int32Array(B * L).fill(id) };
}

/** 4-sigma binomial check of a fraction. */
function fraction(count: number, N: number, p: number, what: string): void {
  const sd = Math.sqrt((p * (1 - p)) / N);
  assert.ok(Math.abs(count / N - p) <= 4 * sd + 1e-12, `${what}: ${count / N} vs ${p} (4 sd = ${4 * sd})`);
}

test("grid: N steps from ts_N to ts_0 then argmax; the reference loop has N-1 steps", () => {
  const g = hdlmGrid(4);
  assert.equal(g.pairs.length, 4);
  assert.ok(Math.abs(g.pairs[0][0] - (1 - 1e-4)) < 1e-12 && Math.abs(g.pairs[0][1] - (0.75 * (1 - 2e-4) + 1e-4)) < 1e-12);
  assert.ok(Math.abs(g.final - 1e-4) < 1e-15 && g.pairs[3][1] === g.final);
  const r = hdlmGrid(4, "reference");
  assert.equal(r.pairs.length, 3);
  assert.ok(Math.abs(r.start - (0.75 * (1 - 2e-4) + 1e-4)) < 1e-12);
  assert.throws(() => hdlmGrid(0), /steps must be a positive integer/);
  assert.throws(() => new HdlmSampler({ schedule, clusters: TOY, grid: "bogus" as "reference" }), /grid must be/);
  assert.throws(() => new HdlmSampler({ schedule, clusters: TOY, temperature: -1 }), /temperature must be/);
  assert.throws(() => new HdlmSampler({ schedule, clusters: TOY, xi: 1.5 }), /xi must be/);
});

test("one MASK step t=0.5 -> s=0.4 matches the exact step probabilities (chi-square) and the §6 sanity values", () => {
  const N = 20000;
  for (const rule of ["exact", "euler"] as const) {
    const sampler = new HdlmSampler({ schedule, clusters: TOY, rule });
    const out = sampler.step(constDenoiser(XHAT, W), filled(N / 4, 4, MASK), 0.5, 0.4, 11);
    const counts = histogram(out.data, W);
    const row = hdlmModelPosterior(schedule, TOY, XHAT, MASK, 0.5, 0.4, { rule });
    const chi = chiSquare(counts, row);
    assert.ok(chi.p > 1e-3, `${rule}: chi-square ${chi.stat} (df ${chi.df}), p = ${chi.p}`);
    const tok = counts[0] + counts[1] + counts[2];
    if (rule === "exact") {
      fraction(counts[MASK], N, 0.60944, "stay");
      fraction(counts[C0] + counts[C1], N, 0.33295, "-> cluster");
      fraction(tok, N, 0.05761, "-> token");
    } else {
      fraction(counts[C0] + counts[C1], N, 0.39056, "euler -> cluster");
      assert.equal(tok, 0, "euler never jumps MASK -> token");
    }
  }
});

test("one cluster step: token with prob 0.26303 (exact) / 0.28854 (euler), only within the cluster, ∝ x̂", () => {
  const N = 20000;
  for (const [rule, p] of [["exact", 0.26303], ["euler", 0.28854]] as const) {
    const sampler = new HdlmSampler({ schedule, clusters: TOY, rule });
    const out = sampler.step(constDenoiser(XHAT, W), filled(N / 4, 4, C0), 0.5, 0.4, 12);
    const counts = histogram(out.data, W);
    assert.equal(counts[2] + counts[MASK] + counts[C1], 0, "a cluster-0 position only stays or becomes a member of cluster 0");
    fraction(counts[0] + counts[1], N, p, `${rule} cluster -> token`);
    const chi = chiSquare(counts, hdlmModelPosterior(schedule, TOY, XHAT, C0, 0.5, 0.4, { rule }));
    assert.ok(chi.p > 1e-3, `${rule}: chi-square p = ${chi.p}`);
  }
});

/** Exact output law of the (position-factorised) sampler on the toy problem, by propagating all 36 joint states. */
function exactSamplerLaw(steps: number): number[] {
  const g = hdlmGrid(steps);
  let dist = new Float64Array(W * W);
  dist[MASK * W + MASK] = 1;
  const marg = (a: number, b: number, t: number) => toyMarginals(schedule, [a, b], Math.fround(t));
  for (const [t, s] of g.pairs) {
    const next = new Float64Array(W * W);
    for (let a = 0; a < W; a++) {
      for (let b = 0; b < W; b++) {
        const p = dist[a * W + b];
        if (p === 0) continue;
        const m = marg(a, b, t);
        const ra = hdlmModelPosterior(schedule, TOY, m[0], a, t, s);
        const rb = hdlmModelPosterior(schedule, TOY, m[1], b, t, s);
        for (let x = 0; x < W; x++) for (let y = 0; y < W; y++) next[x * W + y] += p * ra[x] * rb[y];
      }
    }
    dist = next;
  }
  const out = new Array(V * V).fill(0);
  const argmax = (r: Float64Array) => [0, 1, 2].reduce((k, v) => (r[v] > r[k] ? v : k), 0);
  for (let a = 0; a < W; a++) {
    for (let b = 0; b < W; b++) {
      const p = dist[a * W + b];
      if (p === 0) continue;
      const m = marg(a, b, g.final);
      out[argmax(hdlmModelPosterior(schedule, TOY, m[0], a, g.final, 0)) * V + argmax(hdlmModelPosterior(schedule, TOY, m[1], b, g.final, 0))] += p;
    }
  }
  return out;
}

function pairCounts(tokens: SampleBatch): number[] {
  const c = new Array(V * V).fill(0);
  for (let b = 0; b < tokens.batch; b++) c[tokens.data[2 * b] * V + tokens.data[2 * b + 1]]++;
  return c;
}

test("whole sampler with the true posterior reproduces the toy data distribution (chi-square, N = 48)", () => {
  const M = 3000;
  const sampler = new HdlmSampler({ schedule, clusters: TOY, steps: 48 });
  const r = sampler.sample(toyDenoiser(schedule), { batch: M, length: 2, seed: 2024 });
  const counts = pairCounts(r.tokens);
  const vsData = chiSquare(counts, TOY_DATA);
  assert.ok(vsData.p > 1e-3, `vs data: chi-square ${vsData.stat}, p = ${vsData.p}`);
  const vsExact = chiSquare(counts, exactSamplerLaw(48));
  assert.ok(vsExact.p > 1e-3, `vs exact law: chi-square ${vsExact.stat}, p = ${vsExact.p}`);
});

test("with N = 8 steps the sampler follows its exact law, which the test can tell apart from the data", () => {
  const M = 3000;
  const law = exactSamplerLaw(8);
  const tv = law.reduce((a, p, i) => a + Math.abs(p - TOY_DATA[i]), 0) / 2;
  assert.ok(tv > 0.05, `N = 8 is visibly biased (TV ${tv})`);
  const r = new HdlmSampler({ schedule, clusters: TOY, steps: 8 }).sample(toyDenoiser(schedule), { batch: M, length: 2, seed: 7 });
  const counts = pairCounts(r.tokens);
  assert.ok(chiSquare(counts, law).p > 1e-3, `vs exact N = 8 law: p = ${chiSquare(counts, law).p}`);
  assert.ok(chiSquare(counts, TOY_DATA).p < 1e-3, "the chi-square test has the power to reject the data law at N = 8");
});

test("carry-over: clean tokens never change (prompts, real ids, hook times: test/contracts/sampler-contract)", () => {
  const sampler = new HdlmSampler({ schedule, clusters: TOY, steps: 16 });
  const states: SampleBatch[] = [];
  const r = sampler.sample(toyDenoiser(schedule), { batch: 200, length: 2, seed: 5, prompt: [-1, 2], onStep: (_s, _t, z) => void states.push(z) });
  assert.equal(states.length, 16 + 2);
  for (let j = 1; j < states.length; j++) {
    for (let i = 0; i < 400; i++) {
      const prev = states[j - 1].data[i];
      if (prev < V) assert.equal(states[j].data[i], prev, `clean token changed at step ${j}, index ${i}`);
    }
  }
  assert.ok(states[0].data.every((v, i) => (i % 2 === 0 ? v === MASK : v === 2)));
  assert.equal(r.modelCalls, 17);
});

test("final argmax: a cluster position takes the argmax within its cluster, a MASK the argmax over all tokens", () => {
  const sampler = new HdlmSampler({ schedule, clusters: TOY });
  const state: SampleBatch = { batch: 1, length: 3, data: Int32Array.from([C0, MASK, C1]) };
  const out = sampler.denoiseFinal(constDenoiser([0.2, 0.1, 0.7], W), state, 1e-4);
  assert.deepEqual(Array.from(out.data), [0, 2, 2]);
  const out2 = sampler.denoiseFinal(constDenoiser([0.05, 0.15, 0.8], W), state, 1e-4);
  assert.deepEqual(Array.from(out2.data), [1, 2, 2]);
});

test("temperature: MASK -> token destinations follow x̂^{1/T}; T = 0 is greedy; min-p drops small tokens", () => {
  const N = 20000;
  // t close to 1 -> s = 0: every MASK becomes a token (maskToToken = 1).
  const T = 0.5;
  const sampler = new HdlmSampler({ schedule, clusters: TOY, temperature: T });
  const counts = histogram(sampler.step(constDenoiser(XHAT, W), filled(N / 4, 4, MASK), 0.5, 0, 3).data, W);
  const tempered = XHAT.map((p) => p ** (1 / T));
  const Z = tempered.reduce((a, b) => a + b, 0);
  const chi = chiSquare(counts, [...tempered.map((p) => p / Z), 0, 0, 0]);
  assert.ok(chi.p > 1e-3, `tempered chi-square p = ${chi.p}`);
  assert.ok(chiSquare(counts, [...XHAT, 0, 0, 0]).p < 1e-3, "the untempered law is rejected");
  const greedy = new HdlmSampler({ schedule, clusters: TOY, temperature: 0 }).step(constDenoiser(XHAT, W), filled(100, 4, MASK), 0.5, 0, 3);
  assert.ok(greedy.data.every((v) => v === 0));
  const minP = new HdlmSampler({ schedule, clusters: TOY, minP: 0.5 }).step(constDenoiser(XHAT, W), filled(1000, 4, MASK), 0.5, 0, 3);
  const c = histogram(minP.data, W);
  assert.equal(c[1], 0, "0.2 < 0.5 * 0.5 is dropped");
  assert.ok(c[0] > 0 && c[2] > 0);
});

test("xi < 1: 'model' draws x̃(.|k) and Q_θ (may leave the cluster); 'reference' stays within it", () => {
  const layout = makeClusterLayout([0, 0, 1, 1], 2); // V = 4, W = 7
  const xhat = [0.1, 0.2, 0.3, 0.4];
  const N = 20000;
  for (const mode of ["model", "reference"] as const) {
    const sampler = new HdlmSampler({ schedule, clusters: layout, xi: 0.8, perturbSampling: mode });
    for (const start of [4, 5]) {
      const out = sampler.step(constDenoiser(xhat, 7), filled(N / 4, 4, start), 0.5, 0.4, 21 + start);
      const counts = histogram(out.data, 7);
      const chi = chiSquare(counts, hdlmModelPosterior(schedule, layout, xhat, start, 0.5, 0.4, { xi: 0.8, perturbSampling: mode }));
      assert.ok(chi.p > 1e-3, `${mode} from ${start}: chi-square p = ${chi.p}`);
      if (start === 5 && mode === "reference") assert.equal(counts[2] + counts[3], 0, "reference: cluster 0 -> members only");
      if (start === 5 && mode === "model") assert.ok(counts[2] + counts[3] > 0, "model: a wrong cluster can be escaped");
    }
  }
});

test("reference grid: N model calls; cache only when enabled and nothing changed", () => {
  const calls = { n: 0 };
  const den = toyDenoiser(schedule, calls);
  const ref = new HdlmSampler({ schedule, clusters: TOY, steps: 8, grid: "reference" });
  const r = ref.sample(den, { batch: 10, length: 2, seed: 1 });
  assert.equal(r.steps, 7);
  assert.equal(r.modelCalls, 8);
  assert.equal(calls.n, 8);
  // Cache with a t-independent model: a call happens only after a step that changed something.
  const cached = new HdlmSampler({ schedule, clusters: TOY, steps: 40, cache: true });
  const states: SampleBatch[] = [];
  const cr = cached.sample(constDenoiser(XHAT, W), { batch: 1, length: 2, seed: 9, onStep: (_s, _t, z) => states.push(z) });
  let changes = 0;
  for (let j = 1; j <= 40; j++) if (states[j].data.some((v, i) => v !== states[j - 1].data[i])) changes++;
  assert.equal(cr.modelCalls, 1 + changes);
  assert.equal(cr.cacheHits, 41 - cr.modelCalls);
  assert.ok(cr.cacheHits > 0);
});

test("a denoiser of the wrong shape is named", () => {
  const s = new HdlmSampler({ schedule, clusters: TOY, steps: 6 });
  const bad = () => tf.zeros([1, 2, 2]) as tf.Tensor3D;
  assert.throws(() => s.sample(bad, { batch: 1, length: 2 }), /denoiser must return logits \[1, 2, W >= 3\]/);
});

test("clean guess: a cluster id counts as undecided and takes the argmax of x̂ over all tokens", () => {
  const sampler = new HdlmSampler({ schedule, clusters: TOY, steps: 4 });
  const seen: Array<[SampleBatch, SampleBatch]> = [];
  let prev: SampleBatch | null = null;
  sampler.sample(constDenoiser([0.2, 0.1, 0.7], W), {
    batch: 50,
    length: 2,
    seed: 3,
    onStep: (_j, _t, z, info) => {
      if (prev !== null && info?.cleanGuess) seen.push([prev, info.cleanGuess()]);
      prev = z;
    },
  });
  assert.equal(seen.length, 5);
  let clusters = 0;
  for (const [state, guess] of seen) {
    state.data.forEach((id, i) => {
      if (id > MASK) clusters++;
      assert.equal(guess.data[i], id < V ? id : 2, `guess at ${i} of state id ${id}`);
    });
  }
  assert.ok(clusters > 0, "some states held cluster ids");
});
