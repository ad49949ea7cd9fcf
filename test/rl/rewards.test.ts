import { test } from "node:test";
import assert from "node:assert/strict";
import { trajectoryReward, combinedReward, computeReward, countdownAccuracyReward, numericAccuracyReward, stabilityFromTse, tseReward, COMBINED_REWARDS, TSE_REWARD_LAMBDA } from "../../src/rl";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
const grid = Array.from({ length: 101 }, (_, i) => i / 100);

test("the spherical_plus table of temporal.md §5.1", () => {
  const rows: [number, number][] = [[0, 0], [0.5, 0.70711], [0.8, 0.97014], [1, 1]];
  for (const [ent, r] of rows) {
    close(combinedReward("spherical_plus", false, ent), r, 5e-6, `corr 0 ent ${ent}`);
    close(combinedReward("spherical_plus", true, ent), 1 + r, 5e-6, `corr 1 ent ${ent}`);
  }
});

test("spherical_plus is increasing in ent for fixed corr, and differs from accuracy whenever 0 < ent < 1", () => {
  for (const correct of [false, true]) {
    for (let i = 1; i < grid.length; i++) {
      assert.ok(combinedReward("spherical_plus", correct, grid[i]) > combinedReward("spherical_plus", correct, grid[i - 1]), `corr ${correct} at ${grid[i]}`);
    }
  }
  // the guard against the reference bug (the combination overwritten by the correctness reward)
  const S = 128;
  for (const ent of grid.slice(1, -1)) {
    for (const correct of [false, true]) {
      const corr = correct ? 1 : 0;
      assert.notEqual(combinedReward("spherical_plus", correct, ent), corr, `ent ${ent}`);
      const tse = (1 - ent) * Math.log2(S);
      const r = computeReward("spherical_plus", { tse, steps: S, correct, accuracy: corr });
      const acc = computeReward("accuracy", { tse, steps: S, correct, accuracy: corr });
      assert.equal(acc, corr);
      assert.ok(Math.abs(r - acc) > 1e-3, `spherical_plus ${r} vs accuracy ${acc} at ent ${ent}`);
      close(r, combinedReward("spherical_plus", correct, ent), 1e-9, "computeReward goes through ent = 1 - TSE/log2 S");
    }
  }
});

test("the other combinations: brier, logarithmic, logarithmic_plus, fixed", () => {
  close(combinedReward("brier", true, 0.8), 1 - 0.04, 1e-12, "brier corr 1");
  close(combinedReward("brier", false, 0.8), -0.64, 1e-12, "brier corr 0");
  close(combinedReward("logarithmic", true, 0.5), 1 - 1, 1e-12, "log corr 1");
  close(combinedReward("logarithmic", false, 0.75), -2, 1e-12, "log corr 0");
  close(combinedReward("logarithmic_plus", false, 0.25), -2, 1e-12, "log+ corr 0");
  close(combinedReward("logarithmic", true, 0), 1 + Math.log2(1e-6), 1e-9, "clamped log");
  assert.equal(combinedReward("fixed", true, 0.3), 0.3);
  assert.equal(combinedReward("fixed", false, 0.3), 0);
  // a stable correct answer is rewarded more than an unstable one, under every combination
  for (const name of COMBINED_REWARDS) {
    assert.ok(combinedReward(name, true, 0.95) > combinedReward(name, true, 0.3), name);
    for (let i = 1; i < grid.length; i++) assert.ok(combinedReward(name, true, grid[i]) > combinedReward(name, true, grid[i - 1]), `${name} increasing at ${grid[i]}`);
    assert.ok(combinedReward(name, true, 0.9) > combinedReward(name, false, 0.9), `${name}: correct beats wrong at equal stability`);
    for (const ent of grid) assert.ok(Number.isFinite(combinedReward(name, false, ent)), `${name} finite at ${ent}`);
  }
  // the proper scores penalise a stable wrong answer; the _plus convention rewards stability regardless
  assert.ok(combinedReward("logarithmic", false, 0.95) < combinedReward("logarithmic", false, 0.3));
  assert.ok(combinedReward("brier", false, 0.95) < combinedReward("brier", false, 0.3));
  assert.ok(combinedReward("logarithmic_plus", false, 0.95) > combinedReward("logarithmic_plus", false, 0.3));
});

