import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { SeededRng } from "../../src/util/rng";
import { groupAdvantages, grpoLoss, grpoStats, k3Kl, k3KlValue, completionMask } from "../../src/rl";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test("group advantages: r - group mean, summing to 0 per group; G < 2 names the field", () => {
  const rng = new SeededRng(1);
  const G = 6;
  const rewards = Array.from({ length: 5 * G }, () => rng.normal() * 3 + 1);
  const A = groupAdvantages(rewards, G);
  for (let g = 0; g < 5; g++) {
    let sum = 0;
    for (let j = 0; j < G; j++) sum += A[g * G + j];
    close(sum, 0, 1e-12, `group ${g}`);
  }
  const small = groupAdvantages([1, 0, 0, 3, 1, 2], 3);
  [2 / 3, -1 / 3, -1 / 3, 1, -1, 0].forEach((v, i) => close(small[i], v, 1e-15, `A[${i}]`));
  // no division by the standard deviation: scaling rewards scales advantages
  assert.deepEqual(Array.from(groupAdvantages([2, 0], 2)), [1, -1]);
  assert.deepEqual(Array.from(groupAdvantages([20, 0], 2)), [10, -10]);
  assert.throws(() => groupAdvantages([1, 2, 3], 1), /^RangeError: groupSize must be an integer >= 2 \(G completions per prompt\), got 1$/);
  assert.throws(() => groupAdvantages([1, 2, 3], 2), /^RangeError: rewards must hold a positive multiple of groupSize \(2\) values, got 3$/);
  assert.throws(() => groupAdvantages([1, NaN], 2), /^RangeError: rewards\[1\] must be a finite number/);
});

/** log-softmax in float64. */
function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

test("with rho = 1 and beta = 0 the loss gradient equals -A grad log p (finite differences on a toy)", () => {
  const B = 2, L = 3, V = 4;
  const rng = new SeededRng(2);
  const theta0 = Array.from({ length: B * L * V }, () => rng.normal());
  const tokens = [1, 3, 0, 2, 2, 1];
  const maskArr = [1, 1, 0, 1, 1, 1]; // one padded token
  const adv = [0.7, -1.3];
  const N = maskArr.reduce((a, b) => a + b, 0);
  // float64 reference: g(theta) = -(1/N) sum mask * A_b * logp_bl(theta)
  const logpOf = (theta: number[]): number[] => {
    const out: number[] = [];
    for (let k = 0; k < B * L; k++) out.push(logSoftmax(theta.slice(k * V, (k + 1) * V))[tokens[k]]);
    return out;
  };
  const g = (theta: number[]) => -logpOf(theta).reduce((acc, lp, k) => acc + maskArr[k] * adv[Math.floor(k / L)] * lp, 0) / N;
  const h = 1e-6;
  const fd = theta0.map((_, i) => {
    const p = theta0.slice(), m = theta0.slice();
    p[i] += h;
    m[i] -= h;
    return (g(p) - g(m)) / (2 * h);
  });
  const oldLogp = tf.tensor2d(logpOf(theta0), [B, L]); // rho = 1 at theta0
  const advantages = tf.tensor1d(adv);
  const mask = tf.tensor2d(maskArr, [B, L]);
  const onehot = tf.oneHot(tf.tensor2d(tokens, [B, L], "int32"), V);
  const lossOf = (theta: tf.Tensor): tf.Scalar => {
    const logp = tf.sum(tf.mul(tf.logSoftmax(tf.reshape(theta, [B, L, V])), onehot), -1) as tf.Tensor2D;
    return grpoLoss({ logp, oldLogp, advantages, mask }, { beta: 0 });
  };
  const grad = tf.grad(lossOf)(tf.tensor1d(theta0)).arraySync() as number[];
  for (let i = 0; i < grad.length; i++) close(grad[i], fd[i], 2e-5, `d loss / d theta[${i}]`);
  assert.ok(fd.some((x) => Math.abs(x) > 1e-2), "the toy gradient is not trivially zero");
  // the masked-out token (b = 0, l = 2) gets no gradient
  for (let v = 0; v < V; v++) assert.equal(Math.abs(grad[2 * V + v]), 0);
  tf.dispose([oldLogp, advantages, mask, onehot]);
});

