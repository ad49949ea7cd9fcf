// Tests of MDLM's ddpm-cache sampler: the unmask rate (t-s)/t and the token histogram ∝ p_θ of one step
// (chi-square), the grid, carry-over, the whole sampler on a correlated toy, the cache and the schedule option
// (determinism, prompts, real ids, tensor counts: test/contracts/sampler-contract.test.ts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { MdlmSampler, mdlmGrid, LINEAR_MASKING } from "../../src/samplers/mdlm-sampler";
import { LogLinearSchedule } from "../../src/schedules/log-linear";
import { SampleBatch, Denoiser } from "../../src/samplers/sampler";
import { chiSquare, constDenoiser, histogram, TOY_DATA } from "./sampler-helpers";

before(async () => {
  await initEngine();
});

const V = 3, MASK = 3;
const XHAT = [0.5, 0.2, 0.3];

function filled(B: number, L: number, id: number): SampleBatch {
  return { batch: B, length: L, data: new Int32Array(B * L).fill(id) };
}

test("grid is linspace(1, 1e-5, S+1)", () => {
  const g = mdlmGrid(4);
  assert.equal(g.length, 5);
  assert.equal(g[0], 1);
  assert.equal(g[4], 1e-5);
  assert.ok(Math.abs(g[1] - (1 - (1 - 1e-5) / 4)) < 1e-15);
  assert.throws(() => new MdlmSampler({ vocabSize: 0 }), /vocabSize must be a positive integer/);
  assert.throws(() => new MdlmSampler({ vocabSize: 3, steps: 1.5 }), /steps must be a positive integer/);
});

test("one step t = 0.5 -> s = 0.3: unmask rate (t-s)/t and tokens ∝ p_θ (chi-square)", () => {
  const N = 20000;
  const sampler = new MdlmSampler({ vocabSize: V });
  const out = sampler.step(constDenoiser(XHAT, V + 1), filled(N / 4, 4, MASK), 0.5, 0.3, 17);
  const counts = histogram(out.data, V + 1);
  const unmasked = N - counts[MASK];
  const p = 0.4;
  assert.ok(Math.abs(unmasked / N - p) <= 4 * Math.sqrt((p * (1 - p)) / N), `unmask rate ${unmasked / N} vs ${p}`);
  const chi = chiSquare(counts.slice(0, V), XHAT);
  assert.ok(chi.p > 1e-3, `token histogram chi-square ${chi.stat}, p = ${chi.p}`);
  assert.ok(chiSquare(counts.slice(0, V), [1 / 3, 1 / 3, 1 / 3]).p < 1e-3, "a uniform law is rejected");
  // Clean tokens are copied.
  const clean = sampler.step(constDenoiser(XHAT, V + 1), filled(10, 4, 1), 0.5, 0.3, 1);
  assert.ok(clean.data.every((v) => v === 1));
});

/** The true posterior marginals of the toy data under masking at time t (alpha = 1 - t as the sampler assumes). */
function maskedToyDenoiser(): Denoiser {
  return (tokens, t) => {
    const [B, L] = tokens.shape;
    const z = tokens.dataSync();
    const ts = t.dataSync();
    const out = new Float32Array(B * L * (V + 1)).fill(-30);
    for (let b = 0; b < B; b++) {
      const a = 1 - ts[b];
      const q = (x: number, zi: number) => (zi === MASK ? 1 - a : zi === x ? a : 0);
      const m = [[0, 0, 0], [0, 0, 0]];
      for (let x = 0; x < V; x++) for (let y = 0; y < V; y++) {
        const w = TOY_DATA[x * V + y] * q(x, z[2 * b]) * q(y, z[2 * b + 1]);
        m[0][x] += w;
        m[1][y] += w;
      }
      for (let l = 0; l < 2; l++) {
        const tot = m[l][0] + m[l][1] + m[l][2];
        for (let v = 0; v < V; v++) out[(2 * b + l) * (V + 1) + v] = Math.log(Math.max(m[l][v] / tot, 1e-30));
      }
    }
    return tf.tensor3d(out, [B, L, V + 1]);
  };
}

