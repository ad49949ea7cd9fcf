// Every kernel of the native pack against the pure-JS cpu backend: random shapes, broadcasting, transposes,
// batch dims, odd sizes, 1x1, K = 1 and zero-size edges (relative error <= 1e-4, same shapes and dtypes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { SeededRng, compare, rand, relErr, runOn, setupNative, skipNative, uniform } from "./native-helpers";

const TOL = 1e-4;

/** Brute-force batched matmul with numpy batch broadcasting (float64 accumulation). */
function refMatmul(a: Float32Array, sa: number[], b: Float32Array, sb: number[], ta: boolean, tb: boolean): { shape: number[]; values: number[] } {
  const ra = sa.length;
  const rb = sb.length;
  const m = ta ? sa[ra - 1] : sa[ra - 2];
  const k = ta ? sa[ra - 2] : sa[ra - 1];
  const n = tb ? sb[rb - 2] : sb[rb - 1];
  const ba = sa.slice(0, -2);
  const bb = sb.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pa = [...new Array<number>(rank - ba.length).fill(1), ...ba];
  const pb = [...new Array<number>(rank - bb.length).fill(1), ...bb];
  const ob = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const nb = ob.reduce((x, y) => x * y, 1);
  const values: number[] = [];
  for (let bi = 0; bi < nb; bi++) {
    let rem = bi;
    let ia = 0;
    let ib = 0;
    let sA = 1;
    let sB = 1;
    for (let j = rank - 1; j >= 0; j--) {
      const idx = rem % ob[j];
      rem = Math.floor(rem / ob[j]);
      ia += (pa[j] === 1 ? 0 : idx) * sA;
      ib += (pb[j] === 1 ? 0 : idx) * sB;
      sA *= pa[j];
      sB *= pb[j];
    }
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) {
          const av = a[ia * m * k + (ta ? t * m + i : i * k + t)];
          const bv = b[ib * k * n + (tb ? j * k + t : t * n + j)];
          acc += av * bv;
        }
        values.push(acc);
      }
  }
  return { shape: [...ob, m, n], values };
}
const opts = { skip: skipNative };

test("native pack registers the training kernels", opts, async () => {
  const names = await setupNative();
  for (const k of ["BatchMatMul", "_FusedMatMul", "UnsortedSegmentSum", "Multiply", "Add", "Transpose", "Sum", "Softmax", "GatherV2"]) {
    assert.ok(names.includes(k), `${k} not native`);
  }
  // Every cpu kernel is available on native too.
  const cpu = tf.getKernelsForBackend("cpu").map((k) => k.kernelName);
  const nat = new Set(tf.getKernelsForBackend("native").map((k) => k.kernelName));
  assert.deepEqual(cpu.filter((k) => !nat.has(k)), []);
});

test("BatchMatMul: all transpose flags, batch broadcasting, odd sizes, 1x1, K=1, zero sizes", opts, async () => {
  await setupNative();
  const rng = new SeededRng(11);
  const cases: [number[], number[]][] = [
    [[1, 1], [1, 1]],
    [[7, 1], [1, 5]],
    [[3, 5], [5, 4]],
    [[33, 65], [65, 17]],
    [[130, 70], [70, 90]],
    [[4, 6, 9], [4, 9, 5]],
    [[4, 6, 9], [9, 5]],
    [[6, 9], [3, 9, 5]],
    [[2, 1, 6, 9], [3, 9, 5]],
    [[2, 3, 6, 9], [1, 3, 9, 5]],
    [[2, 1, 6, 9], [1, 3, 9, 5]],
    [[0, 4], [4, 3]],
    [[3, 0], [0, 4]],
    [[2, 0, 3, 4], [4, 5]],
  ];
  for (const [sa, sb] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const ra = sa.slice();
        const rb = sb.slice();
        if (ta) [ra[ra.length - 2], ra[ra.length - 1]] = [ra[ra.length - 1], ra[ra.length - 2]];
        if (tb) [rb[rb.length - 2], rb[rb.length - 1]] = [rb[rb.length - 1], rb[rb.length - 2]];
        const av = uniform(rng, ra.reduce((x, y) => x * y, 1));
        const bv = uniform(rng, rb.reduce((x, y) => x * y, 1));
        const label = `matMul [${ra}]${ta ? "T" : ""} x [${rb}]${tb ? "T" : ""}`;
        // Brute force with numpy broadcasting (the cpu kernel broadcasts batches by index modulo, wrong for [2,1] x [3]).
        const [got] = await runOn("native", () => tf.matMul(tf.tensor(av, ra), tf.tensor(bv, rb), ta, tb));
        const want = refMatmul(av, ra, bv, rb, ta, tb);
        assert.deepEqual(got.shape, want.shape, label);
        const errRef = relErr(got.values, want.values);
        assert.ok(errRef <= TOL, `${label} vs brute force: rel err ${errRef}`);
        if ((ra.length === 2 || rb.length === 2 || ra.slice(0, -2).join() === rb.slice(0, -2).join()) && ra.slice(0, -2).every((d) => d > 0)) {
          const err = await compare(() => tf.matMul(tf.tensor(av, ra), tf.tensor(bv, rb), ta, tb));
          assert.ok(err <= TOL, `${label} vs cpu: rel err ${err}`);
        }
      }
    }
  }
});

