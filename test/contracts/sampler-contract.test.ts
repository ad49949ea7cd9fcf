// The sampler contract (issue 9 item 4, diffusers' pattern: one suite every sampler must pass), run over every
// sampler and setting: seeded determinism, prompt positions fixed in every state, only real ids in the output, the
// step hook's states and times, step() on a host state, a flat tensor count, and the exact sample distribution of
// a toy model by chi-square. Each toy model is the exact posterior of iid data with token law P (per position), so
// an exact reverse process samples P at every position whatever its step count; the pooled counts of all free
// positions are tested against P, and the test's power against a wrong law is checked too.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { GiddSchedule } from "../../src/schedules/gidd";
import { LogLinearSchedule } from "../../src/schedules/log-linear";
import { seddLogLinear, SigmaSchedule } from "../../src/schedules/sedd";
import { VpSchedule, discretiseBetas, gaussianProcessTable } from "../../src/schedules/diffusion-lm";
import { makeClusterLayout } from "../../src/processes/cluster-layout";
import { SeededRng } from "../../src/util/rng";
import { MdlmSampler } from "../../src/samplers/mdlm-sampler";
import { HdlmSampler } from "../../src/samplers/hdlm-sampler";
import { GiddSampler } from "../../src/samplers/gidd-sampler";
import { giddPosterior } from "../../src/samplers/gidd";
import { hdlmGrid } from "../../src/samplers/hdlm-sampler";
import { SeddSampler } from "../../src/samplers/sedd";
import { DiffusionLmSampler, EmbeddingDenoiser } from "../../src/samplers/diffusion-lm";
import type { Denoiser, SampleBatch, SampleResult, Sampler, SampleStepInfo } from "../../src/samplers/sampler";
import { chiSquare, constDenoiser } from "../samplers/sampler-helpers";

before(async () => {
  await initEngine();
});

const V = 4;
/** The iid token law of the toy data. */
const P = [0.45, 0.1, 0.3, 0.15];
const UNIFORM = [0.25, 0.25, 0.25, 0.25];

/** Exact posterior of iid data under GIDD's forward process: x̂(v | z) ∝ P(v) q_t(z | v) per position. */
function giddToy(schedule: GiddSchedule): Denoiser {
  return (tokens, t) => {
    const [B, L] = tokens.shape;
    const z = tokens.dataSync(), ts = t.dataSync();
    const out = new Float32Array(B * L * (V + 1)).fill(-30);
    for (let i = 0; i < B * L; i++) {
      const u = schedule.uniformMass(ts[Math.floor(i / L)]) / V, a = schedule.alpha(ts[Math.floor(i / L)]);
      for (let v = 0; v < V; v++) out[i * (V + 1) + v] = Math.log(z[i] === V ? P[v] : P[v] * ((z[i] === v ? a : 0) + u));
    }
    return tf.tensor3d(out, [B, L, V + 1]);
  };
}

/** GIDD's toy posterior x̂(. | z = u) at time t, V + 1 entries (MASK 0). */
function giddToyRow(schedule: GiddSchedule, u: number, t: number): number[] {
  const a = schedule.alpha(t), un = schedule.uniformMass(t) / V;
  const w = P.map((p, v) => (u === V ? p : p * ((u === v ? a : 0) + un)));
  const z = w.reduce((x, y) => x + y, 0);
  return [...w.map((x) => x / z), 0];
}

/**
 * The exact output law of the GIDD sampler on its toy. GIDD's step plugs x̂ into q(z_s | z_t, x), which is not the
 * exact reverse process once a token can be uniform noise, so its law is not P: it is the per-position chain of
 * its posterior rows (giddPosterior, tested against its formula in test/samplers/gidd.test.ts) over the grid,
 * then the final argmax of x̂ at a remaining MASK.
 */
