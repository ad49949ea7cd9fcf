// Conditional pre-training on a task (temporal.md §6 pipeline step 1): the prompt is held clean by the forward
// process and left out of the loss; the task model trains with the one trainer (loss decreases on real task data,
// every parameter gets a gradient) for MDLM and HDLM (role cluster map), and its run folder loads.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine, tf } from "../../src/engine";
import { arithmeticTask, CharVocab, charRoleClusters, makeTaskSplits, makeArithmeticTask } from "../../src/tasks";
import { TaskTokenData, taskPrompt, taskRow } from "../../src/train/task-data";
import { pretrainTaskModel, taskModelConfig } from "../../src/train/task-model";
import { Trainer } from "../../src/train";
import { loadRun } from "../../src/train/load-run";
import { diffusionLoss } from "../../src/methods/diffusion-loss";
import { TimeSampler } from "../../src/schedules/time-sampler";
import { SeededRng } from "../../src/util/rng";
import { streamRng, STREAM } from "../../src/train/streams";

before(async () => {
  await initEngine();
});

const vocab = new CharVocab();
const task = makeArithmeticTask(9);
const splits = makeTaskSplits(task, { trainSeed: 1, testSeed: 2, train: 200, test: 20 });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-task-"));

test("task rows: the prompt is left-padded to promptWidth and held clean; the answer span is scored", () => {
  const p = { a: 7, op: "+" as const, b: 5 };
  const row = taskRow(arithmeticTask, vocab, p, 10, 16);
  assert.equal(vocab.decode(row.ids), "  7 + 5 = 12"); // "7 + 5 = " is 8 characters, padded to 10
  assert.deepEqual(Array.from(taskPrompt(arithmeticTask, vocab, p, 10, 16).slice(9)), [vocab.encode(" ")[0], -1, -1, -1, -1, -1, -1]);
  const data = new TaskTokenData(task, vocab, { train: splits.train, val: splits.test }, 16, 10);
  const b = data.batch("train", 3, 4, 16, 0);
  for (let r = 0; r < 4; r++) for (let i = 0; i < 16; i++) assert.equal(b.clean![r * 16 + i], i < 10 ? 1 : 0);
  assert.throws(() => taskRow(arithmeticTask, vocab, { a: 99, op: "*", b: 99 }, 8, 16), /^RangeError: promptWidth must be an integer >= 10/);
  assert.throws(() => taskPrompt(arithmeticTask, vocab, p, 10, 10), /seqLen must exceed promptWidth 10 \(the prompt is longer than the sequence\)/);
});

test("diffusionLoss with a clean mask: z_t keeps the clean tokens and the score mask drops them", () => {
  const tokens = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 4], "int32");
  const mask = tf.ones([2, 4]) as tf.Tensor2D;
  const clean = tf.tensor2d([[1, 1, 0, 0], [1, 0, 0, 0]], [2, 4]);
  let seenZ: number[] = [], seenMask: number[] = [];
  const loss = diffusionLoss(TimeSampler.hdlm(), (x) => tf.fill(x.shape, 23, "int32") as tf.Tensor2D, (_logits, b, z) => {
    seenZ = Array.from(z.dataSync());
    seenMask = Array.from(b.mask.dataSync());
    return tf.scalar(0);
  });
  // The real tiny DiT runs on z_t (a noise function that masks everything, MASK = V = 23); the score sees z_t and the mask.
  const cfg = taskModelConfig({ runDir: tmp(), kind: "mdlm", task, vocab, train: splits.train, val: splits.test, seed: 0, steps: 1, batchSize: 2, lr: 1e-3, promptWidth: 10, model: { hidden: 16, layers: 1, heads: 2, condDim: 8, seqLen: 4 } });
  const trainer = new Trainer(cfg, new TaskTokenData(task, vocab, { train: splits.train, val: splits.test }, 16, 10) as never);
  try {
    tf.tidy(() => loss(trainer.params, { ...trainer.model, seqLen: 4 }, { tokens, mask, clean }, new SeededRng(0), true));
  } finally {
    trainer.dispose();
  }
  assert.deepEqual(seenZ, [1, 2, 23, 23, 5, 23, 23, 23]); // 23 = MASK
  assert.deepEqual(seenMask, [0, 0, 1, 1, 0, 1, 1, 1]);
  tf.dispose([tokens, mask, clean]);
});

for (const kind of ["mdlm", "hdlm"] as const) {
  test(`${kind} task model: loss decreases on arithmetic, every parameter gets a gradient, the run loads`, async () => {
    const dir = tmp();
    const o = { runDir: dir, kind, task, vocab, train: splits.train, val: splits.test, seed: 0, steps: 60, batchSize: 16, lr: 1e-2, warmupSteps: 5, promptWidth: 8, model: { hidden: 32, layers: 1, heads: 2, condDim: 16, seqLen: 12 }, progress: false };
    await pretrainTaskModel(o);
    const lines = fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.split === "train");
    const first = lines.slice(0, 3).reduce((s, l) => s + l.loss, 0) / 3;
    const last = lines.slice(-3).reduce((s, l) => s + l.loss, 0) / 3;
    assert.ok(last < 0.8 * first, `${kind}: train loss ${first} -> ${last}`);
    const run = loadRun(dir);
    try {
      assert.equal(run.step, 60);
      if (kind === "hdlm") assert.deepEqual(Array.from(run.clusters!.clusterOf), Array.from(charRoleClusters(vocab)));
      const data = new TaskTokenData(task, vocab, { train: splits.train, val: splits.test }, 12, 8);
      const trainer = new Trainer(taskModelConfig(o), data);
      try {
        for (let i = 0; i < 3; i++) trainer.trainStep();
        const b = data.batch("train", 99, 16, 12, 0);
        const names = Object.keys(trainer.params);
        const dead = tf.tidy(() => {
          const bt = { tokens: tf.tensor2d(b.tokens, [16, 12], "int32"), mask: tf.tensor2d(b.mask, [16, 12]), clean: tf.tensor2d(Float32Array.from(b.clean!), [16, 12]) };
          const { grads } = tf.variableGrads(() => trainer.objective.loss(trainer.params, trainer.model, bt, streamRng(0, 99, STREAM.noise), true), names.map((n) => trainer.params[n]));
          return names.filter((n) => { const g = grads[trainer.params[n].name]; return g === undefined || !(tf.max(tf.abs(g)).dataSync()[0] > 0); });
        });
        assert.deepEqual(dead, []);
      } finally {
        trainer.dispose();
      }
      // A finished run is left as it is.
      const r = await pretrainTaskModel(o);
      assert.equal(r.step, 60);
    } finally {
      run.dispose();
    }
  });
}
