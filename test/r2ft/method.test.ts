// The r2ft objective (decoding.md §3) as a training method: descent on its loss lowers the rejected relative to the
// chosen log-likelihood, a fine-tune on real text runs, every parameter gets a gradient, tensors stay flat; `--init` copies a trained
// run's parameters; R2FT without an init, or from the wrong kind of run, is one error line naming the field.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { initEngine, tf } from "../../src/engine";
import { Trainer, TokenData, train, resolveConfig, loadConfig } from "../../src/train";
import { initFromRun } from "../../src/train/init";
import { loadRun } from "../../src/train/load-run";
import { r2ftBatchFromRows, r2ftBatchLoss, R2ftObjective } from "../../src/methods/r2ft";
import { parseTrainArgs } from "../../src/cli/main";
import { SeededRng } from "../../src/util/rng";
import { smallOwt, tinyConfig, tmpDir, OWT_SMALL } from "../train/helpers";

let owt: TokenData;
before(async () => {
  await initEngine();
  owt = await smallOwt();
});

/** Tiny R2FT settings for the tiny preset's L = 16 (the defaults assume prompts of 32-64 and spans of 30-49 tokens). */
const R2FT = { promptMin: 4, promptMax: 8, repeatMin: 4, repeatMax: 8, maxPhrase: 3, betaA: 0.1 };
const L = 16;

function r2ftTrainer(base: Record<string, unknown>, overrides: Record<string, unknown> = {}): Trainer {
  // The Trainer class does not read `init` (train() does); the config still needs it.
  return new Trainer(tinyConfig(tmpDir("hdlm-r2ft-"), { objective: { kind: "r2ft", base, ...R2FT }, init: "runs/unused", batchSize: 8, optim: { lr: 1e-3, warmupSteps: 2 }, ...overrides }), owt);
}

/** lw and ll (batch means) of one fixed batch and fixed negatives under the trainer's parameters. */
function margins(t: Trainer, batch: ReturnType<typeof r2ftBatchFromRows>): { lw: number; ll: number } {
  const r = r2ftBatchLoss(t.params, t.model, batch, owt.vocabSize, t.config.objective as R2ftObjective);
  const lw = tf.tidy(() => r.lw.mean().dataSync()[0]), ll = tf.tidy(() => r.ll.mean().dataSync()[0]);
  tf.dispose([r.loss, r.lw, r.ll]);
  return { lw, ll };
}

for (const base of [{ kind: "mdlm" }, { kind: "hdlm", numClusters: 4 }]) {
  test(`r2ft on ${base.kind}: descent on its loss lowers ll relative to lw; a fine-tune on real text runs, every parameter gets a gradient, tensors flat`, () => {
    // the init: 40 steps of the base objective (from random parameters R2FT would first learn the unigram, raising ll too)
    const pre = new Trainer(tinyConfig(tmpDir("hdlm-r2ft-base-"), { objective: base, steps: 40, batchSize: 8, optim: { lr: 1e-2, warmupSteps: 2 } }), owt);
    const t = r2ftTrainer(base);
    try {
      for (let i = 0; i < 40; i++) pre.trainStep();
      for (const [n, v] of Object.entries(pre.params)) t.params[n].assign(v);
      assert.equal(t.model.seqLen, L);
      // gradient descent on the loss of one fixed batch of real text and its negatives
      const b = owt.batch("train", 3, 8, L, 7);
      const batch = r2ftBatchFromRows(b.tokens, b.mask, 8, L, t.config.objective as R2ftObjective, owt.vocabSize, new SeededRng(11));
      const before = margins(t, batch);
      const sgd = tf.train.sgd(0.05);
      for (let i = 0; i < 10; i++) {
        const { value, grads } = tf.variableGrads(() => {
          const r = r2ftBatchLoss(t.params, t.model, batch, owt.vocabSize, t.config.objective as R2ftObjective);
          tf.dispose([r.lw, r.ll]);
          return r.loss;
        });
        sgd.applyGradients(grads);
        tf.dispose([value, ...Object.values(grads)]);
      }
      sgd.dispose();
      const after = margins(t, batch);
      // the DiT's lw and ll share most of their gradient (the rejected tokens are copies of the prompt's), so with
      // β_a = 0.1 descent may move both one way; what the loss must do is lower ll relative to lw (decoding.md §3)
      const msg = `lw ${before.lw.toFixed(3)} -> ${after.lw.toFixed(3)}, ll ${before.ll.toFixed(3)} -> ${after.ll.toFixed(3)}`;
      assert.ok(after.lw - after.ll > before.lw - before.ll + 0.3, `margin lw - ll must rise: ${msg}`);
      // the trainer's fine-tune on real text (fresh batches and negatives each step)
      t.trainStep();
      const n0 = tf.memory().numTensors;
      for (let i = 1; i < 5; i++) assert.ok(Number.isFinite(t.trainStep().loss));
      assert.equal(tf.memory().numTensors, n0, "tensors leaked");
      assert.ok(Number.isFinite(t.evaluate()), "validation (the base ELBO) stays finite");
      // every parameter tensor has a gradient of the R2FT training loss
      const names = Object.keys(t.params);
      const bt = owt.batch("train", 1000, 8, L, 0);
      const maxAbs = tf.tidy(() => {
        const tokens = tf.tensor2d(bt.tokens, [8, L], "int32"), mask = tf.tensor2d(bt.mask, [8, L]);
        const { grads } = tf.variableGrads(() => t.objective.loss(t.params, t.model, { tokens, mask }, new SeededRng(1), true), names.map((n) => t.params[n]));
        return names.map((n) => (grads[t.params[n].name] === undefined ? 0 : tf.max(tf.abs(grads[t.params[n].name])).dataSync()[0]));
      });
      assert.deepEqual(names.filter((_, i) => !(maxAbs[i] > 0)), [], "parameters without gradient");
    } finally {
      t.dispose();
      pre.dispose();
    }
  });
}

