import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { arithmeticTask, arithmeticValue, generateArithmetic, parseArithmeticAnswer, fullText, CharVocab } from "../../src/tasks";

test("generated problems: operands in [0, 99], all three ops, deterministic under a seed", () => {
  const rng = new SeededRng(1);
  const ops = new Set<string>();
  let maxA = 0;
  for (let i = 0; i < 3000; i++) {
    const p = generateArithmetic(rng);
    for (const v of [p.a, p.b]) assert.ok(Number.isInteger(v) && v >= 0 && v <= 99);
    maxA = Math.max(maxA, p.a);
    ops.add(p.op);
    // the answer text parses back and is correct
    const text = fullText(arithmeticTask, p);
    assert.equal(parseArithmeticAnswer(text), arithmeticValue(p), text);
    assert.ok(arithmeticTask.isCorrect(arithmeticTask.parse(text), p));
  }
  assert.deepEqual([...ops].sort(), ["*", "+", "-"]);
  assert.equal(maxA, 99);
  const r1 = new SeededRng(7), r2 = new SeededRng(7);
  for (let i = 0; i < 20; i++) assert.deepEqual(generateArithmetic(r1), generateArithmetic(r2));
});

test("prompt, answer and parser", () => {
  const p = { a: 12, op: "-" as const, b: 30 };
  assert.equal(arithmeticTask.prompt(p), "12 - 30 =");
  assert.equal(arithmeticTask.answerText(p), "-18");
  assert.equal(parseArithmeticAnswer("12 - 30 = -18"), -18);
  assert.equal(parseArithmeticAnswer("-18"), -18);
  assert.equal(parseArithmeticAnswer("7 * 8 = 5 6"), 6); // the last integer after '='
  assert.equal(parseArithmeticAnswer("7 * 8 = 56"), 56);
  assert.equal(parseArithmeticAnswer(" 42 "), 42);
  for (const bad of ["", "12 + 3 =", "= abc", "=", "++"]) assert.equal(parseArithmeticAnswer(bad), null, JSON.stringify(bad));
  assert.equal(arithmeticTask.isCorrect(null, p), false);
  assert.equal(arithmeticTask.isCorrect(-17, p), false);
  assert.equal(arithmeticTask.problemKey(p), "12-30");
});

test("the character vocabulary round-trips every task text and pads with EOS", () => {
  const v = new CharVocab();
  const rng = new SeededRng(2);
  for (let i = 0; i < 200; i++) {
    const t = fullText(arithmeticTask, generateArithmetic(rng));
    assert.equal(v.decode(v.encode(t)), t);
  }
  const t = "N: 3 5 2 T: 16 = (3+5)*2";
  const ids = v.encode(t, 32);
  assert.equal(ids.length, 32);
  assert.equal(ids[31], v.eos);
  assert.equal(v.decode(ids), t);
  assert.equal(v.size, v.chars.length + 1);
  for (const id of ids) assert.ok(id >= 0 && id < v.size);
  // ids outside the vocabulary (a [MASK] = V) throw by default, or become a placeholder the parsers reject
  const withMask = Int32Array.from([...v.encode("3+"), v.size, ...v.encode("4")]);
  assert.throws(() => v.decode(withMask), /^RangeError: ids\[2\] = 23 is not a character id/);
  assert.equal(v.decode(withMask, { invalid: "?" }), "3+?4");
  assert.throws(() => v.encode("3x"), /^RangeError: text\[1\] = "x" is not in the vocabulary/);
  assert.throws(() => v.encode("123", 2), /^RangeError: length must be an integer >= 3/);
  assert.throws(() => new CharVocab("aba"), /chars has "a" twice/);
});