function giddChainLaw(schedule: GiddSchedule, steps: number): number[] {
  const { pairs } = hdlmGrid(steps);
  let dist = new Float64Array(V + 1);
  dist[V] = 1;
  for (const [t, s] of pairs) {
    const rows = tf.tidy(() => {
      const xHat = tf.tensor3d(Array.from({ length: V + 1 }, (_, u) => giddToyRow(schedule, u, t)).flat(), [1, V + 1, V + 1]);
      const zt = tf.tensor2d([Array.from({ length: V + 1 }, (_, u) => u)], [1, V + 1], "int32");
      return giddPosterior(schedule, xHat, zt, t, s, { maskId: V }).dataSync();
    });
    const next = new Float64Array(V + 1);
    for (let u = 0; u <= V; u++) for (let y = 0; y <= V; y++) next[y] += dist[u] * rows[u * (V + 1) + y];
    dist = next;
  }
  const law = Array.from(dist.slice(0, V));
  law[P.indexOf(Math.max(...P))] += dist[V];
  return law;
}

/** Exact log-scores of iid data under SEDD's absorbing or uniform graph at sigma(t). */
function seddToy(graph: "absorbing" | "uniform", schedule: SigmaSchedule): Denoiser {
  return (tokens, t) => {
    const [B, L] = tokens.shape;
    const S = graph === "absorbing" ? V + 1 : V;
    const z = tokens.dataSync(), ts = t.dataSync();
    const out = new Float32Array(B * L * S);
    for (let i = 0; i < B * L; i++) {
      const keep = Math.exp(-schedule.sigma(ts[Math.floor(i / L)]));
      const pt = (y: number) => (graph === "absorbing" ? (y === V ? 1 - keep : keep * P[y]) : keep * P[y] + (1 - keep) / V);
      for (let y = 0; y < S; y++) out[i * S + y] = graph === "absorbing" && z[i] !== V ? 0 : Math.log(pt(y) / pt(z[i]));
    }
    return tf.tensor3d(out, [B, L, S]);
  };
}

