// The fused training ops (LayerNorm, tanh-GELU, attention with rotary/masks, cross-entropy, FusedAdam): on native (one
// C++ pass) they equal the composite tfjs ops on the pure-JS cpu backend, values and gradients (rel. error <= 1e-4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { FusedAdam, attention, geluTanh, layerNorm, linearBias, weightedCrossEntropy } from "../../src/engine/native/fused";
import { SeededRng, compare, relErr, runOn, setupNative, skipNative, uniform } from "./native-helpers";

const opts = { skip: skipNative };

test("layerNorm: value and gradients (x, gamma, beta) match the cpu composite", opts, async () => {
  await setupNative();
  const rng = new SeededRng(41);
  for (const shape of [[1, 1], [3, 8], [2, 5, 33], [4, 256]]) {
    const d = shape[shape.length - 1];
    const xv = uniform(rng, shape.reduce((a, b) => a * b, 1), -2, 3);
    const gv = uniform(rng, d, 0.5, 1.5);
    const bv = uniform(rng, d, -0.5, 0.5);
    const wv = uniform(rng, xv.length);
    const err = await compare(() => {
      const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layerNorm(x, g, b), tf.tensor(wv, shape)));
      const args = [tf.tensor(xv, shape), tf.tensor1d(gv), tf.tensor1d(bv)];
      return [layerNorm(args[0], args[1], args[2]), ...tf.grads(f)(args)];
    });
    assert.ok(err <= 1e-4, `layerNorm [${shape}]: rel err ${err}`);
  }
  assert.throws(() => layerNorm(tf.ones([2, 3]), tf.ones([4]), tf.ones([3])), /gamma and beta must have 3 elements/);
});

test("geluTanh: value and gradient match the cpu composite", opts, async () => {
  await setupNative();
  const rng = new SeededRng(42);
  const xv = uniform(rng, 1000, -6, 6);
  const wv = uniform(rng, 1000);
  const err = await compare(() => {
    const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(geluTanh(x), tf.tensor(wv, [10, 100])));
    return [geluTanh(tf.tensor(xv, [10, 100])), tf.grad(f)(tf.tensor(xv, [10, 100]))];
  });
  assert.ok(err <= 1e-4, `gelu: rel err ${err}`);
});

test("weightedCrossEntropy: value and gradient match logSoftmax/oneHot on cpu; bad targets give a zero row", opts, async () => {
  await setupNative();
  const rng = new SeededRng(43);
  for (const [n, v] of [[1, 2], [5, 7], [64, 300]]) {
    const xv = uniform(rng, n * v, -8, 8);
    const tv = Int32Array.from({ length: n }, () => rng.int(v));
    const wv = uniform(rng, n, 0, 3);
    const err = await compare(() => {
      const t = tf.tensor1d(tv, "int32");
      const w = tf.tensor1d(wv);
      const f = (x: tf.Tensor): tf.Scalar => tf.mean(weightedCrossEntropy(x as tf.Tensor2D, t, w));
      return [weightedCrossEntropy(tf.tensor2d(xv, [n, v]), t, w), tf.grad(f)(tf.tensor2d(xv, [n, v]))];
    });
    assert.ok(err <= 1e-4, `cross-entropy [${n},${v}]: rel err ${err}`);
  }
  const [out] = await runOn("native", () => weightedCrossEntropy(tf.tensor2d([[0, 0], [1, 2]]), tf.tensor1d([5, 1], "int32"), tf.tensor1d([1, 1])));
  assert.equal(out.values[0], 0);
  assert.ok(Math.abs(out.values[1] - Math.log(1 + Math.exp(-1))) < 1e-6);
});

