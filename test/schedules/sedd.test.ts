// Tests of SEDD's noise schedules: log-linear sanity values at t = 0.5, geometric endpoints, continuity of the expm1
// branch, and argument errors (rates, alpha = exp(-sigma), tensor forms: test/contracts/schedule-contract.test.ts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
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

test("geometric: sigma endpoints (rate, alpha = exp(-sigma) and tensor forms: test/contracts/schedule-contract)", () => {
  const g = new GeometricSchedule();
  close(g.sigma(0), 1e-4, 1e-15, "sigma(0)");
  close(g.sigma(1), 20, 1e-12, "sigma(1)");
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
