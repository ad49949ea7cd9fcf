// Conditional sampling with per-step answers (temporal.md §1): with a fixed toy denoiser the prompt stays fixed,
// every model call's clean guess is the hand-computed argmax fill, the parsed answers follow it, and bad prompt
// layouts are one-line errors.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { arithmeticTask, CharVocab, type ArithmeticProblem } from "../../src/tasks";
import { MdlmSampler } from "../../src/samplers/mdlm-sampler";
import type { Denoiser } from "../../src/samplers/sampler";
import { sampleTrajectories } from "../../src/rl/trajectories";
import { taskPrompt } from "../../src/train/task-data";

before(async () => {
  await initEngine();
});

const vocab = new CharVocab();
const V = vocab.size;
const L = 12, Lp = 8;
const problem: ArithmeticProblem = { a: 7, op: "+", b: 5 };

/** Logits [B, L, V+1] whose argmax spells `text` after the prompt, then EOS. */
function toy(text: string): Denoiser {
  const want = vocab.encode(text, L - Lp);
  return (z) => tf.tidy(() => {
    const [B] = z.shape;
    const data = new Float32Array(B * L * (V + 1));
    for (let b = 0; b < B; b++) for (let i = 0; i < L; i++) data[(b * L + i) * (V + 1) + (i >= Lp ? want[i - Lp] : 1)] = 5;
    return tf.tensor3d(data, [B, L, V + 1]);
  });
}

test("a fixed toy denoiser: the guess at every step is the argmax fill, so every per-step answer is 12", () => {
  const sampler = new MdlmSampler({ vocabSize: V, steps: 6, temperature: 0 });
  const trajs = sampleTrajectories(sampler, toy("12"), arithmeticTask, vocab, [problem, problem], (p) => taskPrompt(arithmeticTask, vocab, p, Lp, L), { seed: 3, repeats: 2, keepTexts: true });
  assert.equal(trajs.length, 4);
  for (const t of trajs) {
    assert.deepEqual(t.answers, Array(7).fill(12)); // 6 steps + the final denoise
    assert.deepEqual(t.stepTexts, Array(7).fill("12"));
    assert.equal(t.final, 12);
    assert.equal(t.correct, true);
    assert.equal(t.text, "12");
  }
  assert.deepEqual(trajs.map((t) => t.problem), [0, 0, 1, 1]);
});

test("a wrong toy answer parses and is wrong; an unparsable guess is null, never an error", () => {
  const sampler = new MdlmSampler({ vocabSize: V, steps: 4, temperature: 0 });
  const [wrong] = sampleTrajectories(sampler, toy("13"), arithmeticTask, vocab, [problem], (p) => taskPrompt(arithmeticTask, vocab, p, Lp, L), { seed: 0 });
  assert.equal(wrong.final, 13);
  assert.equal(wrong.correct, false);
  const [none] = sampleTrajectories(sampler, toy("+"), arithmeticTask, vocab, [problem], (p) => taskPrompt(arithmeticTask, vocab, p, Lp, L), { seed: 0 });
  assert.deepEqual(none.answers, Array(5).fill(null));
  assert.equal(none.correct, false);
});

test("prompt layouts: a prompt that fills the sequence or differs in length is an error naming promptIds", () => {
  const sampler = new MdlmSampler({ vocabSize: V, steps: 2 });
  assert.throws(() => sampleTrajectories(sampler, toy("1"), arithmeticTask, vocab, [problem], () => new Int32Array(L).fill(1), { seed: 0 }), /promptIds must leave free \(-1\) positions/);
  const ragged = (p: ArithmeticProblem) => (p.a === 7 ? taskPrompt(arithmeticTask, vocab, p, Lp, L) : taskPrompt(arithmeticTask, vocab, p, Lp + 1, L));
  assert.throws(() => sampleTrajectories(sampler, toy("1"), arithmeticTask, vocab, [problem, { a: 8, op: "+", b: 5 }], ragged, { seed: 0 }), /promptIds\(problems\[1\]\) must have length 12 with the first 8 positions fixed/);
  assert.throws(() => sampleTrajectories(sampler, toy("1"), arithmeticTask, vocab, [problem], (p) => taskPrompt(arithmeticTask, vocab, p, Lp, L), { seed: 0, repeats: 0 }), /repeats must be an integer >= 1, got 0/);
});

test("the decoding option: low-confidence remasking (semi-ar, one block, confidence) keeps the prompt and the argmax fill", () => {
  const sampler = new MdlmSampler({ vocabSize: V, steps: 4, temperature: 0 });
  const [t] = sampleTrajectories(sampler, toy("12"), arithmeticTask, vocab, [problem], (p) => taskPrompt(arithmeticTask, vocab, p, Lp, L), { seed: 1, keepTexts: true, decoding: { kind: "semi-ar", blockLength: L - Lp, select: "confidence" } });
  assert.deepEqual(t.answers, Array(5).fill(12));
  assert.equal(t.text, "12");
});
