// The reference DiT in hdlm-lab without PyTorch: its layout (mdlm-owt's 169,627,218 parameters, the count the
// PyTorch twin prints), a fresh model's zero logits, the conversions to and from hdlm-lab's DiT (the sigma = 0
// fold gives the same logits through ditForward at every t; conditioning "t" converts both ways bit for bit),
// SUBS, sigma(t), and finite gradients (the forward is trainable).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine/tf";
import { initEngine } from "../../src/engine";
import {
  mdlmDitLayout,
  initMdlmDitParams,
  mdlmDitForward,
  mdlmSubs,
  mdlmSigma,
  toHdlmDitParams,
  fromHdlmDitParams,
  mdlmToModelConfig,
  mdlmDitBuffers,
  type MdlmDitConfig,
  type HostTensors,
} from "../../src/models/mdlm-dit";
import { ditForward } from "../../src/models/transformer";
import type { Params } from "../../src/models/params";
import { SeededRng } from "../../src/util/rng";
import { randomWeights } from "./weights";

before(async () => {
  await initEngine();
});

const TINY: MdlmDitConfig = { vocabSize: 41, hidden: 16, blocks: 2, heads: 2, condDim: 8, mlpRatio: 4, seqLen: 12, conditioning: "none" };


function vars(w: HostTensors): Params {
  const p: Params = {};
  for (const [k, t] of w) p[k] = tf.variable(tf.tensor(t.data, t.shape, "float32"), true);
  return p;
}

function tokens(c: MdlmDitConfig, B: number, T: number, seed: number): tf.Tensor2D {
  const rng = new SeededRng(seed);
  const ids = new Int32Array(B * T).map(() => (rng.uniform() < 0.4 ? c.vocabSize - 1 : Math.floor(rng.uniform() * (c.vocabSize - 1))));
  return tf.tensor2d(ids, [B, T], "int32");
}

test("layout: mdlm-owt's size has 169,627,218 parameters in reference order; the rotary buffer has head width / 2 entries", () => {
  const owt: MdlmDitConfig = { vocabSize: 50258, hidden: 768, blocks: 12, heads: 12, condDim: 128, mlpRatio: 4, seqLen: 1024, conditioning: "none" };
  const L = mdlmDitLayout(owt);
  assert.equal(L.reduce((n, l) => n + l.shape.reduce((a, b) => a * b, 1), 0), 169_627_218);
  assert.deepEqual(L.slice(0, 6).map((l) => l.name), ["vocab_embed.embedding", "sigma_map.mlp.0.weight", "sigma_map.mlp.0.bias", "sigma_map.mlp.2.weight", "sigma_map.mlp.2.bias", "blocks.0.norm1.weight"]);
  assert.deepEqual(L.find((l) => l.name === "blocks.11.attn_qkv.weight")!.shape, [2304, 768]);
  assert.deepEqual(L.find((l) => l.name === "output_layer.linear.weight")!.shape, [50258, 768]);
  assert.equal(L[L.length - 1].name, "output_layer.adaLN_modulation.bias");
  const inv = mdlmDitBuffers(owt).get("rotary_emb.inv_freq")!;
  assert.deepEqual(inv.shape, [32]);
  assert.equal(inv.data[0], 1);
  assert.ok(Math.abs(inv.data[31] - 1 / 10000 ** (62 / 64)) < 1e-9);
});

test("a fresh reference DiT (zero adaLN and head) outputs all-zero logits", () => {
  const p = initMdlmDitParams(TINY, 1);
  const y = mdlmDitForward(p, TINY, tokens(TINY, 2, 6, 2), tf.tensor1d([0, 1.5]));
  assert.deepEqual(y.shape, [2, 6, 41]);
  assert.equal(tf.max(tf.abs(y)).dataSync()[0], 0);
});

