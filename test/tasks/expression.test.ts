import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateExpression, expressionIntegers } from "../../src/tasks";

test("evaluates with the usual precedence, left associativity and real division", () => {
  const cases: [string, number][] = [
    ["(3+5)*2", 16],
    ["3+5*2", 13],
    ["8-3-2", 3],
    ["8/4/2", 1],
    ["7/2", 3.5],
    ["2*(3-(4+1))", -4],
    [" 12 +  3 ", 15],
    ["-3+10", 7],
    ["-(2+3)*4", -20],
    ["1.5*2", 3],
    [".5+1", 1.5],
    ["99", 99],
  ];
  for (const [e, v] of cases) assert.equal(evaluateExpression(e), v, e);
});

test("bad expressions are null, never a thrown error", () => {
  for (const e of ["", "   ", "3+", "(3+5", "3+5)", "3 5", "()", "2**3", "7//2", "1/0", "4/(2-2)", "3+x", "eval(1)", "1..2", "3*+", "1e5", "(", "*3"]) {
    assert.equal(evaluateExpression(e), null, JSON.stringify(e));
  }
});

test("integers are read as the reference's \\d+", () => {
  assert.deepEqual(expressionIntegers("(3+15)*2"), [3, 15, 2]);
  assert.deepEqual(expressionIntegers("1.5"), [1, 5]);
  assert.deepEqual(expressionIntegers("+-"), []);
});