test("_FusedMatMul: bias and activations (relu, sigmoid, elu natively; others defer)", opts, async () => {
  await setupNative();
  const rng = new SeededRng(12);
  const a = rand(rng, [5, 7]);
  const b = rand(rng, [7, 6]);
  const bias = rand(rng, [6]);
  const bias2 = rand(rng, [5, 1]);
  for (const activation of ["linear", "relu", "sigmoid", "elu", "relu6", "leakyrelu"] as const) {
    for (const [bi, tb] of [[bias, false], [bias2, true], [null, false]] as const) {
      const err = await compare(() =>
        tf.fused.matMul({ a: a(), b: tb ? tf.transpose(b()) : b(), transposeB: tb, bias: bi === null ? undefined : bi(), activation, leakyreluAlpha: 0.1 }),
      );
      assert.ok(err <= TOL, `fused ${activation}: rel err ${err}`);
    }
  }
});

const BROADCAST_PAIRS: [number[], number[]][] = [
  [[], []],
  [[5], []],
  [[], [5]],
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[3, 4], [3, 1]],
  [[3, 1, 5], [1, 4, 1]],
  [[2, 3, 4, 5], [3, 1, 5]],
  [[2, 1, 4, 1], [1, 3, 1, 6]],
  [[1, 1], [1, 1]],
  [[0, 3], [3]],
  [[257, 129], [129]],
  [[70000], [70000]],
];

test("binary arithmetic ops broadcast like the JS kernels", opts, async () => {
  await setupNative();
  const rng = new SeededRng(13);
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["div", tf.div], ["maximum", tf.maximum],
    ["minimum", tf.minimum], ["squaredDifference", tf.squaredDifference], ["pow", tf.pow],
  ];
  for (const [sa, sb] of BROADCAST_PAIRS) {
    const a = rand(rng, sa, 0.1, 2);
    const b = rand(rng, sb, 0.5, 1.5);
    for (const [name, f] of ops) {
      const err = await compare(() => f(a(), b()));
      assert.ok(err <= TOL, `${name} [${sa}] with [${sb}]: rel err ${err}`);
    }
  }
});

test("comparisons return bool tensors equal to the JS kernels", opts, async () => {
  await setupNative();
  const rng = new SeededRng(14);
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["greater", tf.greater], ["greaterEqual", tf.greaterEqual], ["less", tf.less], ["lessEqual", tf.lessEqual],
    ["equal", tf.equal], ["notEqual", tf.notEqual],
  ];
  for (const [sa, sb] of BROADCAST_PAIRS.slice(0, 10)) {
    // Small integers so that equality happens often.
    const a = rand(rng, sa, 0, 3);
    const b = rand(rng, sb, 0, 3);
    for (const [name, f] of ops) {
      const err = await compare(() => f(tf.floor(a()), tf.floor(b())));
      assert.equal(err, 0, `${name} [${sa}] with [${sb}]`);
    }
  }
});

