// Tests of the trainer on real OpenWebText text: a fresh run refuses an existing checkpoint, a corrupt checkpoint
// stops --resume without touching the run folder, hooks and micro-batches. (Every method's falling loss, flat tensor
// count and checkpoint round trip: test/contracts/method-contract.test.ts.)
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { initEngine, tf } from "../../src/engine";
import { Trainer, train, TokenData } from "../../src/train";
import { rowCrossEntropy } from "../../src/losses/causal";
import { smallOwt, tinyConfig, tmpDir } from "./helpers";

let owt: TokenData;

before(async () => {
  await initEngine();
  owt = await smallOwt();
});

test("a fresh run refuses a runDir with a checkpoint; --resume of a corrupt checkpoint fails and changes nothing", async () => {
  const dir = tmpDir("hdlm-corrupt-");
  const cfg = tinyConfig(dir, { steps: 6, checkpointEvery: 3, evalEvery: 0 });
  await train(cfg, { data: owt, progress: false });
  await assert.rejects(train(cfg, { data: owt, progress: false }), /already holds a checkpoint; pass --resume/);
  const ckpt = path.join(dir, "checkpoint.bin");
  const bytes = fs.readFileSync(ckpt);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(ckpt, bytes);
  const snapshot = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
  await assert.rejects(train({ ...cfg, steps: 9 }, { data: owt, progress: false, resume: true }), /is corrupt: SHA-256 mismatch/);
  await assert.rejects(train(cfg, { data: owt, progress: false, resume: true }), /is corrupt/);
  for (const [f, b] of Object.entries(snapshot)) assert.deepEqual(fs.readFileSync(path.join(dir, f)), b, `${f} was modified`);
  assert.deepEqual(fs.readdirSync(dir).sort(), Object.keys(snapshot).sort());
});

test("--resume with a changed config is refused, naming the field", async () => {
  const dir = tmpDir("hdlm-cfgdiff-");
  const cfg = tinyConfig(dir, { steps: 4, checkpointEvery: 2, evalEvery: 0 });
  await train(cfg, { data: owt, progress: false });
  await assert.rejects(train({ ...cfg, optim: { ...cfg.optim, lr: 1e-2 } }, { data: owt, progress: false, resume: true }), /cannot resume: config\.optim\.lr differs/);
});

test("rowCrossEntropy: value and analytic gradient equal tf.logSumExp-based autodiff", () => {
  const l = tf.tensor2d([[0.3, -1.2, 2.0, 0.1], [5.0, 4.0, -3.0, 0.0], [0, 0, 0, 0]]);
  const y = tf.oneHot(tf.tensor1d([2, 1, 3], "int32"), 4) as tf.Tensor2D;
  const dy = tf.tensor1d([1.0, -0.5, 2.0]);
  const f1 = (x: tf.Tensor) => tf.sum(tf.mul(rowCrossEntropy(x as tf.Tensor2D, y), dy)) as tf.Scalar;
  const f2 = (x: tf.Tensor) => tf.sum(tf.mul(tf.sub(tf.logSumExp(x, 1), tf.sum(tf.mul(x, y), 1)), dy)) as tf.Scalar;
  const [v1, g1] = [f1(l).dataSync()[0], tf.grad(f1)(l).dataSync()];
  const [v2, g2] = [f2(l).dataSync()[0], tf.grad(f2)(l).dataSync()];
  assert.ok(Math.abs(v1 - v2) < 1e-5, `${v1} vs ${v2}`);
  for (let i = 0; i < g1.length; i++) assert.ok(Math.abs(g1[i] - g2[i]) < 1e-5, `grad[${i}] ${g1[i]} vs ${g2[i]}`);
  // Row 3 has uniform logits: CE = ln 4.
  assert.ok(Math.abs(rowCrossEntropy(l, y).dataSync()[2] - Math.log(4)) < 1e-6);
});

test("the samples hook runs every sampleEvery steps and metrics go to onMetrics and metrics.jsonl", async () => {
  const dir = tmpDir("hdlm-hook-");
  const sampledAt: number[] = [];
  const seen: string[] = [];
  const cfg = tinyConfig(dir, { steps: 6, sampleEvery: 2, logEvery: 3, evalEvery: 0, checkpointEvery: 0 });
  await train(cfg, { data: owt, progress: false, hooks: { sample: (t) => void sampledAt.push(t.step), onMetrics: (l) => void seen.push(`${l.split}@${l.step}`) } });
  assert.deepEqual(sampledAt, [2, 4, 6]);
  assert.deepEqual(seen, ["train@3", "train@6", "val@6"]);
  const lines = fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => `${l.split}@${l.step}`), seen);
  assert.equal(lines[1].tokens, 6 * 4 * 16);
});

test("micro-batches: gradient accumulation over 2 x 2 sequences matches one pass over 4 (AR, no random draws)", () => {
  const run = (microBatch: number) => {
    const trainer = new Trainer(tinyConfig(tmpDir("hdlm-micro-"), { steps: 3, microBatch }), owt);
    const losses = [trainer.trainStep(), trainer.trainStep()].map((l) => [l.loss, l.gradNorm]);
    const params = Object.fromEntries(Object.entries(trainer.params).map(([n, v]) => [n, Array.from(v.dataSync())]));
    trainer.dispose();
    return { losses, params };
  };
  const whole = run(0);
  const split = run(2);
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(whole.losses[i][0] - split.losses[i][0]) < 1e-5, `loss ${whole.losses[i]} vs ${split.losses[i]}`);
    assert.ok(Math.abs(whole.losses[i][1] - split.losses[i][1]) < 1e-4 * whole.losses[i][1], `grad norm ${whole.losses[i]} vs ${split.losses[i]}`);
  }
  for (const n of Object.keys(whole.params)) assert.ok(maxAbsDiffArr(whole.params[n], split.params[n]) < 1e-5, n);
  assert.throws(() => tinyConfig(tmpDir("hdlm-micro-"), { microBatch: 3 }), /config\.microBatch must divide batchSize \(4\), got 3/);
});

function maxAbsDiffArr(a: number[], b: number[]): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}
