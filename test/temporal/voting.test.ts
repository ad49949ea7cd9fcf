import { test } from "node:test";
import assert from "node:assert/strict";
import { temporalVote, VOTE_ALPHA, answerKey } from "../../src/temporal";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
const example = [null, 5, 7, 5, 7, 5, 5, null];

test("the worked example of temporal.md §4 gives the tallies and chooses 5", () => {
  assert.equal(VOTE_ALPHA, 5);
  const rows: [("fixed" | "linear" | "exp"), number, number, number][] = [
    ["fixed", 4, 2, 0],
    ["linear", 2.375, 1.0, 1e-12],
    ["exp", 73.67, 15.673, 5e-4],
  ];
  for (const [weighting, s5, s7, tol] of rows) {
    const r = temporalVote(example, { weighting });
    assert.equal(r.answer, 5, weighting);
    assert.deepEqual(r.tally.map((c) => c.answer), [5, 7], "first-seen order");
    close(r.tally[0].score, s5, tol, `${weighting} score(5)`);
    close(r.tally[1].score, s7, tol, `${weighting} score(7)`);
    assert.deepEqual(r.tally.map((c) => [c.count, c.firstStep]), [[4, 1], [2, 2]]);
  }
  // exp is the default weighting, alpha 5
  assert.deepEqual(temporalVote(example), temporalVote(example, { weighting: "exp", alpha: 5 }));
  const e = temporalVote(example).tally;
  close(e[0].score, Math.exp(5 / 8) + Math.exp(15 / 8) + Math.exp(25 / 8) + Math.exp(30 / 8), 1e-12, "exp closed form");
});

test("later steps weigh more: the vote can differ from the majority", () => {
  // 1 is the majority (3 early steps), 2 is the late answer (2 steps)
  const answers = [1, 1, 1, 2, 2];
  assert.equal(temporalVote(answers, { weighting: "fixed" }).answer, 1);
  assert.equal(temporalVote(answers, { weighting: "exp", alpha: 5 }).answer, 2);
});

test("ties go to the answer seen first; all-null gives null", () => {
  assert.equal(temporalVote([3, 4, 4, 3], { weighting: "fixed" }).answer, 3);
  assert.equal(temporalVote([4, 3, 3, 4], { weighting: "fixed" }).answer, 4);
  assert.equal(temporalVote([null, "2*3+1", "7", null], { weighting: "fixed" }).answer, "2*3+1");
  const none = temporalVote([null, null, null]);
  assert.equal(none.answer, null);
  assert.equal(none.key, null);
  assert.deepEqual(none.tally, []);
  assert.equal(temporalVote([]).answer, null);
});

test("the value key merges 3+4*5 with 4*5+3; the default key does not", () => {
  const answers = ["3+4*5", "9+9", "4*5+3", "9+9"];
  const byText = temporalVote(answers, { weighting: "fixed" });
  assert.equal(byText.tally.length, 3);
  assert.equal(byText.answer, "9+9"); // 2 votes against 1 and 1
  const byValue = temporalVote(answers, { weighting: "fixed", key: "value" });
  assert.equal(byValue.tally.length, 2);
  assert.equal(byValue.answer, "3+4*5"); // 23 has 2 votes, tied with 18, and was seen first
  assert.equal(byValue.tally[0].count, 2);
  // numbers compare by value under either key; strings that do not evaluate vote for themselves
  assert.equal(answerKey(5), answerKey(5.0));
  assert.notEqual(answerKey("5"), answerKey(5));
  assert.equal(answerKey("5", "value"), answerKey(5, "value"));
  assert.equal(answerKey("7/3*3", "value"), answerKey("7", "value"));
  assert.equal(answerKey("(3+", "value"), "s:(3+");
  // a custom key
  assert.equal(temporalVote(["a1", "b1", "b2"], { weighting: "fixed", key: (a) => a.slice(1) }).answer, "a1");
});

test("bad options: one error line naming the field", () => {
  assert.throws(() => temporalVote(example, { weighting: "quadratic" as never }), /^RangeError: weighting must be one of "fixed", "linear", "exp", got "quadratic"$/);
  assert.throws(() => temporalVote(example, { alpha: Infinity }), /^RangeError: alpha must be a finite number, got Infinity$/);
  assert.throws(() => temporalVote(example, { key: 3 as never }), /^RangeError: key must be "default", "value" or a function, got 3$/);
  assert.throws(() => temporalVote(null as never), /^RangeError: answers must be an array/);
});