test("unary ops (including NaN and infinities) and zero-size inputs", opts, async () => {
  await setupNative();
  const rng = new SeededRng(15);
  const pos = rand(rng, [7, 33], 0.05, 4);
  const any = rand(rng, [7, 33], -4, 4);
  const special = () => tf.tensor1d([0, -0, 1e-30, -1e-30, 50, -50, 100, -100, Infinity, -Infinity, NaN]);
  const ops: [string, (x: tf.Tensor) => tf.Tensor, () => tf.Tensor][] = [
    ["exp", tf.exp, any], ["log", tf.log, pos], ["tanh", tf.tanh, any], ["sqrt", tf.sqrt, pos], ["rsqrt", tf.rsqrt, pos],
    ["neg", tf.neg, any], ["square", tf.square, any], ["abs", tf.abs, any], ["sigmoid", tf.sigmoid, any],
    ["relu", tf.relu, any], ["reciprocal", tf.reciprocal, pos], ["log1p", tf.log1p, pos], ["step", (x) => tf.step(x, 0.3), any],
    ["elu", tf.elu, any],
  ];
  for (const [name, f, x] of ops) {
    const err = await compare(() => f(x()));
    assert.ok(err <= TOL, `${name}: rel err ${err}`);
    const errSpecial = await compare(() => f(special()));
    assert.ok(errSpecial <= TOL, `${name} on special values: rel err ${errSpecial}`);
    const errEmpty = await compare(() => f(tf.zeros([0, 3])));
    assert.equal(errEmpty, 0, `${name} on an empty tensor`);
  }
  const big = rand(rng, [100003], -3, 3);
  for (const [name, f] of ops) {
    const err = await compare(() => f(big()));
    assert.ok(err <= TOL, `${name} (long, threaded): rel err ${err}`);
  }
});

test("reductions over any axes, keepDims, non-contiguous axes, 1-sized and empty dims", opts, async () => {
  await setupNative();
  const rng = new SeededRng(16);
  const shapes: [number[], (number | number[] | null)[]][] = [
    [[7], [0, null]],
    [[3, 5], [0, 1, -1, [0, 1], null]],
    [[2, 3, 4], [0, 1, 2, [0, 2], [1, 2], [0, 1]]],
    [[2, 1, 3, 5], [[0, 2], [1, 3], [0, 3], 1, [0, 1, 2, 3]]],
    [[4, 300], [1, 0]],
    [[0, 4], [1]],
  ];
  const ops: [string, (x: tf.Tensor, axis: number | number[] | null, keep: boolean) => tf.Tensor][] = [
    ["sum", (x, a, k) => tf.sum(x, a ?? undefined, k)],
    ["max", (x, a, k) => tf.max(x, a ?? undefined, k)],
    ["min", (x, a, k) => tf.min(x, a ?? undefined, k)],
    ["prod", (x, a, k) => tf.prod(x, a ?? undefined, k)],
    ["mean", (x, a, k) => tf.mean(x, a ?? undefined, k)],
  ];
  for (const [shape, axes] of shapes) {
    const x = rand(rng, shape, 0.5, 1.5);
    for (const axis of axes) {
      for (const keep of [false, true]) {
        for (const [name, f] of ops) {
          const err = await compare(() => f(x(), axis, keep));
          assert.ok(err <= TOL, `${name} [${shape}] axis ${JSON.stringify(axis)} keepDims ${keep}: rel err ${err}`);
        }
      }
    }
  }
  // Sum over an empty axis gives zeros.
  const errEmpty = await compare(() => tf.sum(tf.zeros([3, 0]), 1));
  assert.equal(errEmpty, 0);
});

test("softmax and logSoftmax over the last axis", opts, async () => {
  await setupNative();
  const rng = new SeededRng(17);
  for (const shape of [[1], [5], [3, 7], [2, 3, 129], [4, 1]]) {
    const x = rand(rng, shape, -20, 20);
    const err = await compare(() => [tf.softmax(x()), tf.logSoftmax(x())]);
    assert.ok(err <= TOL, `softmax [${shape}]: rel err ${err}`);
  }
});

test("transpose: every permutation of rank 4, size-1 dims, int32, large tiles", opts, async () => {
  await setupNative();
  const rng = new SeededRng(18);
  const x = rand(rng, [2, 3, 4, 5]);
  const perms: number[][] = [];
  const permute = (prefix: number[], rest: number[]): void => {
    if (rest.length === 0) perms.push(prefix);
    for (let i = 0; i < rest.length; i++) permute([...prefix, rest[i]], [...rest.slice(0, i), ...rest.slice(i + 1)]);
  };
  permute([], [0, 1, 2, 3]);
  for (const perm of perms) {
    const err = await compare(() => tf.transpose(x(), perm));
    assert.equal(err, 0, `perm ${perm}`);
  }
  for (const [shape, perm] of [[[1, 5, 1, 3], [3, 2, 1, 0]], [[67, 130], [1, 0]], [[3, 70, 1, 40], [0, 3, 2, 1]], [[0, 3], [1, 0]], [[9], [0]]] as [number[], number[]][]) {
    const y = rand(rng, shape);
    const err = await compare(() => tf.transpose(y(), perm));
    assert.equal(err, 0, `transpose [${shape}] perm ${perm}`);
    const errInt = await compare(() => tf.transpose(tf.cast(tf.mul(y(), 100), "int32"), perm));
    assert.equal(errInt, 0, `transpose int32 [${shape}] perm ${perm}`);
  }
});

