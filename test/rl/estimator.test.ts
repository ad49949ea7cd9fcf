import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { SeededRng } from "../../src/util/rng";
import { estimatorInput, estimatorMask, innerMaskSeeds, oneStepLogProbs, PROMPT_MASK_RATE } from "../../src/rl";
import type { Denoiser } from "../../src/samplers/sampler";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

function rows(batch: number, length: number, V: number, seed: number) {
  const rng = new SeededRng(seed);
  return { batch, length, data: Int32Array.from({ length: batch * length }, () => rng.int(V)) };
}

test("the prompt-masking rate is 0.15 within 4 sigma; every completion token is masked", () => {
  assert.equal(PROMPT_MASK_RATE, 0.15);
  const B = 64, Lp = 200, Lc = 10, L = Lp + Lc;
  const mask = estimatorMask(B, Lp, Lc, 123);
  let masked = 0;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Lp; i++) masked += mask[b * L + i];
    for (let i = Lp; i < L; i++) assert.equal(mask[b * L + i], 1);
  }
  const n = B * Lp;
  const rate = masked / n;
  const sigma = Math.sqrt((0.15 * 0.85) / n);
  assert.ok(Math.abs(rate - 0.15) < 4 * sigma, `rate ${rate}, 4 sigma ${4 * sigma}`);
  // other rates are honoured too
  const m5 = estimatorMask(B, Lp, 0, 9, 0.5);
  const r5 = m5.reduce((a, x) => a + x, 0) / n;
  assert.ok(Math.abs(r5 - 0.5) < 4 * Math.sqrt(0.25 / n), `rate ${r5}`);
  assert.equal(estimatorMask(4, 20, 3, 1, 0).slice(0, 20).reduce((a, x) => a + x, 0), 0);
});

test("the same seed gives the same mask for the old, reference and current passes; another seed does not", () => {
  const prompt = rows(4, 30, 20, 1);
  const completion = rows(4, 8, 20, 2);
  const opts = { seed: 77, maskId: 20 };
  const old = estimatorInput(prompt, completion, opts);
  const ref = estimatorInput(prompt, completion, opts);
  const cur = estimatorInput(prompt, completion, opts);
  assert.deepEqual(old, ref);
  assert.deepEqual(ref, cur);
  const other = estimatorInput(prompt, completion, { seed: 78, maskId: 20 });
  assert.notDeepEqual(other.mask, old.mask);
  // ids: maskId where masked, the original tokens elsewhere
  const L = 38;
  for (let b = 0; b < 4; b++) {
    for (let i = 0; i < L; i++) {
      const orig = i < 30 ? prompt.data[b * 30 + i] : completion.data[b * 8 + i - 30];
      assert.equal(old.ids[b * L + i], old.mask[b * L + i] === 1 ? 20 : orig);
    }
  }
  const seeds = innerMaskSeeds(5, 12);
  assert.equal(seeds.length, 12);
  assert.equal(new Set(seeds).size, 12);
  assert.deepEqual(innerMaskSeeds(5, 12), seeds);
  assert.throws(() => innerMaskSeeds(5, 0), /^RangeError: iterations must be an integer >= 1/);
});

