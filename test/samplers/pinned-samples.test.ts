// Pins of the MDLM, HDLM and GIDD samplers' outputs at fixed seeds, recorded BEFORE the samplers were refactored onto
// one shared loop (issue 9 item 3): final tokens, every intermediate state, the step times, the counters, one
// step() / denoiseFinal() draw each, and the posterior rows a step draws from. Same seeds, same samples.
// A change here means a behaviour change: update a pin only with a stated reason in the commit.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { GiddSchedule } from "../../src/schedules/gidd";
import { makeClusterLayout } from "../../src/processes/cluster-layout";
import { MdlmSampler } from "../../src/samplers/mdlm-sampler";
import { HdlmSampler } from "../../src/samplers/hdlm-sampler";
import { GiddSampler } from "../../src/samplers/gidd-sampler";
import { mdlmDdpmProbs } from "../../src/samplers/posterior-mdlm";
import { hdlmReverseProbs } from "../../src/samplers/posterior-hdlm";
import { giddPosterior } from "../../src/samplers/gidd";
import type { Denoiser, SampleBatch, SampleRequest, Sampler } from "../../src/samplers/sampler";
import { constDenoiser, toyDenoiser, TOY } from "./sampler-helpers";

before(async () => {
  await initEngine();
});

const HIER = new HierarchicalSchedule({ gamma: 1 });
const TOY4 = makeClusterLayout([0, 0, 1, 1], 2);
const XHAT = [0.5, 0.2, 0.3];
const XHAT4 = [0.4, 0.1, 0.2, 0.3];

interface Pin {
  name: string;
  make: () => Sampler;
  denoiser: () => Denoiser;
  request: SampleRequest;
  tokens: number[];
  /** Every state the step hook saw, one digit per id, states separated by spaces. */
  trajectory: string;
  times: number[];
  counts: { steps: number; modelCalls: number; cacheHits: number };
}

const PINS: Pin[] = [
  {
    name: "mdlm",
    make: () => new MdlmSampler({ vocabSize: 3, steps: 6 }),
    denoiser: () => constDenoiser(XHAT, 4),
    request: { batch: 3, length: 4, seed: 11 },
    tokens: [2, 2, 1, 2, 2, 2, 2, 1, 1, 1, 2, 0],
    trajectory: "333333333333 333232313133 333232311123 331232311123 321232311120 221222311120 221222211120 221222211120",
    times: [1, 0.833335, 0.66667, 0.500005, 0.33334, 0.166675, 1e-05, 0],
    counts: { steps: 6, modelCalls: 7, cacheHits: 0 },
  },
  {
    name: "mdlm-cache-prompt",
    make: () => new MdlmSampler({ vocabSize: 3, steps: 8, modelIgnoresTime: true, temperature: 0.7, minP: 0.1 }),
    denoiser: () => constDenoiser(XHAT, 4),
    request: { batch: 2, length: 5, seed: 5, prompt: [-1, 2, -1, -1, 0] },
    tokens: [0, 2, 2, 0, 0, 0, 2, 0, 0, 0],
    trajectory: "3233032330 3233032330 3230032030 3230032000 3230032000 0230002000 0220002000 0220002000 0220002000 0220002000",
    times: [1, 0.87500125, 0.7500025, 0.62500375, 0.500005, 0.37500625, 0.2500075, 0.12500875, 1e-05, 0],
    counts: { steps: 8, modelCalls: 5, cacheHits: 4 },
  },
  {
    name: "hdlm",
    make: () => new HdlmSampler({ schedule: HIER, clusters: TOY, steps: 6 }),
    denoiser: () => toyDenoiser(HIER),
    request: { batch: 4, length: 2, seed: 7 },
    tokens: [0, 2, 1, 1, 2, 2, 2, 0],
    trajectory: "33333333 33133230 33132220 33142220 35112220 35112220 02112220 02112220",
    times: [0.9999, 0.83326667, 0.66663333, 0.5, 0.33336667, 0.16673333, 0.0001, 0],
    counts: { steps: 6, modelCalls: 7, cacheHits: 0 },
  },
  {
    name: "hdlm-ref-euler",
    make: () => new HdlmSampler({ schedule: HIER, clusters: TOY, steps: 6, grid: "reference", rule: "euler", temperature: 0.5 }),
    denoiser: () => toyDenoiser(HIER),
    request: { batch: 4, length: 2, seed: 3, prompt: [-1, 2] },
    tokens: [2, 2, 1, 2, 0, 2, 0, 2],
    trajectory: "32323232 52324232 22424242 22124242 22120242 22120202 22120202",
    times: [0.83326667, 0.66663333, 0.5, 0.33336667, 0.16673333, 0.0001, 0],
    counts: { steps: 5, modelCalls: 6, cacheHits: 0 },
  },
  {
    name: "hdlm-xi-cache",
    make: () => new HdlmSampler({ schedule: HIER, clusters: TOY4, steps: 7, xi: 0.8, perturbSampling: "reference", cache: true, minP: 0.2 }),
    denoiser: () => constDenoiser([0.1, 0.2, 0.3, 0.4], 7),
    request: { batch: 2, length: 3, seed: 9 },
    tokens: [2, 0, 2, 2, 0, 2],
    trajectory: "444444 456644 402256 402206 602202 602202 602202 202202 202202",
    times: [0.9999, 0.85707143, 0.71424286, 0.57141429, 0.42858571, 0.28575714, 0.14292857, 0.0001, 0],
    counts: { steps: 7, modelCalls: 6, cacheHits: 2 },
  },
  {
    name: "gidd",
    make: () => new GiddSampler({ schedule: new GiddSchedule({ pu: 0.2 }), vocabSize: 4, steps: 6 }),
    denoiser: () => constDenoiser(XHAT4, 5),
    request: { batch: 3, length: 3, seed: 4 },
    tokens: [1, 0, 2, 0, 0, 2, 0, 3, 1],
    trajectory: "444444444 414444044 414444044 414402041 414002041 412002041 102002031 102002031",
    times: [0.9999, 0.83326667, 0.66663333, 0.5, 0.33336667, 0.16673333, 0.0001, 0],
    counts: { steps: 6, modelCalls: 7, cacheHits: 0 },
  },
  {
    name: "gidd-prompt",
    make: () => new GiddSampler({ schedule: new GiddSchedule({ pu: 0.1, gamma: 2 }), vocabSize: 4, steps: 5, temperature: 0.8, minP: 0.05 }),
    denoiser: () => constDenoiser(XHAT4, 5),
    request: { batch: 2, length: 4, seed: 12, prompt: [3, -1, -1, 0] },
    tokens: [3, 3, 0, 0, 3, 3, 0, 0],
    trajectory: "34403440 34403440 34403440 34403440 33003440 33003300 33003300",
    times: [0.9999, 0.79994, 0.59998, 0.40002, 0.20006, 0.0001, 0],
    counts: { steps: 5, modelCalls: 6, cacheHits: 0 },
  },
];

