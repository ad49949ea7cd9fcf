// MDLM loss on the fused per-row log-sum-exp: values and gradient equal the plain tfjs formula
// (logSoftmax over the first V columns at masked, non-padding positions, weight 1/t), MASK column untouched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { LogLinearSchedule } from "../../src/schedules";
import { mdlmLoss } from "../../src/losses";
import { randomLogits } from "./helpers";

test("MDLM loss and its gradient equal the plain logSoftmax formula (padding, MASK column gets no gradient)", async () => {
  await initEngine();
  const s = new LogLinearSchedule();
  const B = 2, L = 6, V = 9, W = V + 1;
  const logitsV = tf.variable(tf.tensor3d(randomLogits(B * L * W, 4, 2), [B, L, W]));
  const xs = [3, 1, 4, 1, 5, 8, 2, 6, 5, 3, 5, 0];
  const zs = [V, 1, V, V, 5, V, 2, V, V, 3, V, V];
  const pm = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1];
  const tv = [0.3, 0.9];
  const x = tf.tensor2d(xs, [B, L], "int32"), z = tf.tensor2d(zs, [B, L], "int32"), t = tf.tensor1d(tv), padMask = tf.tensor2d(pm, [B, L]);
  const fused = tf.variableGrads(() => {
    const r = mdlmLoss(logitsV as unknown as tf.Tensor3D, x, z, t, { schedule: s, vocabSize: V, padMask });
    tf.dispose([r.trainPerToken, r.elboPerToken, r.elbo]);
    return r.trainLoss;
  });
  const weights = Float32Array.from(xs, (_, i) => (zs[i] === V && pm[i] === 1 ? 1 / tv[Math.floor(i / L)] : 0));
  const plain = tf.variableGrads(() => {
    const tok = tf.reshape(tf.slice(logitsV, [0, 0, 0], [B, L, V]), [B * L, V]);
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(tok), tf.oneHot(tf.tensor1d(xs, "int32"), V)), 1));
    return tf.div(tf.sum(tf.mul(nll, tf.tensor1d(weights))), pm.reduce((a, b) => a + b, 0)) as tf.Scalar;
  });
  assert.ok(Math.abs(fused.value.dataSync()[0] - plain.value.dataSync()[0]) < 1e-5, `${fused.value.dataSync()[0]} vs ${plain.value.dataSync()[0]}`);
  const gf = fused.grads[logitsV.name].dataSync(), gp = plain.grads[logitsV.name].dataSync();
  for (let i = 0; i < gf.length; i++) assert.ok(Math.abs(gf[i] - gp[i]) < 1e-6, `grad ${i}: ${gf[i]} vs ${gp[i]}`);
  for (let r = 0; r < B * L; r++) assert.equal(gf[r * W + V], 0, `MASK column of row ${r}`);
  tf.dispose([logitsV, x, z, t, padMask, fused.value, plain.value, ...Object.values(fused.grads), ...Object.values(plain.grads)]);
});