test("TSE-only and accuracy-only rewards", () => {
  assert.equal(TSE_REWARD_LAMBDA, 2);
  assert.equal(tseReward(0.5), -1);
  assert.equal(tseReward(0), -0);
  assert.equal(computeReward("tse", { tse: 1.5, steps: 64, correct: true, accuracy: 1 }), -3);
  assert.equal(computeReward("tse", { tse: 1.5, steps: 64, correct: true, accuracy: 1 }, { lambda: 1 }), -1.5);
  const p = { numbers: [2, 3, 5], target: 16 };
  assert.equal(countdownAccuracyReward("(3+5)*2", p), 1);
  assert.equal(countdownAccuracyReward("3+5*2", p), 0.1);
  assert.equal(countdownAccuracyReward("(3+5)*2*2", p), 0.1);
  assert.equal(countdownAccuracyReward("5/(3-3)", p), 0.1);
  assert.equal(countdownAccuracyReward(null, p), 0);
  assert.equal(numericAccuracyReward(true), 2);
  assert.equal(numericAccuracyReward(false), 0);
});

test("stability ent = 1 - TSE/log2 S", () => {
  assert.equal(stabilityFromTse(0, 128), 1);
  assert.equal(stabilityFromTse(7, 128), 0);
  close(stabilityFromTse(3.5, 128), 0.5, 1e-12, "half");
  assert.equal(stabilityFromTse(9, 128), 0); // clamped
});

test("bad reward inputs: one error line naming the field", () => {
  const inputs = { tse: 1, steps: 64, correct: true, accuracy: 1 };
  assert.throws(() => computeReward("entropy" as never, inputs), /^RangeError: reward must be one of "tse", "spherical_plus", "brier", "logarithmic", "logarithmic_plus", "fixed", "accuracy", got "entropy"$/);
  assert.throws(() => combinedReward("tse" as never, true, 0.5), /^RangeError: reward must be one of "spherical_plus", .* got "tse"$/);
  assert.throws(() => combinedReward("brier", true, 1.5), /^RangeError: ent must be a number in \[0, 1\]/);
  assert.throws(() => stabilityFromTse(1, 1), /^RangeError: steps must be an integer >= 2/);
  assert.throws(() => tseReward(-1), /^RangeError: tse must be a finite number >= 0/);
  assert.throws(() => computeReward("accuracy", { ...inputs, accuracy: NaN }), /^RangeError: accuracy must be a finite number/);
});

test("a rollout's reward from its per-step answers", () => {
  const answers = [null, 5, 7, 5, 7, 5, 5, null]; // the worked example: exp TSE 0.20826 over S = 8
  const tse = trajectoryReward("tse", answers, { correct: true, accuracy: 2 });
  close(tse.tse.tse, 0.20826, 5e-6, "TSE");
  close(tse.reward, -2 * 0.20826, 1e-5, "-lambda TSE");
  const sp = trajectoryReward("spherical_plus", answers, { correct: true, accuracy: 2 });
  close(sp.reward, combinedReward("spherical_plus", true, 1 - tse.tse.tse / 3), 1e-12, "spherical_plus on ent = 1 - TSE/log2 8");
  assert.equal(trajectoryReward("accuracy", answers, { correct: true, accuracy: 2 }).reward, 2);
  // TSE options pass through
  close(trajectoryReward("tse", answers, { correct: false, accuracy: 0 }, { tse: { weighting: "fixed" }, lambda: 1 }).reward, -0.9183, 5e-5, "fixed");
  assert.throws(() => trajectoryReward("nope" as never, answers, { correct: true, accuracy: 1 }), /^RangeError: reward must be one of/);
  assert.throws(() => trajectoryReward("tse", answers, { correct: true, accuracy: 1 }, { tse: { weighting: "log" as never } }), /^RangeError: weighting must be one of/);
});