for (const pin of PINS) {
  test(`pinned sample: ${pin.name}`, () => {
    const states: string[] = [];
    const times: number[] = [];
    const r = pin.make().sample(pin.denoiser(), { ...pin.request, onStep: (_j, t, z) => (states.push(Array.from(z.data).join("")), times.push(t)) });
    assert.deepEqual(Array.from(r.tokens.data), pin.tokens, "final tokens");
    assert.equal(states.join(" "), pin.trajectory, "trajectory");
    assert.deepEqual(times.map((t) => +t.toPrecision(8)), pin.times, "step times");
    assert.deepEqual({ steps: r.steps, modelCalls: r.modelCalls, cacheHits: r.cacheHits }, pin.counts, "counters");
  });
}

const batch = (B: number, L: number, ids: number[]): SampleBatch => ({ batch: B, length: L, data: Int32Array.from(ids) });

test("pinned single steps: step() of each sampler and HDLM's denoiseFinal()", () => {
  const mdlm = new MdlmSampler({ vocabSize: 3, steps: 6 });
  assert.deepEqual(Array.from(mdlm.step(constDenoiser(XHAT, 4), batch(2, 6, [3, 3, 3, 3, 3, 3, 3, 1, 3, 3, 0, 3]), 0.6, 0.3, 21).data), [1, 0, 3, 2, 3, 0, 3, 1, 3, 0, 0, 2]);
  const hdlm = new HdlmSampler({ schedule: HIER, clusters: TOY, steps: 6 });
  const hst = batch(2, 3, [3, 4, 5, 1, 3, 4]);
  assert.deepEqual(Array.from(hdlm.step(constDenoiser(XHAT, 6), hst, 0.6, 0.3, 22).data), [4, 0, 5, 1, 5, 4]);
  assert.deepEqual(Array.from(hdlm.denoiseFinal(constDenoiser(XHAT, 6), hst, 1e-4).data), [0, 0, 2, 1, 0, 0]);
  const gidd = new GiddSampler({ schedule: new GiddSchedule({ pu: 0.2 }), vocabSize: 4, steps: 6 });
  assert.deepEqual(Array.from(gidd.step(constDenoiser(XHAT4, 5), batch(2, 3, [4, 4, 1, 2, 4, 0]), 0.6, 0.3, 23).data), [0, 3, 1, 2, 0, 0]);
});

test("pinned per-step probabilities: the posterior rows of one step t = 0.6 -> s = 0.3", () => {
  const close = (got: ArrayLike<number>, want: number[], what: string) => {
    assert.equal(got.length, want.length, `${what} length`);
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 2e-6, `${what}[${i}]: ${got[i]} vs ${w}`));
  };
  tf.tidy(() => {
    const probs = tf.tensor3d([[[0.5, 0.2, 0.3], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]]]);
    close(mdlmDdpmProbs(probs.slice([0, 0, 0], [1, 2, 3]) as tf.Tensor3D, tf.tensor2d([[3, 1]], [1, 2], "int32"), 0.6, 0.3, 3).dataSync(), [0.25, 0.1, 0.15, 0.5, 0, 1, 0, 0], "mdlm");
    close(hdlmReverseProbs(probs, tf.tensor2d([[3, 1, 4, 5]], [1, 4], "int32"), 0.6, 0.3, { schedule: HIER, clusters: TOY }).dataSync(), [0.163081, 0.065233, 0.097849, 0.215551, 0.320801, 0.137486, 0, 1, 0, 0, 0, 0, 0.30537, 0.30537, 0, 0, 0.38926, 0, 0, 0, 0.61074, 0, 0, 0.38926], "hdlm");
    const xHat = tf.pad(probs, [[0, 0], [0, 0], [0, 1]]) as tf.Tensor3D;
    close(giddPosterior(new GiddSchedule({ pu: 0.2 }), xHat, tf.tensor2d([[3, 1, 0, 2]], [1, 4], "int32"), 0.6, 0.3, { maskId: 3 }).dataSync(), [0.247781, 0.125743, 0.166422, 0.460054, 0.014072, 0.929558, 0.02753, 0.02884, 0.806276, 0.04139, 0.094949, 0.057385, 0.036644, 0.036644, 0.888324, 0.038388], "gidd");
  });
});