test("one-step log-probabilities against a toy denoiser: values, the input it saw, the time, the vocabulary slice", () => {
  const B = 3, Lp = 5, Lc = 4, V = 6, W = V + 1, L = Lp + Lc, MASK = V;
  const rng = new SeededRng(4);
  const table = Array.from({ length: L * W }, () => 2 * rng.normal()); // logits depend on the position only
  const seen: { ids: number[][]; t: number[] }[] = [];
  const denoiser: Denoiser = (z, t) => {
    seen.push({ ids: z.arraySync(), t: Array.from(t.dataSync()) });
    return tf.tidy(() => tf.tile(tf.reshape(tf.tensor1d(table), [1, L, W]), [B, 1, 1])) as tf.Tensor3D;
  };
  const prompt = rows(B, Lp, V, 5);
  const completion = rows(B, Lc, V, 6);
  const before = tf.memory().numTensors;
  const logp = oneStepLogProbs(denoiser, prompt, completion, { seed: 9, maskId: MASK, vocabSize: V });
  assert.deepEqual(logp.shape, [B, Lc]);
  const got = logp.arraySync();
  logp.dispose();
  assert.equal(tf.memory().numTensors, before, "no leaked tensors");
  const input = estimatorInput(prompt, completion, { seed: 9, maskId: MASK });
  for (let b = 0; b < B; b++) {
    assert.deepEqual(seen[0].ids[b], Array.from(input.ids.slice(b * L, (b + 1) * L)));
    const maskedFraction = input.mask.slice(b * L, (b + 1) * L).reduce((a, x) => a + x, 0) / L;
    close(seen[0].t[b], maskedFraction, 1e-6, `default t of row ${b}`);
    for (let i = 0; i < Lc; i++) {
      const row = table.slice((Lp + i) * W, (Lp + i) * W + V); // the [MASK] column is left out
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
      close(got[b][i], row[completion.data[b * Lc + i]] - lse, 1e-5, `logp[${b}][${i}]`);
    }
  }
  oneStepLogProbs(denoiser, prompt, completion, { seed: 9, maskId: MASK, vocabSize: V, t: 1 }).dispose();
  assert.deepEqual(seen[1].t, [1, 1, 1]);
  // bad inputs name the field
  assert.throws(() => oneStepLogProbs(denoiser, prompt, rows(2, Lc, V, 1), { seed: 1, maskId: MASK }), /^RangeError: completion\.batch must equal prompt\.batch \(3\), got 2$/);
  assert.throws(() => oneStepLogProbs(denoiser, prompt, completion, { seed: 1, maskId: MASK, promptMaskRate: 1.5 }), /^RangeError: promptMaskRate must be a number in \[0, 1\]/);
  assert.throws(() => oneStepLogProbs(denoiser, prompt, completion, { seed: 1, maskId: MASK, vocabSize: W + 1 }), /^RangeError: vocabSize must be an integer in \[1, 7\]/);
  const badCompletion = { batch: B, length: Lc, data: Int32Array.from(completion.data).fill(MASK, 0, 1) };
  assert.throws(() => oneStepLogProbs(denoiser, prompt, badCompletion, { seed: 1, maskId: MASK, vocabSize: V }), /^RangeError: completion\.data\[0\] = 6 must be a token id in \[0, 6\)/);
  assert.throws(() => oneStepLogProbs(denoiser, prompt, { batch: B, length: Lc, data: new Int32Array(3) }, { seed: 1, maskId: MASK }), /^RangeError: completion\.data must hold batch \* length = 12 ids, got 3$/);
});

test("the estimator is differentiable in the denoiser's variables (grad = onehot - softmax at completion positions)", () => {
  const B = 2, Lp = 3, Lc = 2, V = 4, L = Lp + Lc;
  const w = tf.variable(tf.randomNormal([L, V], 0, 1, "float32", 7));
  const denoiser: Denoiser = (z) => tf.tile(tf.expandDims(w, 0), [z.shape[0], 1, 1]) as tf.Tensor3D;
  const prompt = rows(B, Lp, V, 1);
  const completion = rows(B, Lc, V, 2);
  const { grads } = tf.variableGrads(() => tf.sum(oneStepLogProbs(denoiser, prompt, completion, { seed: 3, maskId: V, vocabSize: V })) as tf.Scalar, [w]);
  const g = grads[w.name].arraySync() as number[][];
  const p = (tf.softmax(w).arraySync() as number[][]);
  for (let i = 0; i < L; i++) {
    for (let v = 0; v < V; v++) {
      let expected = 0;
      if (i >= Lp) for (let b = 0; b < B; b++) expected += (completion.data[b * Lc + i - Lp] === v ? 1 : 0) - p[i][v];
      close(g[i][v], expected, 1e-5, `grad[${i}][${v}]`);
    }
  }
  w.dispose();
});