test("--init: train() starts an r2ft run from a trained mdlm run's parameters; the r2ft run loads like its base", async () => {
  const root = tmpDir("hdlm-r2ft-init-");
  const baseDir = path.join(root, "mdlm");
  await train(tinyConfig(baseDir, { objective: { kind: "mdlm" }, steps: 2, batchSize: 4 }), { data: owt, progress: false });
  const cfg = tinyConfig(path.join(root, "r2ft"), { objective: { kind: "r2ft", base: { kind: "mdlm" }, ...R2FT }, init: baseDir, steps: 1, batchSize: 4 });
  // the copy itself: a fresh model of the r2ft config holds the base run's parameters after initFromRun
  const t = new Trainer(cfg, owt);
  const base = loadRun(baseDir);
  try {
    assert.equal(initFromRun(t.params, t.model, cfg, null, baseDir).step, 2);
    for (const [n, v] of Object.entries(base.params)) assert.deepEqual(t.params[n].dataSync(), v.dataSync(), n);
  } finally {
    t.dispose();
    base.dispose();
  }
  const r = await train(cfg, { data: owt, progress: false });
  assert.equal(r.step, 1);
  assert.ok(Number.isFinite(r.lastTrainLoss));
  const run = loadRun(path.join(root, "r2ft"));
  try {
    assert.equal(run.config.init, baseDir);
    assert.equal(run.tools({ steps: 4 }).sampler.sample(run.denoiser(), { batch: 1, length: 8 }).tokens.data.length, 8);
  } finally {
    run.dispose();
  }
});

test("bad R2FT input: no init, a missing init folder, an init run of the wrong kind: one line naming the field", async () => {
  const one = async (f: () => unknown, re: RegExp) => {
    await assert.rejects(async () => f(), (e: Error) => {
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"), e.message);
      return true;
    });
  };
  const cfg = { preset: "tiny", data: { files: [OWT_SMALL], vocabSize: 256 }, objective: { kind: "r2ft", base: { kind: "mdlm" } } };
  await one(() => resolveConfig(cfg), /^config\.init is required for objective r2ft/);
  await one(() => resolveConfig({ ...cfg, objective: { kind: "r2ft", base: { kind: "ar" } } , init: "x" }), /^config\.objective\.base\.kind must be "mdlm" or "hdlm"/);
  await one(() => resolveConfig({ ...cfg, objective: { kind: "r2ft" }, init: "x" }), /^config\.objective\.base is required/);
  await one(() => resolveConfig({ ...cfg, objective: { kind: "r2ft", base: { kind: "mdlm" }, betaA: -1 }, init: "x" }), /^config\.objective\.betaA must be/);
  const root = tmpDir("hdlm-r2ft-bad-");
  await one(() => train(tinyConfig(path.join(root, "a"), { objective: { kind: "r2ft", base: { kind: "mdlm" }, ...R2FT }, init: path.join(root, "nope"), steps: 1 }), { data: owt, progress: false }), /^init: run folder .*nope does not exist/);
  const arDir = path.join(root, "ar");
  await train(tinyConfig(arDir, { objective: { kind: "ar" }, steps: 1 }), { data: owt, progress: false });
  await one(() => train(tinyConfig(path.join(root, "b"), { objective: { kind: "r2ft", base: { kind: "mdlm" }, ...R2FT }, init: arDir, steps: 1 }), { data: owt, progress: false }), /^init: run .* trained a ar model, but this config's objective needs a mdlm model$/);
  assert.ok(!fs.existsSync(path.join(root, "b")), "a failed init touches no run folder");
  assert.deepEqual(parseTrainArgs(["--config", "c.json", "--init", "runs/x"]), { config: "c.json", resume: false, init: "runs/x" });
  // the example config (after `hdlm train --config configs/hdlm-tiny.json`); --init replaces its init
  const example = path.join(__dirname, "..", "..", "configs", "r2ft-hdlm-tiny.json");
  assert.equal(loadConfig(example).init, "runs/hdlm-tiny");
  assert.equal(loadConfig(example, { init: "runs/other" }).init, "runs/other");
  assert.equal((loadConfig(example).objective as R2ftObjective).base.kind, "hdlm");
  assert.throws(() => parseTrainArgs(["--config", "c.json", "--init"]), /--init needs a run folder/);
});
