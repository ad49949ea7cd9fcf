// Tests of the GIDD mixing schedule: sanity values, marginals summing to 1 and errors that name the bad argument
// (derivatives, tensor forms and the masses' sum: the schedule contract, test/contracts/schedule-contract.test.ts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
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

test("each marginal row sums to 1 (the masses' sum, derivatives and tensor forms: test/contracts/schedule-contract)", () => {
  for (const pu of [0, 0.05, 0.1, 0.5]) {
    for (const gamma of [0.5, 1, 2, 3]) {
      const s = new GiddSchedule({ pu, gamma });
      for (let i = 0; i <= 20; i++) {
        const q = giddMarginal(s, i / 20, 2, 6);
        close(q.reduce((a, b) => a + b, 0), 1, 1e-12, `row pu=${pu} gamma=${gamma} t=${i / 20}`);
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

test("bad input throws naming the argument", () => {
  assert.throws(() => new GiddSchedule({ pu: 1 }), /pu must be/);
  assert.throws(() => new GiddSchedule({ pu: -0.1 }), /pu must be/);
  assert.throws(() => new GiddSchedule({ pu: 0.1, gamma: -1 }), /gamma must be/);
  const s = new GiddSchedule({ pu: 0.1 });
  assert.throws(() => s.alpha(1.5), /t must be/);
  assert.throws(() => giddMarginal(s, 0.5, 5, 6), /x must be/);
  assert.throws(() => giddMarginal(s, 0.5, 0, 1), /V \(states/);
});
