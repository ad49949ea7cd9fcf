// Tests of the R2FT loss (decoding.md §3 "What to test"): a scalar reference on hand-made log-probs, the gradient in
// lw is −β_w·σ(−m) − β_a (and β_l·σ(−m) in ll), training a toy policy on it raises the chosen and lowers the rejected
// log-likelihood, masked positions only, bad weights named in one line.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { maskedMeanLogLikelihood, r2ftLoss, r2ftLossValue, r2ftObjective } from "../../src/r2ft/loss";
import { buildR2ftBatch } from "../../src/r2ft/negatives";
import { checkR2ftLossOptions } from "../../src/r2ft/config";

before(async () => {
  await initEngine();
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test("objective on hand-made log-probs equals the scalar formula; only masked positions count", () => {
  // B = 1, L = 4, V = 3; chosen x0 = [0, 1, 2, 1], rejected xb = [0, 2, 2, 0]
  const P = [
    [0.7, 0.2, 0.1],
    [0.1, 0.6, 0.3],
    [0.2, 0.3, 0.5],
    [0.4, 0.4, 0.2],
  ];
  const logp = tf.tensor3d([P.map((r) => r.map(Math.log))]);
  const x0 = tf.tensor2d([[0, 1, 2, 1]], [1, 4], "int32");
  const xb = tf.tensor2d([[0, 2, 2, 0]], [1, 4], "int32");
  const cm = tf.tensor2d([[0, 1, 1, 1]]); // position 0 is unmasked in x_t: not counted
  const rm = tf.tensor2d([[0, 1, 1, 0]]);
  const lw = (Math.log(0.6) + Math.log(0.5) + Math.log(0.4)) / 3;
  const ll = (Math.log(0.3) + Math.log(0.5)) / 2;
  for (const o of [{}, { betaW: 2, betaL: 0.5, betaA: 1, gamma: 0.3 }, { betaA: 0, gamma: -1 }]) {
    const { loss, lw: lwT, ll: llT } = r2ftObjective(logp, { x0, rejected: xb, chosenMask: cm, rejectedMask: rm }, o);
    assert.ok(Math.abs(lwT.dataSync()[0] - lw) < 1e-6);
    assert.ok(Math.abs(llT.dataSync()[0] - ll) < 1e-6);
    const w = { betaW: 1, betaL: 1, betaA: 0.1, gamma: 0, ...o };
    const want = -Math.log(sigmoid(w.betaW * lw - w.betaL * ll - w.gamma)) - w.betaA * lw;
    assert.ok(Math.abs(r2ftLossValue(lw, ll, o) - want) < 1e-12);
    assert.ok(Math.abs(loss.dataSync()[0] - want) < 1e-5, `${JSON.stringify(o)}: ${loss.dataSync()[0]} vs ${want}`);
    tf.dispose([loss, lwT, llT]);
  }
  // summed over the batch
  const two = r2ftLoss(tf.tensor1d([lw, -1]), tf.tensor1d([ll, -3]));
  assert.ok(Math.abs(two.dataSync()[0] - (r2ftLossValue(lw, ll) + r2ftLossValue(-1, -3))) < 1e-5);
  // stable for large margins
  assert.ok(Number.isFinite(r2ftLossValue(-1000, 0)) && Math.abs(r2ftLossValue(-1000, 0) - (1000 + 100)) < 1e-9);
  assert.throws(() => maskedMeanLogLikelihood(logp, x0, tf.tensor2d([[0, 0, 0, 0]])), /^RangeError: mask must select at least one position in every row, row 0 selects none$/);
  assert.throws(() => maskedMeanLogLikelihood(logp, tf.tensor2d([[0, 3, 0, 0]], [1, 4], "int32"), cm), /^RangeError: targets must lie in \[0, 3\)/);
});

test("gradient: ∂L/∂lw = −β_w·σ(−m) − β_a and ∂L/∂ll = β_l·σ(−m)", () => {
  const lwV = [-2.3, -0.4, -5], llV = [-1.1, -3.0, -0.2];
  for (const o of [{}, { betaW: 2, betaL: 0.5, betaA: 1, gamma: 0.3 }, { betaW: 0.7, betaL: 3, betaA: 0, gamma: -2 }]) {
    const w = { betaW: 1, betaL: 1, betaA: 0.1, gamma: 0, ...o };
    const [gw, gl] = tf.grads((a: tf.Tensor, b: tf.Tensor) => r2ftLoss(a as tf.Tensor1D, b as tf.Tensor1D, o))([tf.tensor1d(lwV), tf.tensor1d(llV)]);
    const gwv = gw.dataSync(), glv = gl.dataSync();
    lwV.forEach((lw, b) => {
      const m = w.betaW * lw - w.betaL * llV[b] - w.gamma;
      assert.ok(Math.abs(gwv[b] - (-w.betaW * sigmoid(-m) - w.betaA)) < 1e-5, `d/dlw row ${b}: ${gwv[b]}`);
      assert.ok(Math.abs(glv[b] - w.betaL * sigmoid(-m)) < 1e-5, `d/dll row ${b}: ${glv[b]}`);
    });
    tf.dispose([gw, gl]);
  }
});

test("a toy policy trained on the loss raises the chosen and lowers the rejected log-likelihood", () => {
  const rng = new SeededRng(12);
  const V = 8, L = 48, B = 4, MASK = V, EOS = 7;
  const examples = Array.from({ length: B }, () => ({ x0: Array.from({ length: L }, () => rng.int(7)), responseStart: 8, responseEnd: 30 }));
  const batch = buildR2ftBatch(examples, { maskId: MASK, eosId: EOS }, 5);
  const targets = {
    x0: tf.tensor2d(batch.x0, [B, L], "int32"),
    rejected: tf.tensor2d(batch.rejected, [B, L], "int32"),
    chosenMask: tf.tensor2d(batch.chosenMask, [B, L]),
    rejectedMask: tf.tensor2d(batch.rejectedMask, [B, L]),
  };
  // The toy policy: logits = θ_pos[l] + E[x_t at l-1] (a position table and a bigram on the input), V outputs.
  const theta = tf.variable(tf.zeros([L, V]));
  const emb = tf.variable(tf.zeros([V + 1, V]));
  const prevIds = new Int32Array(B * L);
  for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) prevIds[b * L + l] = l === 0 ? MASK : batch.xt[b * L + l - 1];
  const prev = tf.tensor2d(prevIds, [B, L], "int32");
  const policy = () => tf.logSoftmax(tf.add(theta, tf.gather(emb, prev))) as tf.Tensor3D;
  const measure = () =>
    tf.tidy(() => {
      const { lw, ll } = r2ftObjective(policy(), targets);
      return [tf.mean(lw).dataSync()[0], tf.mean(ll).dataSync()[0]] as [number, number];
    });
  const [lw0, ll0] = measure();
  const opt = tf.train.sgd(0.5);
  const losses: number[] = [];
  for (let step = 0; step < 40; step++) {
    const loss = opt.minimize(() => r2ftObjective(policy(), targets).loss, true) as tf.Scalar;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const [lw1, ll1] = measure();
  assert.ok(lw1 > lw0 + 0.2, `chosen log-likelihood rose: ${lw0} -> ${lw1}`);
  assert.ok(ll1 < ll0 - 0.2, `rejected log-likelihood fell: ${ll0} -> ${ll1}`);
  assert.ok(lw1 - ll1 > lw0 - ll0 + 0.5);
  assert.ok(losses[losses.length - 1] < losses[0]);
  tf.dispose([theta, emb, prev, targets.x0, targets.rejected, targets.chosenMask, targets.rejectedMask]);
  opt.dispose();
});

test("bad weights: one line naming the field", () => {
  const oneLine = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof RangeError && re.test(e.message) && !e.message.includes("\n"));
  oneLine(() => checkR2ftLossOptions({ betaW: -1 }), /^betaW must be a finite number >= 0, got -1$/);
  oneLine(() => checkR2ftLossOptions({ betaL: NaN }), /^betaL/);
  oneLine(() => checkR2ftLossOptions({ betaA: Infinity }), /^betaA/);
  oneLine(() => checkR2ftLossOptions({ gamma: NaN }), /^gamma must be a finite number, got NaN$/);
  oneLine(() => r2ftLossValue(0, 0, { betaW: -2 }), /^betaW/);
  assert.deepEqual(checkR2ftLossOptions(), { betaW: 1, betaL: 1, betaA: 0.1, gamma: 0 });
});