test("gather (axis 0 and inner axes, int32 data) and out-of-range indices defer to the JS error", opts, async () => {
  await setupNative();
  const rng = new SeededRng(19);
  const x = rand(rng, [6, 4, 3]);
  const idx = [5, 0, 0, 3, 2];
  for (const axis of [0, 1, 2]) {
    const ids = idx.map((i) => i % [6, 4, 3][axis]);
    const err = await compare(() => tf.gather(x(), tf.tensor1d(ids, "int32"), axis));
    assert.equal(err, 0, `gather axis ${axis}`);
    const err2 = await compare(() => tf.gather(tf.cast(tf.mul(x(), 10), "int32"), tf.tensor2d([ids.slice(0, 2), ids.slice(2, 4)], [2, 2], "int32"), axis));
    assert.equal(err2, 0, `gather int32, 2-D indices, axis ${axis}`);
  }
  await setupNative();
  assert.throws(() => tf.tidy(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([3], "int32"))), /index|bounds|range/i);
});

test("unsortedSegmentSum: repeated, negative and out-of-range ids", opts, async () => {
  await setupNative();
  const rng = new SeededRng(20);
  const x = rand(rng, [9, 5]);
  const ids = [0, 3, 3, -1, 7, 2, 3, 9, 0];
  const err = await compare(() => tf.unsortedSegmentSum(x(), tf.tensor1d(ids, "int32"), 8));
  assert.ok(err <= TOL, `segment sum: rel err ${err}`);
  const x1 = rand(rng, [6]);
  const err1 = await compare(() => tf.unsortedSegmentSum(x1(), tf.tensor1d([1, 1, 0, 4, 2, 1], "int32"), 5));
  assert.ok(err1 <= TOL, `segment sum 1-D: rel err ${err1}`);
  // Direct check of the scatter-add on native (the cpu kernel drops negative ids the same way).
  await setupNative();
  const got = tf.tidy(() => Array.from(tf.unsortedSegmentSum(tf.tensor1d([1, 2, 4, 8]), tf.tensor1d([2, -1, 2, 5], "int32"), 3).dataSync()));
  assert.deepEqual(got, [0, 0, 5]);
});

test("select, cast, addN", opts, async () => {
  await setupNative();
  const rng = new SeededRng(21);
  const a = rand(rng, [4, 5]);
  const b = rand(rng, [4, 5]);
  let err = await compare(() => tf.where(tf.greater(a(), b()), a(), b()));
  assert.equal(err, 0, "where elementwise");
  err = await compare(() => tf.where(tf.tensor2d([[true], [false], [false], [true]], [4, 1], "bool"), a(), b()));
  assert.equal(err, 0, "where with a broadcast condition");
  err = await compare(() => tf.where(tf.greater(a(), 0), tf.cast(tf.mul(a(), 10), "int32"), tf.cast(b(), "int32")));
  assert.equal(err, 0, "where int32");
  err = await compare(() => [tf.cast(tf.mul(a(), 7), "int32"), tf.cast(tf.cast(tf.mul(a(), 7), "int32"), "float32"), tf.cast(tf.round(a()), "bool"), tf.cast(tf.greater(a(), 0), "float32")]);
  assert.equal(err, 0, "cast");
  err = await compare(() => tf.addN([a(), b(), a(), tf.neg(b()), a()]));
  assert.ok(err <= TOL, `addN: rel err ${err}`);
});

test("native kernels leave no tensors behind and stay on the native backend", opts, async () => {
  await setupNative();
  const rng = new SeededRng(22);
  const a = rand(rng, [8, 16]);
  const b = rand(rng, [16, 4]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) {
    tf.tidy(() => tf.sum(tf.softmax(tf.add(tf.matMul(a(), b()), 1)), 0).dataSync());
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.getBackend(), "native");
  const [out] = await runOn("native", () => tf.sum(tf.matMul(a(), b())));
  assert.ok(Number.isFinite(out.values[0]));
});
