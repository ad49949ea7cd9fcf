import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { arithmeticTask, countdownTask, makeTaskSplits, saveTaskFile, loadTaskFile, parseTaskFile, TaskFileError } from "../../src/tasks";

test("train and test splits are disjoint by key, de-duplicated and reproducible", () => {
  for (const task of [arithmeticTask, countdownTask] as const) {
    const s = makeTaskSplits<unknown, never>(task as never, { trainSeed: 1, testSeed: 2, train: 1500, test: 300 });
    const key = (p: unknown) => (task.problemKey as (p: unknown) => string)(p);
    const trainKeys = new Set(s.train.map(key));
    const testKeys = new Set(s.test.map(key));
    assert.equal(trainKeys.size, 1500, `${task.name} train de-duplicated`);
    assert.equal(testKeys.size, 300, `${task.name} test de-duplicated`);
    for (const k of testKeys) assert.ok(!trainKeys.has(k), `${task.name}: ${k} in both splits`);
    const again = makeTaskSplits<unknown, never>(task as never, { trainSeed: 1, testSeed: 2, train: 1500, test: 300 });
    assert.deepEqual(again, s);
  }
});

test("the Countdown key ignores the order of the numbers", () => {
  assert.equal(countdownTask.problemKey({ numbers: [5, 2, 3], target: 16 }), countdownTask.problemKey({ numbers: [2, 3, 5], target: 16 }));
  assert.notEqual(countdownTask.problemKey({ numbers: [5, 2, 3], target: 16 }), countdownTask.problemKey({ numbers: [5, 2, 3], target: 17 }));
});

test("bad split options name the field", () => {
  assert.throws(() => makeTaskSplits(arithmeticTask, { trainSeed: 1, testSeed: 1, train: 5, test: 5 }), /^RangeError: testSeed must differ from trainSeed/);
  assert.throws(() => makeTaskSplits(arithmeticTask, { trainSeed: 1, testSeed: 2, train: -1, test: 5 }), /^RangeError: train must be an integer >= 0/);
  assert.throws(() => makeTaskSplits(arithmeticTask, { trainSeed: 1, testSeed: 2, train: 5, test: 0.5 }), /^RangeError: test must be an integer >= 0/);
  // more problems than exist: 100 * 100 * 3 = 30,000 arithmetic problems
  assert.throws(() => makeTaskSplits(arithmeticTask, { trainSeed: 1, testSeed: 2, train: 30001, test: 0, drawsPerProblem: 3 }), /^RangeError: train: only \d+ distinct arithmetic problems/);
});

test("task files round-trip; malformed files give one error line naming the field", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-tasks-"));
  try {
    const s = makeTaskSplits(countdownTask, { trainSeed: 3, testSeed: 4, train: 20, test: 10 });
    const file = path.join(dir, "cd-test.json");
    saveTaskFile(file, { task: "countdown", split: "test", seed: 4, problems: s.test });
    const back = loadTaskFile(file);
    assert.equal(back.task, "countdown");
    assert.deepEqual(back.problems, s.test);
    const a = makeTaskSplits(arithmeticTask, { trainSeed: 3, testSeed: 4, train: 5, test: 5 });
    const afile = path.join(dir, "ar.json");
    saveTaskFile(afile, { task: "arithmetic", split: "train", problems: a.train });
    assert.deepEqual(loadTaskFile(afile).problems, a.train);

    const bad: [unknown, RegExp][] = [
      [[], /^x\.json: file must be an object, got an array$/],
      [{ task: "sudoku", split: "t", problems: [] }, /^x\.json: task must be one of "arithmetic", "countdown", got "sudoku"$/],
      [{ task: "countdown", problems: [] }, /^x\.json: split must be a non-empty string, got undefined$/],
      [{ task: "countdown", split: "t", problems: {} }, /^x\.json: problems must be an array, got an object$/],
      [{ task: "countdown", split: "t", seed: "1", problems: [] }, /^x\.json: seed must be a finite number/],
      [{ task: "countdown", split: "t", problems: [], extra: 1 }, /^x\.json: extra is not a known field/],
      [{ task: "countdown", split: "t", problems: [{ numbers: [2, 3, 5], target: "16" }] }, /^x\.json: problems\[0\]\.target must be an integer, got "16"$/],
      [{ task: "countdown", split: "t", problems: [{ numbers: [2, 0, 5], target: 16 }] }, /^x\.json: problems\[0\]\.numbers\[1\] must be an integer >= 1, got 0$/],
      [{ task: "countdown", split: "t", problems: [{ numbers: [2, 3, 5], target: 16, solution: "3+5*2" }] }, /^x\.json: problems\[0\]\.solution "3\+5\*2" fails the checker \(value\)/],
      [{ task: "countdown", split: "t", problems: [{ numbers: [2, 3, 5], target: 16, answer: 1 }] }, /^x\.json: problems\[0\]\.answer is not a known field/],
      [{ task: "arithmetic", split: "t", problems: [{ a: 1, op: "x", b: 2 }] }, /^x\.json: problems\[0\]\.op must be one of "\+", "-", "\*", got "x"$/],
      [{ task: "arithmetic", split: "t", problems: [{ a: 1, op: "+", b: -2 }] }, /^x\.json: problems\[0\]\.b must be an integer >= 0, got -2$/],
    ];
    for (const [raw, re] of bad) {
      assert.throws(() => parseTaskFile(raw, "x.json"), (e: unknown) => {
        assert.ok(e instanceof TaskFileError);
        assert.match(e.message, re);
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      });
    }
    const junk = path.join(dir, "junk.json");
    fs.writeFileSync(junk, "{not json");
    assert.throws(() => loadTaskFile(junk), /junk\.json: is not valid JSON/);
    assert.throws(() => loadTaskFile(path.join(dir, "missing.json")), /missing\.json: cannot be read/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
