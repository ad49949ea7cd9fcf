// Training mdlm's reference DiT (`model.arch: "mdlm-dit"`, issue 13): the parameters carry the reference's names,
// MDLM and GIDD train on real text, the run folder loads back through load-run as the reference layout with the same
// logits, and bad settings are one line naming the field.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { Trainer, TokenData, train, loadRun, resolveConfig, sampleRun } from "../../src/train";
import { mdlmDitLayout, mdlmDitConfigOf } from "../../src/models";
import { smallOwt, tinyConfig, tmpDir, OWT_SMALL } from "./helpers";

let owt: TokenData;

before(async () => {
  await initEngine();
  owt = await smallOwt();
});

const ref = (objective: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  tinyConfig(tmpDir("hdlm-arch-"), { objective, model: { arch: "mdlm-dit", conditioning: "sigma" }, batchSize: 8, steps: 30, optim: { lr: 1e-2, warmupSteps: 5 }, evalBatches: 4, ...extra });

test("mdlm-dit: the parameters are the reference's, and MDLM and GIDD+ validation losses fall on real text", () => {
  for (const objective of [{ kind: "mdlm" }, { kind: "gidd" }]) {
    const t = new Trainer(ref(objective), owt);
    try {
      const want = mdlmDitLayout(mdlmDitConfigOf(t.model)).map((l) => l.name).sort();
      assert.deepEqual(Object.keys(t.params).sort(), want);
      const before = t.evaluate();
      for (let i = 0; i < 30; i++) t.trainStep();
      const after = t.evaluate();
      assert.ok(after < before - 0.5, `${objective.kind}: ${before} -> ${after}`);
    } finally {
      t.dispose();
    }
  }
});

test("mdlm-dit: a trained run folder loads as the reference layout and gives the trainer's logits; it samples", async () => {
  const cfg = ref({ kind: "mdlm" }, { steps: 4, evalEvery: 0, checkpointEvery: 0 });
  await train(cfg, { data: owt, progress: false });
  const t = new Trainer(cfg, owt);
  const run = loadRun(cfg.runDir);
  try {
    t.loadCheckpoint();
    const z = tf.tensor2d([[1, 256, 3, 256]], [1, 4], "int32");
    const tt = tf.tensor1d([0.6]);
    const pad = tf.ones([1, 4]) as tf.Tensor2D;
    const a = tf.tidy(() => run.evalModel()(z, tt, pad).dataSync());
    const { ditDenoiser } = await import("../../src/methods");
    const b = tf.tidy(() => ditDenoiser(t.params, t.model)(z, tt, pad).dataSync());
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `logit ${i}: ${a[i]} vs ${b[i]}`);
    const s = sampleRun(run, { n: 2, steps: 3, seed: 1 });
    for (const id of s.tokens.data) assert.ok(id >= 0 && id < 256, `sampled id ${id}`);
    tf.dispose([z, tt, pad]);
  } finally {
    t.dispose();
    run.dispose();
  }
});

test("mdlm-dit: bad settings are one line naming the field", () => {
  const base = { preset: "tiny", runDir: tmpDir("hdlm-arch-bad-"), objective: { kind: "mdlm" }, data: { files: [OWT_SMALL], vocabSize: 256 } };
  assert.throws(() => resolveConfig({ ...base, model: { arch: "gpt" } }), /config\.model\.arch must be one of "hdlm-dit", "mdlm-dit", got "gpt"/);
  assert.throws(() => resolveConfig({ ...base, model: { conditioning: "sigma" } }), /config\.model\.conditioning applies to model\.arch "mdlm-dit" only/);
  assert.throws(() => new Trainer(ref({ kind: "hdlm", numClusters: 4 }), owt), /config\.model\.arch "mdlm-dit" \(mdlm's reference DiT\) trains the mdlm and gidd objectives, not hdlm/);
  assert.throws(() => new Trainer(ref({ kind: "ar" }), owt), /mdlm-dit.*not ar|a causal \(ar\) objective/);
  // Configs without arch resolve exactly as before (no arch field written), so earlier runs still resume.
  assert.equal("arch" in resolveConfig({ ...base }).model, false);
});