const EMB_DATA = new Float32Array(V * 3).map((_, i) => ((i * 7919) % 13) - 6); // 4 distinct rows in R^3
/** Diffusion-LM toy: x̂_0 is always the embedding of token 2, so the exact law is a point mass on 2. */
function diffusionLmToy(emb: tf.Tensor2D): EmbeddingDenoiser {
  return (xt) => tf.tidy(() => tf.tile(tf.reshape(tf.slice(emb, [2, 0], [1, 3]), [1, 1, 3]), [xt.shape[0], xt.shape[1], 1]) as tf.Tensor3D);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
interface SamplerCase {
  name: string;
  make: () => { sampler: Sampler<any>; model: any; dispose?: () => void };
  /** Ids of a state lie in [0, W). */
  W: number;
  /** The exact law of every free position's output token. */
  law: number[];
  /** A start state for step(): ids in [0, W), and its (t, s). */
  stepState: number[];
  stepTimes: [number, number];
}

const HIER = new HierarchicalSchedule({ gamma: 1 });
const GIDD = new GiddSchedule({ pu: 0.2 });
const LAYOUT = makeClusterLayout([0, 0, 1, 1], 2);
const CASES: SamplerCase[] = [
  { name: "mdlm", make: () => ({ sampler: new MdlmSampler({ vocabSize: V, steps: 12 }), model: constDenoiser(P, V + 1) }), W: V + 1, law: P, stepState: [4, 4, 1, 4], stepTimes: [0.6, 0.3] },
  { name: "mdlm(log-linear schedule, cache, T=1)", make: () => ({ sampler: new MdlmSampler({ vocabSize: V, steps: 12, schedule: new LogLinearSchedule(), modelIgnoresTime: true }), model: constDenoiser(P, V + 1) }), W: V + 1, law: P, stepState: [4, 4, 1, 4], stepTimes: [0.6, 0.3] },
  { name: "hdlm(exact)", make: () => ({ sampler: new HdlmSampler({ schedule: HIER, clusters: LAYOUT, steps: 12 }), model: constDenoiser(P, 7) }), W: 7, law: P, stepState: [4, 5, 6, 0], stepTimes: [0.6, 0.3] },
  { name: "hdlm(euler, reference grid)", make: () => ({ sampler: new HdlmSampler({ schedule: HIER, clusters: LAYOUT, steps: 12, rule: "euler", grid: "reference" }), model: constDenoiser(P, 7) }), W: 7, law: P, stepState: [4, 5, 6, 0], stepTimes: [0.6, 0.3] },
  { name: "hdlm(xi = 0.7, model)", make: () => ({ sampler: new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: 2 }), clusters: LAYOUT, steps: 12, xi: 0.7 }), model: constDenoiser(P, 7) }), W: 7, law: P, stepState: [4, 5, 6, 0], stepTimes: [0.6, 0.3] },
  { name: "gidd(pu = 0.2)", make: () => ({ sampler: new GiddSampler({ schedule: GIDD, vocabSize: V, steps: 12 }), model: giddToy(GIDD) }), W: V + 1, law: giddChainLaw(GIDD, 12), stepState: [4, 4, 1, 2], stepTimes: [0.6, 0.3] },
  { name: "gidd(pu = 0)", make: () => ({ sampler: new GiddSampler({ schedule: new GiddSchedule({ pu: 0 }), vocabSize: V, steps: 12 }), model: giddToy(new GiddSchedule({ pu: 0 })) }), W: V + 1, law: P, stepState: [4, 4, 1, 2], stepTimes: [0.6, 0.3] },
  { name: "sedd(absorbing, analytic)", make: () => ({ sampler: new SeddSampler({ graph: "absorbing", schedule: seddLogLinear(), vocabSize: V, steps: 12, predictor: "analytic" }), model: seddToy("absorbing", seddLogLinear()) }), W: V + 1, law: P, stepState: [4, 4, 1, 2], stepTimes: [0.6, 0.3] },
  { name: "sedd(absorbing, euler)", make: () => ({ sampler: new SeddSampler({ graph: "absorbing", schedule: seddLogLinear(), vocabSize: V, steps: 12 }), model: seddToy("absorbing", seddLogLinear()) }), W: V + 1, law: P, stepState: [4, 4, 1, 2], stepTimes: [0.6, 0.55] },
  { name: "sedd(uniform, analytic)", make: () => ({ sampler: new SeddSampler({ graph: "uniform", schedule: seddLogLinear(), vocabSize: V, steps: 12, predictor: "analytic" }), model: seddToy("uniform", seddLogLinear()) }), W: V, law: P, stepState: [0, 3, 1, 2], stepTimes: [0.6, 0.3] },
  {
    name: "diffusion-lm(T = 12)",
    make: () => {
      const emb = tf.tensor2d(EMB_DATA, [V, 3]);
      const table = gaussianProcessTable(discretiseBetas(new VpSchedule("sqrt"), 12));
      return { sampler: new DiffusionLmSampler({ table, emb }), model: diffusionLmToy(emb), dispose: () => emb.dispose() };
    },
    W: V,
    law: [0, 0, 1, 0],
    stepState: [0, 3, 1, 2],
    stepTimes: [0.5, 0.25],
  },
];

const L = 4;
const PROMPT = [3, -1, -1, 0];

interface Run {
  result: SampleResult;
  states: SampleBatch[];
  times: number[];
  steps: number[];
  guesses: Array<SampleBatch | undefined>;
}

function run(sampler: Sampler<any>, model: any, batch: number, seed: number, prompt?: number[]): Run {
  const states: SampleBatch[] = [], times: number[] = [], steps: number[] = [], guesses: Array<SampleBatch | undefined> = [];
  const onStep = (step: number, t: number, z: SampleBatch, info?: SampleStepInfo) => {
    states.push(z);
    times.push(t);
    steps.push(step);
    guesses.push(info?.cleanGuess?.());
  };
  return { result: sampler.sample(model, { batch, length: L, seed, prompt, onStep }), states, times, steps, guesses };
}

