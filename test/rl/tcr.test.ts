// TCR (temporal.md §5) on a tiny pre-trained arithmetic model: the surrogate loss falls over a rollout batch's μ
// updates, a killed run resumes to the same state, tensor counts stay flat, and bad settings are one-line errors.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine, tf } from "../../src/engine";
import { CharVocab, makeArithmeticTask, makeTaskSplits } from "../../src/tasks";
import { pretrainTaskModel } from "../../src/train/task-model";
import { parseTcrConfig, runTcr, TcrTrainer, readTcrMetrics } from "../../src/train/tcr";
import { readCheckpoint } from "../../src/train/checkpoint";

const vocab = new CharVocab();
const task = makeArithmeticTask(9);
const splits = makeTaskSplits(task, { trainSeed: 1, testSeed: 2, train: 200, test: 20 });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-tcr-"));
const bases: Record<string, string> = {};

before(async () => {
  await initEngine();
  for (const kind of ["mdlm", "hdlm"] as const) {
    bases[kind] = tmp();
    await pretrainTaskModel({ runDir: bases[kind], kind, task, vocab, train: splits.train, val: splits.test, seed: 0, steps: 40, batchSize: 16, lr: 1e-2, warmupSteps: 4, promptWidth: 8, model: { hidden: 16, layers: 1, heads: 2, condDim: 8, seqLen: 12 }, progress: false });
  }
});

const config = (kind: string, over: Record<string, unknown> = {}) =>
  parseTcrConfig({ runDir: tmp(), baseRun: bases[kind], reward: "spherical_plus", groupSize: 4, promptsPerStep: 2, steps: 3, innerUpdates: 2, lr: 1e-3, sampleSteps: 6, promptWidth: 8, checkpointEvery: 1, ...over });

for (const kind of ["mdlm", "hdlm"]) {
  test(`${kind}: the GRPO surrogate on a rollout batch falls over its μ updates`, () => {
    const trainer = new TcrTrainer(config(kind, { innerUpdates: 6, lr: 1e-2, beta: 0, reward: "tse" }), { task, vocab, train: splits.train });
    try {
      let moved = 0;
      for (let k = 0; k < 3; k++) {
        const m = trainer.trainStep();
        assert.ok(Number.isFinite(m.loss) && Number.isFinite(m.lossBefore));
        if (m.lossBefore !== 0 || m.loss !== 0) {
          assert.ok(m.loss < m.lossBefore, `step ${m.step}: surrogate ${m.lossBefore} -> ${m.loss}`);
          moved++;
        }
      }
      assert.ok(moved > 0, "some step had non-zero advantages");
    } finally {
      trainer.dispose();
    }
  });
}

test("a TCR run killed mid-way resumes to the same parameters and metrics; tensor counts stay flat", async () => {
  const setup = { task, vocab, train: splits.train };
  const a = config("mdlm");
  const before = tf.memory().numTensors;
  const full = await runTcr(a, setup, { progress: false });
  assert.equal(tf.memory().numTensors, before, "tensors leaked by runTcr");
  const b = { ...a, runDir: tmp() };
  await assert.rejects(runTcr(b, setup, { progress: false, onMetrics: (m) => { if (m.step === 2) throw new Error("killed"); } }), /killed/);
  assert.equal(readCheckpoint(path.join(b.runDir, "checkpoint.bin")).meta.step, 1);
  assert.equal(tf.memory().numTensors, before, "tensors leaked by a killed run");
  const resumed = await runTcr(b, setup, { progress: false });
  assert.deepEqual(resumed.metrics, full.metrics);
  assert.deepEqual(readTcrMetrics(b.runDir).map((m) => m.step), [1, 2, 3]);
  const ca = readCheckpoint(path.join(a.runDir, "checkpoint.bin"));
  const cb = readCheckpoint(path.join(b.runDir, "checkpoint.bin"));
  for (const name of Object.keys(ca.tensors)) assert.deepEqual(cb.tensors[name].data, ca.tensors[name].data, name);
});

test("bad TCR settings: one line naming the field", () => {
  const ok = { runDir: "x", baseRun: bases.mdlm, reward: "tse" };
  assert.throws(() => parseTcrConfig({ ...ok, groupSize: 1 }), /^Error: tcr\.groupSize must be an integer >= 2, got 1$/);
  assert.throws(() => parseTcrConfig({ ...ok, reward: "entropy" }), /^Error: tcr\.reward must be one of "tse", "spherical_plus", .*got "entropy"$/);
  assert.throws(() => parseTcrConfig({ ...ok, temprature: 1 }), /^Error: tcr\.temprature is not a known field/);
  assert.throws(() => new TcrTrainer(parseTcrConfig({ ...ok, promptWidth: 12 }), { task, vocab, train: splits.train }), /tcr\.promptWidth 12 must be less than the model's sequence length 12 \(the prompt is longer than the sequence\)/);
});

test("TCR updates reach every parameter tensor of the policy (each AdamW first moment is non-zero), MDLM and HDLM", () => {
  for (const kind of ["mdlm", "hdlm"]) {
    const trainer = new TcrTrainer(config(kind, { innerUpdates: 2, lr: 1e-2, beta: 0, reward: "tse", steps: 6 }), { task, vocab, train: splits.train });
    try {
      let moved = false;
      for (let k = 0; k < 6 && !moved; k++) {
        const m = trainer.trainStep();
        moved = m.lossBefore !== 0 || m.loss !== 0;
      }
      assert.ok(moved, `${kind}: some step had non-zero advantages`);
      const dead = Object.entries(trainer.optimizer.m).filter(([, v]) => (v.abs().max().dataSync()[0] as number) === 0).map(([n]) => n);
      assert.deepEqual(dead, [], `${kind}: parameters without a gradient: ${dead.join(", ")}`);
    } finally {
      trainer.dispose();
    }
  }
});