test("linearBias: value and gradients (x, w, bias) match matMul + add on cpu, incl. 1x1, K=1, rank 3 and zero rows", opts, async () => {
  await setupNative();
  const rng = new SeededRng(46);
  for (const [xs, n] of [[[1, 1], 1], [[5, 1], 3], [[7, 9], 4], [[2, 3, 16], 33], [[130, 70], 90], [[0, 4], 3]] as [number[], number][]) {
    const k = xs[xs.length - 1];
    const xv = uniform(rng, xs.reduce((a, b) => a * b, 1));
    const wv = uniform(rng, k * n);
    const bv = uniform(rng, n);
    const dyv = uniform(rng, (xv.length / k) * n);
    const outShape = [...xs.slice(0, -1), n];
    const err = await compare(() => {
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(linearBias(x, w as tf.Tensor2D, b as tf.Tensor1D), tf.tensor(dyv, outShape)));
      const args = [tf.tensor(xv, xs), tf.tensor2d(wv, [k, n]), tf.tensor1d(bv)];
      return [linearBias(args[0], args[1] as tf.Tensor2D, args[2] as tf.Tensor1D), ...tf.grads(f)(args)];
    });
    assert.ok(err <= 1e-4, `linearBias [${xs}] x [${k},${n}]: rel err ${err}`);
  }
  assert.throws(() => linearBias(tf.ones([2, 3]), tf.ones([4, 2]) as tf.Tensor2D, tf.ones([2]) as tf.Tensor1D), /input width 3 does not match weight rows 4/);
});

test("attention from fused QKV: value and gradient match the transpose/unstack/softmax composite on cpu", opts, async () => {
  await setupNative();
  const rng = new SeededRng(45);
  for (const [b, t, h, dh] of [[1, 1, 1, 1], [2, 5, 3, 4], [3, 17, 2, 8], [2, 64, 4, 16]]) {
    const d = h * dh;
    const xv = uniform(rng, b * t * 3 * d, -2, 2);
    const wv = uniform(rng, b * t * d);
    const err = await compare(() => {
      const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(attention(x as tf.Tensor3D, h), tf.tensor(wv, [b, t, d])));
      return [attention(tf.tensor3d(xv, [b, t, 3 * d]), h), tf.grad(f)(tf.tensor3d(xv, [b, t, 3 * d]))];
    });
    assert.ok(err <= 1e-4, `attention B${b} T${t} H${h} dh${dh}: rel err ${err}`);
  }
  assert.throws(() => attention(tf.ones([1, 2, 9]) as tf.Tensor3D, 2), /must be 3 x heads/);
});

/** Rotary tables (T, dh) as the models build them (halves repeated), as a factory for the active backend. */
function ropeTables(t: number, dh: number): () => { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const c = new Float32Array(t * dh);
  const s = new Float32Array(t * dh);
  for (let p = 0; p < t; p++) {
    for (let i = 0; i < dh / 2; i++) {
      const a = p * Math.pow(10000, (-2 * i) / dh);
      c[p * dh + i] = c[p * dh + dh / 2 + i] = Math.cos(a);
      s[p * dh + i] = s[p * dh + dh / 2 + i] = Math.sin(a);
    }
  }
  return () => ({ cos: tf.tensor2d(c, [t, dh]), sin: tf.tensor2d(s, [t, dh]) });
}

test("attention with rotary q/k, a key padding mask and the causal mask: native matches the cpu composite", opts, async () => {
  await setupNative();
  const rng = new SeededRng(47);
  for (const [b, t, h, dh] of [[1, 1, 1, 2], [2, 5, 3, 4], [3, 17, 2, 8], [2, 32, 4, 16]]) {
    const d = h * dh;
    const xv = uniform(rng, b * t * 3 * d, -2, 2);
    const wv = uniform(rng, b * t * d);
    // Padding at the end of every sequence but the first; sequence 1 (if any) entirely padded but its first key.
    const mv = new Float32Array(b * t);
    for (let i = 0; i < b; i++) for (let j = 0; j < t; j++) mv[i * t + j] = i === 0 || j < Math.max(1, t - 2 * i) ? 1 : 0;
    const rope = ropeTables(t, dh);
    for (const [useRope, useMask, causal] of [[true, false, false], [false, true, false], [false, false, true], [true, true, true]]) {
      const err = await compare(() => {
        const o = { rope: useRope ? rope() : undefined, keyMask: useMask ? tf.tensor2d(mv, [b, t]) : null, causal };
        const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(attention(x as tf.Tensor3D, h, o), tf.tensor(wv, [b, t, d])));
        return [attention(tf.tensor3d(xv, [b, t, 3 * d]), h, o), tf.grad(f)(tf.tensor3d(xv, [b, t, 3 * d]))];
      });
      assert.ok(err <= 1e-4, `attention B${b} T${t} H${h} dh${dh} rope ${useRope} mask ${useMask} causal ${causal}: rel err ${err}`);
    }
  }
  assert.throws(() => attention(tf.ones([1, 3, 12]) as tf.Tensor3D, 2, { rope: ropeTables(4, 2)() }), /rope.cos must have shape \[3, 2\]/);
  assert.throws(() => attention(tf.ones([1, 3, 12]) as tf.Tensor3D, 2, { keyMask: tf.ones([1, 4]) as tf.Tensor2D }), /keyMask must have shape \[1, 3\]/);
});