for (const c of CASES) {
  test(`sampler contract: ${c.name}`, () => {
    const { sampler, model, dispose } = c.make();
    try {
      assert.ok(sampler.name.length > 0, "has a name");
      const n0 = tf.memory().numTensors;
      // Seeded determinism: same seed, same samples and trajectory; another seed, another trajectory.
      const a = run(sampler, model, 16, 5);
      const b = run(sampler, model, 16, 5);
      const other = run(sampler, model, 16, 6);
      assert.deepEqual(Array.from(b.result.tokens.data), Array.from(a.result.tokens.data), "same seed, same tokens");
      assert.deepEqual(b.states.map((s) => Array.from(s.data)), a.states.map((s) => Array.from(s.data)), "same seed, same trajectory");
      assert.notDeepEqual(other.states.map((s) => Array.from(s.data)), a.states.map((s) => Array.from(s.data)), "another seed, another trajectory");
      // The hook: steps 0, 1, .. (S stochastic steps, then the final denoise if the sampler has one), times
      // decreasing to 0; only real ids in the output.
      assert.deepEqual(a.steps, Array.from({ length: a.steps.length }, (_, j) => j), "hook steps 0, 1, ..");
      assert.ok(a.steps.length - a.result.steps === 1 || a.steps.length - a.result.steps === 2, `${a.steps.length} hook calls for ${a.result.steps} steps`);
      for (let j = 1; j < a.times.length; j++) assert.ok(a.times[j] < a.times[j - 1], `times decrease at ${j}: ${a.times}`);
      assert.equal(a.times[a.times.length - 1], 0, "last hook at t = 0");
      assert.ok(a.states.every((s) => s.data.every((id) => id >= 0 && id < c.W)), "every state's ids in [0, W)");
      assert.ok(a.result.tokens.data.every((id) => id >= 0 && id < V), "only real ids in the output");
      assert.deepEqual(Array.from(a.states[a.states.length - 1].data), Array.from(a.result.tokens.data), "last hook state = output");
      assert.ok(a.result.modelCalls >= 1 && a.result.modelCalls + a.result.cacheHits >= a.result.steps, "counters");
      // Clean guesses (where the sampler has token probabilities): real ids, decided tokens kept.
      a.guesses.forEach((g, j) => {
        if (g === undefined) return;
        assert.ok(j > 0, "no guess before the first model call");
        assert.ok(g.data.every((id) => id >= 0 && id < V), `guess ${j}: only real ids`);
        a.states[j - 1].data.forEach((id, i) => id < V && assert.equal(g.data[i], id, `guess ${j} keeps decided token at ${i}`));
      });
      // Prompt positions fixed in every state and the output.
      const p = run(sampler, model, 8, 3, PROMPT);
      for (const s of p.states) for (let i = 0; i < s.data.length; i++) if (PROMPT[i % L] >= 0) assert.equal(s.data[i], PROMPT[i % L], `prompt position ${i} changed`);
      assert.throws(() => sampler.sample(model, { batch: 1, length: L, prompt: [V, -1, -1, -1] }), /prompt\[0\] = 4 must be a real token id/);
      // step(): a new state with valid ids, the input untouched, seeded.
      const state: SampleBatch = { batch: 3, length: L, data: Int32Array.from([...c.stepState, ...c.stepState, ...c.stepState]) };
      const copy = state.data.slice();
      const [t, s] = c.stepTimes;
      const s1 = sampler.step(model, state, t, s, 9);
      assert.deepEqual(Array.from(state.data), Array.from(copy), "step() leaves its input alone");
      assert.ok(s1.data.every((id) => id >= 0 && id < c.W), "step() ids in [0, W)");
      assert.deepEqual(Array.from(sampler.step(model, state, t, s, new SeededRng(9)).data), Array.from(s1.data), "step() seeded");
      assert.throws(() => sampler.step(model, { batch: 1, length: L, data: Int32Array.from([0, 0, 0, c.W]) }, t, s, 1), new RegExp(`state holds ${c.W} at flat index 3`));
      assert.equal(tf.memory().numTensors, n0, "tensor count flat over sample() and step()");
      // The exact law of the toy by chi-square over the free positions (prompted run: fixed ones excluded).
      const big = run(sampler, model, 1200, 17, PROMPT);
      const counts = new Array(V).fill(0);
      big.result.tokens.data.forEach((id, i) => PROMPT[i % L] < 0 && counts[id]++);
      const chi = chiSquare(counts, c.law);
      assert.ok(chi.p > 1e-3, `law: chi-square ${chi.stat.toFixed(2)} (df ${chi.df}), p = ${chi.p}; counts ${counts}`);
      if (c.law.filter((q) => q > 0).length > 1) assert.ok(chiSquare(counts, UNIFORM).p < 1e-3, "the test rejects a wrong law");
    } finally {
      dispose?.();
    }
  });
}