test("clipping is active outside [1 - eps, 1 + eps] only in the direction that would increase the objective", () => {
  const eps = 0.5;
  // one token per row; oldLogp = 0 so rho = exp(logp)
  const rhos = [2.0, 0.3, 0.3, 2.0, 1.2, 0.8];
  const adv = [1, 1, -1, -1, 1, -1];
  const clippedExpected = [true, false, true, false, false, false];
  const B = rhos.length;
  const logp0 = tf.tensor2d(rhos.map(Math.log), [B, 1]);
  const oldLogp = tf.zeros([B, 1]) as tf.Tensor2D;
  const advantages = tf.tensor1d(adv);
  const mask = tf.ones([B, 1]) as tf.Tensor2D;
  const grad = tf.grad((logp: tf.Tensor) => grpoLoss({ logp: logp as tf.Tensor2D, oldLogp, advantages, mask }, { epsilon: eps, beta: 0 }))(logp0).arraySync() as number[][];
  for (let b = 0; b < B; b++) {
    const expected = clippedExpected[b] ? 0 : -adv[b] * rhos[b] / B; // d(-rho A)/d logp = -A rho, averaged over B tokens
    close(grad[b][0], expected, 1e-6, `row ${b}: rho ${rhos[b]}, A ${adv[b]}`);
  }
  // the loss values: clipped rows use (1 ± eps) A
  const loss = grpoLoss({ logp: logp0, oldLogp, advantages, mask }, { epsilon: eps, beta: 0 });
  const perRow = rhos.map((r, b) => -Math.min(r * adv[b], Math.min(Math.max(r, 1 - eps), 1 + eps) * adv[b]));
  close(loss.dataSync()[0], perRow.reduce((a, x) => a + x, 0) / B, 1e-6, "loss");
  const stats = grpoStats({ logp: logp0, oldLogp, advantages, mask }, { epsilon: eps, beta: 0 });
  close(stats.clipFraction, 2 / 6, 1e-7, "clip fraction");
  assert.equal(stats.tokens, 6);
  tf.dispose([logp0, oldLogp, advantages, mask, loss]);
});

test("k3 KL is >= 0, 0 at equality, e^d - d - 1, with zero gradient at equality", () => {
  const rng = new SeededRng(3);
  const ref = Array.from({ length: 2000 }, () => -5 * rng.uniform());
  const lp = ref.map((r, i) => (i % 4 === 0 ? r : i % 4 === 1 ? r + 1e-7 * rng.normal() : r + 2 * rng.normal()));
  const kl = k3Kl(tf.tensor1d(ref), tf.tensor1d(lp)).dataSync();
  for (let i = 0; i < ref.length; i++) {
    assert.ok(kl[i] >= 0, `tensor kl[${i}] = ${kl[i]}`);
    const v = k3KlValue(ref[i], lp[i]);
    assert.ok(v >= 0, `number kl[${i}] = ${v}`);
    const d = ref[i] - lp[i];
    close(v, Math.exp(d) - d - 1, 1e-12 * Math.max(1, Math.exp(d)), `formula ${i}`);
    close(kl[i], v, 1e-5 * Math.max(1, v), `tensor vs number ${i}`);
    if (i % 4 === 0) {
      assert.equal(kl[i], 0);
      assert.equal(v, 0);
    }
  }
  const x = tf.tensor1d([-1.5, -0.2]);
  const gradAtEq = tf.grad((l: tf.Tensor) => tf.sum(k3Kl(x, l)))(x).dataSync();
  assert.deepEqual(Array.from(gradAtEq), [0, 0]);
  // beta adds beta * mean KL to the loss
  const logp = tf.tensor2d([[-1, -2], [-0.5, -3]]);
  const refLogp = tf.tensor2d([[-1.2, -1.5], [-0.5, -2]]);
  const base = { logp, oldLogp: logp, refLogp, advantages: tf.tensor1d([1, -1]), mask: tf.ones([2, 2]) as tf.Tensor2D };
  const s0 = grpoStats(base, { beta: 0 });
  const s1 = grpoStats(base, { beta: 0.04 });
  close(s1.loss - s0.loss, 0.04 * s1.meanKl, 1e-6, "beta * KL");
  assert.ok(s1.meanKl > 0);
  assert.throws(() => grpoLoss({ ...base, refLogp: undefined }), /^RangeError: refLogp is required when beta > 0/);
  assert.throws(() => grpoLoss(base, { epsilon: 1 }), /^RangeError: epsilon must be a number in \(0, 1\)/);
  assert.throws(() => grpoLoss(base, { beta: -1 }), /^RangeError: beta must be a finite number >= 0/);
  assert.throws(() => grpoLoss({ ...base, mask: tf.ones([2, 3]) as tf.Tensor2D }), /^RangeError: mask must have shape \[2, 2\] like logp/);
  assert.throws(() => grpoLoss({ ...base, advantages: tf.tensor1d([1]) }), /^RangeError: advantages must have shape \[2\]/);
});

test("the completion mask runs up to and including the first EOS; the loss does not leak tensors", () => {
  const m = completionMask({ batch: 3, length: 4, data: [5, 0, 5, 0, 5, 5, 5, 5, 0, 1, 1, 1] }, 0);
  assert.deepEqual(m.arraySync(), [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]]);
  m.dispose();
  const logp = tf.tensor2d([[-1, -2], [-0.5, -3]]);
  const inputs = { logp, oldLogp: tf.tensor2d([[-1.1, -2], [-0.4, -3.5]]), refLogp: tf.tensor2d([[-1, -1], [-1, -1]]), advantages: tf.tensor1d([1, -1]), mask: tf.ones([2, 2]) as tf.Tensor2D };
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    grpoLoss(inputs).dispose();
    grpoStats(inputs);
  }
  assert.equal(tf.memory().numTensors, before);
});
