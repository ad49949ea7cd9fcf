// Issue 11's trainable objectives (src/methods/{sedd,diffusion-lm,hybrid}.ts) beyond the method contract
// (test/contracts/method-contract.test.ts: pinned losses, falling validation loss with flat tensors, checkpoint round
// trip) and the gradient test (test/train/gradients.test.ts): the separate backbones exist; the normalised embedding stays at norm √d while the raw rows stay bounded; bad hybrid
// configs are one line naming the field; a tiny run of each trains, resumes, and answers `hdlm sample` and `hdlm eval`
// with its own bound (the hybrid's parts sum to its total; the sampler's calls match the configured step counts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { Trainer, TokenData, train, loadRun, resolveConfig } from "../../src/train";
import { parseEvalArgs, parseSampleArgs, runEval, runSample } from "../../src/cli";
import type { CliIo } from "../../src/cli";
import { normalisedEmbedding } from "../../src/methods/embedding-dit";
import { hybridPartsOfRun } from "../../src/experiments/hybrid";
import { CHAIN_BOUND_PARTS } from "../../src/hybrid";
import { OWT_SMALL, smallOwt, tinyConfig, tmpDir } from "../train/helpers";

let owt: TokenData;

before(async () => {
  await initEngine();
  owt = await smallOwt();
});

// Every parameter that should learn gets a gradient: test/train/gradients.test.ts runs these objectives too (SEDD
// log-linear and geometric, Diffusion-LM, the hybrid with shared and with separate D1/D2 backbones).

test("shareBackbone false gives D1 and D2 their own DiT (C and Emb shared); a checkpoint holds them", () => {
  const trainer = new Trainer(tinyConfig(tmpDir("hdlm-sep-"), { objective: { kind: "hybrid", shareBackbone: false }, steps: 4 }), owt);
  try {
    const names = Object.keys(trainer.params);
    const base = names.filter((n) => !n.includes("/") && n !== "embed");
    for (const seg of ["D1", "D2"]) assert.deepEqual(names.filter((n) => n.startsWith(`${seg}/`)).sort(), base.map((n) => `${seg}/${n}`).sort());
    assert.ok(!names.some((n) => n.startsWith("C/") || n.endsWith("/embed")));
  } finally {
    trainer.dispose();
  }
});

test("the hybrid's Emb stays at norm √d per row over training and the raw rows stay bounded (no collapse, no blow-up)", () => {
  const trainer = new Trainer(tinyConfig(tmpDir("hdlm-norm-"), { objective: { kind: "hybrid" }, steps: 40, batchSize: 8, optim: { lr: 1e-2, warmupSteps: 2 } }), owt);
  try {
    const d = trainer.model.hidden;
    const V = owt.vocabSize;
    const rawNorms = () => tf.tidy(() => Array.from(tf.norm(trainer.params.embed, "euclidean", 1).dataSync()));
    const before = rawNorms();
    for (let i = 0; i < 40; i++) trainer.trainStep();
    const norms = tf.tidy(() => Array.from(tf.norm(normalisedEmbedding(trainer.params, V + 1), "euclidean", 1).dataSync()));
    for (const n of norms) assert.ok(Math.abs(n - Math.sqrt(d)) < 1e-3, `row norm ${n} vs √d = ${Math.sqrt(d)}`);
    const after = rawNorms();
    const maxBefore = Math.max(...before);
    for (const n of after) assert.ok(Number.isFinite(n) && n > 1e-3 && n < 100 * maxBefore, `raw row norm ${n} (initial max ${maxBefore})`);
  } finally {
    trainer.dispose();
  }
});

test("bad hybrid configs: one line naming the field", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ split: { a: 0.8, b: 0.5 } }, /^c\.objective\.split\.a must be <= split\.b/],
    [{ split: { a: -0.1 } }, /^c\.objective\.split\.a must be a number in \[0, 1\]/],
    [{ split: { a: 0.2, b: 1.5 } }, /^c\.objective\.split\.b must be a number in \[0, 1\]/],
    [{ alphaBarAtB: 1 }, /^c\.objective\.alphaBarAtB must be a number in \(0, 1\)/],
    [{ alphaBarAtB: 0 }, /^c\.objective\.alphaBarAtB must be a number in \(0, 1\)/],
    [{ maskAtA: 1 }, /^c\.objective\.maskAtA must be a number in \(0, 1\)/],
    [{ maskAtA: 0 }, /^c\.objective\.maskAtA must be a number in \(0, 1\)/],
    [{ steps: { D1: 0, C: 5, D2: 5 } }, /^c\.objective\.steps\.D1 must be an integer >= 1 for a non-empty segment/],
    [{ steps: { D1: 5, C: 0, D2: 5 } }, /^c\.objective\.steps\.C must be an integer >= 1/],
    [{ chain: "independent" }, /^c\.objective\.chain must be "chained"/],
    [{ continuousWeighting: "snr" }, /^c\.objective\.continuousWeighting must be one of/],
    [{ split: { a: 0.3, c: 1 } }, /^c\.objective\.split\.c is not a known field/],
  ];
  for (const [o, re] of cases) {
    assert.throws(
      () => resolveConfig({ preset: "tiny", objective: { kind: "hybrid", ...o }, data: { files: [OWT_SMALL], vocabSize: 256 } }, "c"),
      (e: Error) => re.test(e.message) && !e.message.includes("\n"),
      JSON.stringify(o),
    );
  }
  assert.throws(() => resolveConfig({ preset: "tiny", objective: { kind: "sedd", noise: "cosine" } }, "c"), (e: Error) => /^c\.objective\.noise must be one of "loglinear", "geometric"/.test(e.message));
  assert.throws(() => resolveConfig({ preset: "tiny", objective: { kind: "diffusion-lm", alphaBarEnd: 0 } }, "c"), (e: Error) => /^c\.objective\.alphaBarEnd must be a number in \(0, 0\.5\]/.test(e.message));
});

