// Tests of the GIDD mixing schedule: sanity values, marginals summing to 1, derivatives against finite
// differences, tensor forms against scalar forms, and errors that name the bad argument.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { GiddSchedule, giddMarginal } from "../../src/schedules/gidd";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test("p_u = 0.1, t = 0.5 gives alpha 0.45, mask 0.45, uniform 0.10", () => {
  const s = new GiddSchedule({ pu: 0.1 });
  close(s.alpha(0.5), 0.45, 1e-12, "alpha");
  close(s.maskMass(0.5), 0.45, 1e-12, "mask");
  close(s.uniformMass(0.5), 0.1, 1e-12, "uniform");
  close(s.B, (2 * 0.1) / 0.9, 1e-12, "B");
});

test("masses sum to 1 and each marginal row sums to 1", () => {
  for (const pu of [0, 0.05, 0.1, 0.5]) {
    for (const gamma of [0.5, 1, 2, 3]) {
      const s = new GiddSchedule({ pu, gamma });
      for (let i = 0; i <= 20; i++) {
        const t = i / 20;
        close(s.alpha(t) + s.maskMass(t) + s.uniformMass(t), 1, 1e-12, `pu=${pu} gamma=${gamma} t=${t}`);
        const q = giddMarginal(s, t, 2, 6);
        close(q.reduce((a, b) => a + b, 0), 1, 1e-12, "row");
        assert.ok(q.every((v) => v >= 0));
      }
    }
  }
});

test("p_u at t = 1/2 is the uniform mass for gamma != 1 too", () => {
  for (const gamma of [0.5, 2, 3]) close(new GiddSchedule({ pu: 0.2, gamma }).uniformMass(0.5), 0.2, 1e-12, `gamma=${gamma}`);
});

test("p_u = 0 hits the log B floor and is MDLM's alpha = 1 - t", () => {
  const s = new GiddSchedule({ pu: 0 });
  assert.equal(s.logB, -20);
  for (const t of [0.1, 0.5, 0.9]) close(s.alpha(t), 1 - t, 1e-8, `t=${t}`);
});

test("derivatives match central finite differences", () => {
  const h = 1e-6;
  for (const pu of [0.1, 0.4]) {
    for (const gamma of [0.5, 1, 2, 3]) {
      const s = new GiddSchedule({ pu, gamma });
      for (const t of [0.05, 0.2, 0.5, 0.7, 0.95]) {
        const fd = (f: (u: number) => number) => (f(t + h) - f(t - h)) / (2 * h);
        close(s.cPrime(t), fd((u) => s.c(u)), 1e-6, "c'");
        close(s.alphaPrime(t), fd((u) => s.alpha(u)), 1e-6, "alpha'");
        close(s.maskMassPrime(t), fd((u) => s.maskMass(u)), 1e-6, "mask'");
        close(s.uniformMassPrime(t), fd((u) => s.uniformMass(u)), 1e-6, "uniform'");
      }
    }
  }
});

test("tensor forms equal the scalar forms", () => {
  const s = new GiddSchedule({ pu: 0.1, gamma: 1.5 });
  const ts = [0.01, 0.2, 0.5, 0.8, 0.99];
  const before0 = tf.memory().numTensors;
  tf.tidy(() => {
    const t = tf.tensor1d(ts);
    const pairs: [tf.Tensor, (u: number) => number][] = [
      [s.alphaTensor(t), (u) => s.alpha(u)],
      [s.alphaPrimeTensor(t), (u) => s.alphaPrime(u)],
      [s.maskMassTensor(t), (u) => s.maskMass(u)],
      [s.uniformMassTensor(t), (u) => s.uniformMass(u)],
      [s.cTensor(t), (u) => s.c(u)],
      [s.cPrimeTensor(t), (u) => s.cPrime(u)],
    ];
    for (const [tensor, f] of pairs) {
      const got = tensor.dataSync();
      ts.forEach((u, i) => close(got[i], f(u), 1e-5 * Math.max(1, Math.abs(f(u))), `tensor at ${u}`));
    }
  });
  assert.equal(tf.memory().numTensors, before0);
});

test("bad input throws naming the argument", () => {
  assert.throws(() => new GiddSchedule({ pu: 1 }), /pu must be/);
  assert.throws(() => new GiddSchedule({ pu: -0.1 }), /pu must be/);
  assert.throws(() => new GiddSchedule({ pu: 0.1, gamma: -1 }), /gamma must be/);
  const s = new GiddSchedule({ pu: 0.1 });
  assert.throws(() => s.alpha(1.5), /t must be/);
  assert.throws(() => giddMarginal(s, 0.5, 5, 6), /x must be/);
  assert.throws(() => giddMarginal(s, 0.5, 0, 1), /V \(states/);
});
