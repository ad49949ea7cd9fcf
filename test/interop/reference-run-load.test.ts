// load-run reads a run folder whose checkpoint holds mdlm's DiT in the reference layout (an imported time-conditioned
// checkpoint): the parameters load through src/models/mdlm-dit.ts `referenceRunModel` (no upward import from
// src/train), its denoiser and eval model are mdlm's DiT fed sigma(t), and `sampleRun` draws from it. Needs no PyTorch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf } from "../../src/engine/tf";
import { initEngine } from "../../src/engine";
import { writeImportedRun, type ImportedMdlm } from "../../src/interop";
import { mdlmDitForward, mdlmSigma, referenceRunModel, type MdlmDitConfig, type HostTensors } from "../../src/models/mdlm-dit";
import type { Params } from "../../src/models/params";
import { loadRun, sampleRun } from "../../src/train/load-run";
import { readCheckpoint } from "../../src/train/checkpoint";
import { randomWeights } from "./weights";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-ref-run-"));
before(async () => {
  await initEngine();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// GPT-2 + MASK ids (what a run folder reads), a tiny network.
const C: MdlmDitConfig = { vocabSize: 50258, hidden: 16, blocks: 1, heads: 2, condDim: 8, mlpRatio: 2, seqLen: 8, conditioning: "sigma" };


const imported = (weights: HostTensors, config: MdlmDitConfig = C): ImportedMdlm => ({
  config,
  weights,
  source: { file: "made-in-test.safetensors", format: "safetensors", prefix: "", ema: false, inferred: {}, ignored: [] },
});

test("a reference-layout run folder loads: denoiser and eval model are mdlm's DiT at sigma(t); sampling runs", () => {
  const weights = randomWeights(C, 3, 0.4);
  const run = path.join(dir, "run");
  writeImportedRun(imported(weights), run, { layout: "reference" });
  const r = loadRun(run);
  const direct: Params = {};
  for (const [k, t] of weights) direct[k] = tf.variable(tf.tensor(t.data, t.shape, "float32"), false);
  try {
    assert.ok(r.params["vocab_embed.embedding"] !== undefined, "the run's params are the reference's names");
    const tokens = tf.tensor2d([[5, 50257, 11, 50257, 2, 50257], [50257, 50257, 9, 4, 50257, 1]], [2, 6], "int32");
    const t = tf.tensor1d([0.3, 0.85]);
    const want = mdlmDitForward(direct, C, tokens, mdlmSigma(t)).dataSync();
    const got = r.denoiser()(tokens, t).dataSync();
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - got[i]));
    assert.ok(d < 1e-5, `denoiser differs from mdlmDitForward at sigma(t) by ${d}`);
    const pad = tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], [2, 6]);
    const e1 = r.evalModel()(tokens, t, pad).dataSync();
    const e2 = mdlmDitForward(direct, C, tokens, mdlmSigma(t), pad).dataSync();
    let de = 0;
    for (let i = 0; i < e1.length; i++) de = Math.max(de, Math.abs(e1[i] - e2[i]));
    assert.ok(de < 1e-5, `eval model differs by ${de}`);
    // time-conditioned: other t, other logits
    const other = r.denoiser()(tokens, tf.tensor1d([0.9, 0.1])).dataSync();
    let dt = 0;
    for (let i = 0; i < other.length; i++) dt = Math.max(dt, Math.abs(other[i] - got[i]));
    assert.ok(dt > 1e-3, "logits must depend on t");
    const s = sampleRun(r, { n: 1, steps: 3, length: 6, seed: 1 });
    assert.equal(s.tokens.data.length, 6);
    for (const id of s.tokens.data) assert.ok(id >= 0 && id < 50257, `sampled id ${id} must be a GPT-2 token`);
  } finally {
    r.dispose();
    for (const v of Object.values(direct)) v.dispose();
  }
});

test("referenceRunModel: null for hdlm-lab's own layout, one-line errors for a wrong objective or a missing tensor", () => {
  const run = path.join(dir, "own");
  writeImportedRun(imported(randomWeights(C, 4, 0.4), { ...C, conditioning: "t" }), run, { layout: "hdlm", force: true });
  const sizes = { vocabSize: C.vocabSize, hidden: C.hidden, blocks: C.blocks, heads: C.heads, condDim: C.condDim, mlpRatio: C.mlpRatio, seqLen: C.seqLen };
  assert.equal(referenceRunModel(readCheckpoint(path.join(run, "checkpoint.bin")), sizes, "mdlm", "own.bin"), null);
  const ref = path.join(dir, "ref");
  writeImportedRun(imported(randomWeights(C, 5, 0.4)), ref, { layout: "reference" });
  const ck = readCheckpoint(path.join(ref, "checkpoint.bin"));
  assert.throws(() => referenceRunModel(ck, sizes, "hdlm", "ref.bin"), /ref.bin holds mdlm's DiT but the run's objective is hdlm/);
  delete ck.tensors["param/blocks.0.attn_qkv.weight"];
  assert.throws(() => referenceRunModel(ck, sizes, "mdlm", "ref.bin"), /ref.bin lacks param\/blocks.0.attn_qkv.weight with shape \[48, 16\]/);
});