function capture(): CliIo & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => void outLines.push(l), err: (l) => void errLines.push(l) };
}

for (const objective of [{ kind: "sedd" }, { kind: "diffusion-lm" }, { kind: "hybrid", steps: { D1: 2, C: 3, D2: 2 } }]) {
  test(`${objective.kind}: a run folder trains, resumes like an uninterrupted run, and answers hdlm sample and hdlm eval with its bound`, async () => {
    const dir = tmpDir(`hdlm-${objective.kind}-run-`);
    const cfg = tinyConfig(dir, { objective, steps: 4, evalEvery: 0, checkpointEvery: 2, logEvery: 1, evalBatches: 1 });
    const whole = await train(cfg, { data: owt, progress: false });
    const dir2 = tmpDir(`hdlm-${objective.kind}-resume-`);
    await train({ ...cfg, runDir: dir2, steps: 4 }, { data: owt, progress: false, hooks: { onMetrics: (l) => { if (l.step === 3) throw new Error("killed after the step-2 checkpoint"); } } }).catch(() => undefined);
    const resumed = await train({ ...cfg, runDir: dir2 }, { data: owt, progress: false, resume: true });
    assert.equal(resumed.lastTrainLoss, whole.lastTrainLoss, "resumed and uninterrupted runs end on the same loss");

    const s = capture();
    await runSample(parseSampleArgs(["--run", dir, "--steps", "7", "--n", "2"]), s);
    assert.equal(s.outLines.filter((l) => /^sample \d: "/.test(l)).length, 2, s.outLines.join("\n"));
    const e = capture();
    await runEval(parseEvalArgs(["--run", dir, "--max-batches", "1", "--k", "2", "--n", "2", "--steps", "6"]), e);
    assert.ok(e.outLines.some((l) => l.startsWith("valid_ppl_bound: ")), e.outLines.join("\n"));
    const est = e.outLines.find((l) => l.startsWith("valid_ppl_estimator: ")) ?? "";
    const nats = Number(/elbo ([0-9.]+) ±/.exec(est)?.[1]);
    assert.ok(Number.isFinite(nats) && nats > 0, `the bound in nats/token (an untrained Diffusion-LM's may exceed exp's range): ${est}`);
    assert.match(est, new RegExp(objective.kind === "sedd" ? "sedd-absorbing" : objective.kind === "hybrid" ? "§4 bound" : "Gaussian bound"));
    const partsLine = e.outLines.find((l) => l.startsWith("valid_bound_parts: "));
    assert.equal(partsLine !== undefined, objective.kind === "hybrid", "hdlm eval prints the hybrid's parts (only for hybrid runs)");
    if (partsLine !== undefined) assert.match(partsLine, /d1 -?[0-9.]+, maskEntropy -[0-9.]+, decoderA [0-9.]+, continuous [0-9.]+, boundaryB -?[0-9.]+, d2 [0-9.]+; total/);

    if (objective.kind === "hybrid") {
      const run = loadRun(dir);
      try {
        const calls: string[] = [];
        const r = run.sampler().sample(() => {
          throw new Error("unused");
        }, { batch: 2, length: run.model.seqLen, seed: 3, onStep: (k, u) => void calls.push(`${k}:${u}`) });
        assert.equal(r.steps, 7, "configured steps D1 2 + C 3 + D2 2");
        assert.equal(r.modelCalls, 8, "plus one decoder call at a");
        assert.ok(Array.from(r.tokens.data).every((id) => id >= 0 && id < run.vocabSize), "no MASK in the output");
        const batch = owt.batch("val", 0, 4, run.model.seqLen, 0);
        const parts = hybridPartsOfRun(dir, [{ key: "v", label: "v", batches: [batch], unkFraction: 0 }], 2, 0).v;
        const sum = CHAIN_BOUND_PARTS.reduce((a, k) => a + parts.parts[k], 0);
        assert.ok(Math.abs(sum - parts.natsPerToken) < 1e-9, `parts sum ${sum} vs total ${parts.natsPerToken}`);
        assert.ok(parts.roundingAccuracy > 0 && parts.roundingAccuracy <= 1);
      } finally {
        run.dispose();
      }
    }
  });
}