test("the sigma = 0 fold: hdlm-lab's ditForward on converted weights equals the reference at sigma = 0, for every t", () => {
  const w = randomWeights(TINY, 5);
  const ref = vars(w);
  const hd = vars(toHdlmDitParams(w, TINY));
  const x = tokens(TINY, 3, 10, 6);
  const want = mdlmDitForward(ref, TINY, x, tf.zeros([3]) as tf.Tensor1D).dataSync();
  for (const t of [0, 0.3, 1]) {
    const got = ditForward(hd, mdlmToModelConfig(TINY), x, tf.fill([3], t) as tf.Tensor1D).logits.dataSync();
    let m = 0;
    for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
    assert.ok(m < 1e-5, `t=${t}: ${m}`);
  }
  // and the conditioning matters: sigma = 1 gives other logits
  const other = mdlmDitForward(ref, TINY, x, tf.ones([3]) as tf.Tensor1D).dataSync();
  assert.ok(other.some((v, i) => Math.abs(v - want[i]) > 1e-3));
});

test("conditioning t: reference -> hdlm-lab -> reference is bit for bit, and both forwards agree at sigma := t", () => {
  const c: MdlmDitConfig = { ...TINY, conditioning: "t" };
  const w = randomWeights(c, 9);
  const hd = toHdlmDitParams(w, c);
  const back = fromHdlmDitParams(hd, c);
  assert.deepEqual([...back.keys()], [...w.keys()]);
  for (const [k, t] of w) assert.deepEqual(back.get(k)!.data, t.data, k);
  const x = tokens(c, 2, 8, 3);
  const t = tf.tensor1d([0.2, 0.9]);
  const a = mdlmDitForward(vars(w), c, x, t).dataSync();
  const b = ditForward(vars(hd), mdlmToModelConfig(c), x, t).logits.dataSync();
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  assert.ok(m < 1e-5, String(m));
  assert.throws(() => toHdlmDitParams(w, { ...c, conditioning: "sigma" }), /sigma\(t\)/);
});

test("SUBS: MASK never predicted, rows of masked positions sum to 1, unmasked positions copy their token", () => {
  const w = randomWeights(TINY, 11);
  const x = tokens(TINY, 2, 7, 12);
  const lp = mdlmSubs(mdlmDitForward(vars(w), TINY, x, tf.tensor1d([0.1, 2])), x, TINY.vocabSize - 1);
  const v = lp.arraySync() as number[][][];
  const ids = x.arraySync() as number[][];
  for (let b = 0; b < 2; b++) {
    for (let i = 0; i < 7; i++) {
      const row = v[b][i];
      if (ids[b][i] === TINY.vocabSize - 1) {
        assert.ok(row[TINY.vocabSize - 1] < -1e5);
        const s = row.reduce((a, l) => a + Math.exp(l), 0);
        assert.ok(Math.abs(s - 1) < 1e-5, String(s));
      } else {
        assert.equal(row[ids[b][i]], 0);
        assert.ok(row.every((l, j) => j === ids[b][i] || l <= -1e5));
      }
    }
  }
});

test("sigma(t) = -log(1 - (1 - 1e-3) t)", () => {
  const s = mdlmSigma(tf.tensor1d([0, 0.5, 1])).dataSync();
  assert.ok(Math.abs(s[0]) < 1e-7);
  assert.ok(Math.abs(s[1] - -Math.log(1 - 0.999 * 0.5)) < 1e-6);
  assert.ok(Math.abs(s[2] - -Math.log(1e-3)) < 1e-4);
});

test("the reference forward is trainable: finite, non-zero gradients reach every parameter", () => {
  const w = randomWeights(TINY, 13);
  const p = vars(w);
  const x = tokens(TINY, 2, 6, 14);
  const target = tf.oneHot(tf.tensor1d(new Int32Array(12).map((_, i) => i % 40), "int32"), TINY.vocabSize);
  const { grads } = tf.variableGrads(() => {
    const lp = mdlmSubs(mdlmDitForward(p, TINY, x, tf.tensor1d([0.5, 1])), x, TINY.vocabSize - 1);
    const masked = tf.reshape(tf.cast(tf.equal(x, TINY.vocabSize - 1), "float32"), [12, 1]);
    return tf.neg(tf.sum(tf.mul(tf.mul(tf.reshape(lp, [12, TINY.vocabSize]), target), masked))) as tf.Scalar;
  }, Object.values(p));
  for (const [name, v] of Object.entries(p)) {
    const g = grads[v.name].dataSync();
    assert.ok(g.every(Number.isFinite), `${name}: non-finite gradient`);
    if (name !== "vocab_embed.embedding") assert.ok(g.some((e) => e !== 0), `${name}: zero gradient`);
  }
});