test("attention gradient on native (rotary + padding + causal) matches central finite differences", opts, async () => {
  await setupNative();
  const [b, t, h, dh] = [2, 6, 2, 4];
  const d = h * dh;
  const rng = new SeededRng(48);
  const xv = uniform(rng, b * t * 3 * d, -1, 1);
  const wv = uniform(rng, b * t * d);
  const mv = new Float32Array(b * t).fill(1);
  mv[t + t - 1] = 0;
  mv[t + t - 2] = 0;
  const rope = ropeTables(t, dh);
  const loss = (x: Float32Array): number =>
    tf.tidy(() => tf.sum(tf.mul(attention(tf.tensor3d(x, [b, t, 3 * d]), h, { rope: rope(), keyMask: tf.tensor2d(mv, [b, t]), causal: true }), tf.tensor(wv, [b, t, d]))).dataSync()[0]);
  const [g] = await runOn("native", () => {
    const o = { rope: rope(), keyMask: tf.tensor2d(mv, [b, t]), causal: true };
    return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(attention(x as tf.Tensor3D, h, o), tf.tensor(wv, [b, t, d]))))(tf.tensor3d(xv, [b, t, 3 * d]));
  });
  const eps = 1e-2;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < xv.length; i += 7) {
    const up = Float32Array.from(xv);
    const dn = Float32Array.from(xv);
    up[i] += eps;
    dn[i] -= eps;
    const fd = (loss(up) - loss(dn)) / (2 * eps);
    worst = Math.max(worst, Math.abs(fd - g.values[i]));
    scale = Math.max(scale, Math.abs(fd));
  }
  assert.ok(scale > 1e-2, "the probed gradient entries are not all ~0");
  assert.ok(worst <= 2e-3 * Math.max(1, scale), `finite differences: max abs diff ${worst} (scale ${scale})`);
});

test("FusedAdam on native equals tf.train.adam on cpu over 3 steps, and leaves no tensors behind", opts, async () => {
  await setupNative();
  const rng = new SeededRng(44);
  const x0 = uniform(rng, 300, -1, 1);
  const target = uniform(rng, 300, -1, 1);
  const run = async (backend: "cpu" | "native", fused: boolean): Promise<number[]> => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const init = tf.tensor2d(x0, [30, 10]);
    const v = tf.variable(init, true, `adam_${backend}_${fused}`);
    // The in-place update must not alter tensors that shared the variable's initial data.
    const opt = fused ? new FusedAdam(0.05) : tf.train.adam(0.05);
    for (let s = 0; s < 3; s++) {
      opt.minimize(() => tf.sum(tf.square(tf.sub(tf.mul(v, v), tf.tensor2d(target, [30, 10])))));
    }
    const initAfter = Array.from(init.dataSync());
    assert.deepEqual(initAfter, Array.from(x0), `${backend}: the initial tensor was modified`);
    const out = Array.from(v.dataSync());
    init.dispose();
    v.dispose();
    opt.dispose();
    assert.equal(tf.memory().numTensors, before, `${backend} fused=${fused}: tensors left behind`);
    await tf.setBackend("native");
    return out;
  };
  const ref = await run("cpu", false);
  const nat = await run("native", true);
  const cpuFused = await run("cpu", true);
  assert.ok(relErr(nat, ref) <= 1e-4, `native FusedAdam vs cpu adam: rel err ${relErr(nat, ref)}`);
  assert.ok(relErr(cpuFused, ref) <= 1e-4, `cpu FusedAdam (tfjs ops) vs cpu adam: rel err ${relErr(cpuFused, ref)}`);
  assert.ok(relErr(nat, Array.from(x0)) > 1e-3, "the parameters did not move");
});