test("whole sampler with the true posterior reproduces the correlated toy data; clean tokens never change", () => {
  const M = 3000;
  const states: SampleBatch[] = [];
  const r = new MdlmSampler({ vocabSize: V, steps: 48 }).sample(maskedToyDenoiser(), { batch: M, length: 2, seed: 3, onStep: (_s, _t, z) => states.push(z) });
  const counts = new Array(9).fill(0);
  for (let b = 0; b < M; b++) counts[r.tokens.data[2 * b] * V + r.tokens.data[2 * b + 1]]++;
  const chi = chiSquare(counts, TOY_DATA);
  assert.ok(chi.p > 1e-3, `chi-square ${chi.stat}, p = ${chi.p}`);
  assert.equal(states.length, 50);
  for (let j = 1; j < states.length; j++) {
    for (let i = 0; i < 2 * M; i++) if (states[j - 1].data[i] < V) assert.equal(states[j].data[i], states[j - 1].data[i]);
  }
  assert.equal(r.modelCalls, 49, "time-conditioned model: one call per step plus the final one");
});

test("cache: reused only when nothing changed and the model ignores t", () => {
  const calls = { n: 0 };
  const sampler = new MdlmSampler({ vocabSize: V, steps: 64, modelIgnoresTime: true });
  const states: SampleBatch[] = [];
  const r = sampler.sample(constDenoiser(XHAT, V + 1, calls), { batch: 1, length: 3, seed: 8, onStep: (_s, _t, z) => states.push(z) });
  let changes = 0;
  for (let j = 1; j <= 64; j++) if (states[j].data.some((v, i) => v !== states[j - 1].data[i])) changes++;
  assert.equal(r.modelCalls, 1 + changes);
  assert.equal(calls.n, r.modelCalls);
  assert.equal(r.cacheHits, 65 - r.modelCalls);
  assert.ok(r.cacheHits > 30, `a length-3 sequence changes at most 3 times, so most steps hit the cache (${r.cacheHits})`);
});

test("schedule: a step unmasks with (alpha_s - alpha_t)/(1 - alpha_t); the default is alpha_t = 1 - t", () => {
  const N = 20000;
  // Any alpha linear in t (MDLM's LogLinearSchedule, alpha_t = 1 - (1 - eps) t) gives the same ratio as the default;
  // a cosine schedule does not.
  const loglinear = new MdlmSampler({ vocabSize: V, schedule: new LogLinearSchedule({ eps: 0.3 }) });
  assert.ok(Math.abs(loglinear.maskProbability(0.1) / loglinear.maskProbability(0.5) - 0.2) < 1e-12);
  const schedule = { name: "cosine", alpha: (u: number) => Math.cos((Math.PI / 2) * u) };
  const sampler = new MdlmSampler({ vocabSize: V, schedule });
  assert.equal(new MdlmSampler({ vocabSize: V }).schedule, LINEAR_MASKING);
  assert.equal(new MdlmSampler({ vocabSize: V }).maskProbability(0.37), 0.37, "default: the mask probability is t itself");
  assert.match(sampler.name, /cosine/);
  const t = 0.5, s = 0.1;
  const out = sampler.step(constDenoiser(XHAT, V + 1), filled(N / 4, 4, MASK), t, s, 5);
  const unmasked = N - histogram(out.data, V + 1)[MASK];
  const p = (schedule.alpha(s) - schedule.alpha(t)) / (1 - schedule.alpha(t));
  const linear = (t - s) / t;
  assert.ok(Math.abs(p - linear) > 0.05, "the two schedules differ here");
  assert.ok(Math.abs(unmasked / N - p) <= 4 * Math.sqrt((p * (1 - p)) / N), `unmask rate ${unmasked / N} vs ${p}`);
});

test("clean guess: decoded tokens kept, every MASK the argmax of x̂ from the step's model call", () => {
  const guesses: SampleBatch[] = [];
  const before: SampleBatch[] = [];
  new MdlmSampler({ vocabSize: V, steps: 6 }).sample(constDenoiser(XHAT, V + 1), {
    batch: 2,
    length: 5,
    seed: 1,
    prompt: [-1, 2, -1, -1, 1],
    onStep: (j, _t, z, info) => {
      if (j === 0) assert.equal(info?.cleanGuess, undefined, "no guess before a model call");
      else guesses.push(info!.cleanGuess!());
      before.push(z);
    },
  });
  guesses.forEach((g, j) => before[j].data.forEach((id, i) => assert.equal(g.data[i], id < V ? id : 0, `guess ${j + 1} at ${i}`)));
});
