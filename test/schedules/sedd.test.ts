// Tests of SEDD's noise schedules: log-linear sanity values at t = 0.5, geometric sigma and rate against finite
// differences, alpha = exp(-sigma), tensor forms, continuity of the expm1 branch, and argument errors.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { GeometricSchedule, seddExpm1, seddLogLinear, seddRatio } from "../../src/schedules/sedd";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test("log-linear sanity at t = 0.5: sigma 0.69215, dsigma 1.99600, r 1.00200", () => {
  const s = seddLogLinear();
  close(s.sigma(0.5), 0.69215, 5e-6, "sigma");
  close(s.dsigma(0.5), 1.996, 5e-6, "dsigma");
  close(seddRatio(s.sigma(0.5)), 1.002, 5e-6, "r");
  close(-Math.expm1(-s.sigma(0.5)), (1 - 1e-3) * 0.5, 1e-12, "P(mask)");
});

test("geometric: sigma endpoints, rate = finite difference, alpha = exp(-sigma)", () => {
  const g = new GeometricSchedule();
  close(g.sigma(0), 1e-4, 1e-15, "sigma(0)");
  close(g.sigma(1), 20, 1e-12, "sigma(1)");
  const h = 1e-6;
  for (const t of [0.1, 0.5, 0.9]) {
    close(g.dsigma(t), (g.sigma(t + h) - g.sigma(t - h)) / (2 * h), 1e-5 * g.dsigma(t), `dsigma(${t})`);
    close(g.alpha(t), Math.exp(-g.sigma(t)), 1e-15, "alpha");
    close(g.alphaPrime(t), (g.alpha(t + h) - g.alpha(t - h)) / (2 * h), 1e-6, `alpha'(${t})`);
  }
  const before0 = tf.memory().numTensors;
  tf.tidy(() => {
    const ts = [0.1, 0.5, 0.9];
    const t = tf.tensor1d(ts);
    const forms: [tf.Tensor, (u: number) => number][] = [
      [g.sigmaTensor(t), (u) => g.sigma(u)],
      [g.dsigmaTensor(t), (u) => g.dsigma(u)],
      [g.alphaTensor(t), (u) => g.alpha(u)],
      [g.alphaPrimeTensor(t), (u) => g.alphaPrime(u)],
    ];
    for (const [x, f] of forms) x.dataSync().forEach((v, i) => close(v, f(ts[i]), 1e-5 * Math.max(1, Math.abs(f(ts[i]))), "tensor"));
  });
  assert.equal(tf.memory().numTensors, before0);
});

test("expm1 branch is continuous at sigma = 0.5", () => {
  const below = seddExpm1(0.5 - 1e-12);
  const at = seddExpm1(0.5);
  close(below, at, 1e-11, "continuity");
  close(at, Math.E ** 0.5 - 1, 1e-15, "value");
  close(seddExpm1(1e-8), 1e-8 + 0.5e-16, 1e-22, "small sigma keeps precision (naive exp - 1 is off by ~1e-16)");
});

test("bad input throws naming the argument", () => {
  assert.throws(() => new GeometricSchedule({ sigmaMin: 2, sigmaMax: 1 }), /sigmaMax must be > sigmaMin/);
  assert.throws(() => new GeometricSchedule({ sigmaMin: -1 }), /sigmaMin must be/);
  assert.throws(() => seddExpm1(-1), /sigma must be/);
  assert.throws(() => seddLogLinear(2), /eps must be/);
  assert.throws(() => new GeometricSchedule().sigma(1.2), /t must be/);
});
