import { test } from "node:test";
import assert from "node:assert/strict";
import { trajectoryMetrics, oscillationSummary } from "../../src/temporal";
import { countdownTask } from "../../src/tasks";

const is7 = (a: number) => a === 7;

test("one hand-built trajectory: final, ever, first-correct step, changes", () => {
  const m = trajectoryMetrics([null, 5, 7, 7, 5, null, 5, 5], is7);
  assert.equal(m.finalPass, false);
  assert.equal(m.everPass, true);
  assert.equal(m.firstCorrectStep, 2);
  // changes: null->5, 5->7, 7->5, 5->null, null->5 = 5 of S = 8
  assert.equal(m.answerChanges, 5);
  assert.equal(m.answerChangeRate, 5 / 8);
  const stable = trajectoryMetrics([7, 7, 7], is7);
  assert.deepEqual([stable.finalPass, stable.everPass, stable.firstCorrectStep, stable.answerChanges], [true, true, 0, 0]);
  const never = trajectoryMetrics([null, null], is7);
  assert.deepEqual([never.finalPass, never.everPass, never.firstCorrectStep, never.answerChanges], [false, false, null, 0]);
});

test("over a dataset: ever pass >= final pass and the gap is their difference", () => {
  const trajectories = [
    [5, 7, 7, 5], // ever, not final
    [7, 7, 7, 7], // both
    [5, 5, 5, 5], // neither
    [null, 5, 7, 7], // both, first correct at 2
    [7, 5, null, null], // ever, not final
  ];
  const ms = trajectories.map((t) => trajectoryMetrics(t, is7));
  for (const m of ms) assert.ok(m.everPass || !m.finalPass);
  const s = oscillationSummary(ms);
  assert.equal(s.samples, 5);
  assert.equal(s.finalPassRate, 2 / 5);
  assert.equal(s.everPassRate, 4 / 5);
  assert.equal(s.oscillationGap, 2 / 5);
  assert.equal(s.meanFirstCorrectStep, (1 + 0 + 2 + 0) / 4);
  // changes 2, 0, 0, 2, 2 over S = 4
  assert.equal(s.meanAnswerChangeRate, (2 + 0 + 0 + 2 + 2) / 4 / 5);
  assert.throws(() => oscillationSummary([]), /^RangeError: metrics must be a non-empty array/);
});

test("with a task's checker and the value key", () => {
  const p = { numbers: [2, 3, 5], target: 16 };
  const answers = ["(3+5)*2", "2*(3+5)", "3+5*2", "(3+5)*2"];
  const m = trajectoryMetrics(answers, (a) => countdownTask.isCorrect(a, p));
  assert.deepEqual([m.finalPass, m.everPass, m.firstCorrectStep, m.answerChanges], [true, true, 0, 3]);
  // under the value key the first two are one answer: changes 16->13->16
  assert.equal(trajectoryMetrics(answers, (a) => countdownTask.isCorrect(a, p), { key: "value" }).answerChanges, 2);
  assert.throws(() => trajectoryMetrics([], is7), /^RangeError: answers must hold at least one step/);
  assert.throws(() => trajectoryMetrics([1], "yes" as never), /^RangeError: isCorrect must be a function/);
});
