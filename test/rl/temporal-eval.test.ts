// The temporal report of sampled trajectories: oscillation, voting per weighting and TSE of correct vs wrong
// samples on hand-built trajectories; the Mann-Whitney U against brute-force pair counting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { arithmeticTask } from "../../src/tasks";
import { mannWhitneyLess, normalCdf, temporalReport } from "../../src/rl/temporal-eval";
import type { Trajectory } from "../../src/rl/trajectories";
import { SeededRng } from "../../src/util/rng";

test("Mann-Whitney U equals the brute-force count of pairs a < b (ties half); z and p behave", () => {
  const rng = new SeededRng(3);
  for (let trial = 0; trial < 20; trial++) {
    const a = Array.from({ length: 1 + rng.int(8) }, () => rng.int(5));
    const b = Array.from({ length: 1 + rng.int(8) }, () => rng.int(5));
    let u = 0;
    for (const x of a) for (const y of b) u += x < y ? 1 : x === y ? 0.5 : 0;
    const r = mannWhitneyLess(a, b);
    assert.ok(r !== null && Math.abs(r.u - u) < 1e-9, `U ${r?.u} vs ${u}`);
  }
  const low = mannWhitneyLess([0, 0.1, 0.2, 0.3, 0.4], [1, 1.1, 1.2, 1.3, 1.4])!;
  assert.ok(low.z > 2 && low.p < 0.01);
  const high = mannWhitneyLess([1, 1.1, 1.2, 1.3, 1.4], [0, 0.1, 0.2, 0.3, 0.4])!;
  assert.ok(high.z < -2 && high.p > 0.99);
  const ties = mannWhitneyLess([1, 1], [1, 1])!;
  assert.deepEqual([ties.u, ties.z], [2, 0]);
  assert.ok(Math.abs(ties.p - 0.5) < 1e-6);
  assert.equal(mannWhitneyLess([], [1]), null);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6 && Math.abs(normalCdf(-1) - 0.158655) < 1e-6);
});

test("temporalReport: oscillation gap, voting per weighting and TSE by correctness on hand-built trajectories", () => {
  const problems = [{ a: 2, op: "+" as const, b: 3 }];
  const traj = (answers: (number | null)[]): Trajectory<number> => {
    const final = answers[answers.length - 1];
    return { problem: 0, answers, final, correct: final === 5, completion: new Int32Array(0), text: String(final) };
  };
  // 1: right all along; 2: right early, wrong at the end (an oscillation); 3: wrong then right late.
  const ts = [traj([5, 5, 5, 5]), traj([5, 5, 5, 6]), traj([null, 6, 6, 5])];
  const r = temporalReport(arithmeticTask, problems, ts);
  assert.equal(r.oscillation.finalPassRate, 2 / 3);
  assert.equal(r.oscillation.everPassRate, 1);
  assert.ok(Math.abs(r.oscillation.oscillationGap - 1 / 3) < 1e-12);
  // fixed: 2 → {5: 3, 6: 1} → 5; 3 → {6: 2, 5: 1} → 6. linear: 3 → 6: (2+3)/4 = 1.25 vs 5: 1 → 6.
  assert.deepEqual(r.voting, { fixed: 2 / 3, linear: 2 / 3, exp: 2 / 3 });
  assert.equal(r.tse.correct.n, 2);
  assert.equal(r.tse.wrong.n, 1);
  assert.equal(r.tse.correct.values[0], 0);
  assert.ok(r.tse.wrong.mean! > 0);
  assert.equal(r.tse.noAnswerRate, 0);
  assert.ok(r.tseTest !== null);
});
