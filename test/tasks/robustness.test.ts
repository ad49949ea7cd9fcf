import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { CharVocab, TASK_CHARS, arithmeticTask, countdownTask, checkCountdown, evaluateExpression, generateCountdown, parseArithmeticAnswer, parseCountdownAnswer, fullText } from "../../src/tasks";

test("random per-step guesses never make a parser, checker or the evaluator throw", () => {
  const rng = new SeededRng(8);
  const vocab = new CharVocab();
  const p = { numbers: [2, 3, 5], target: 16 };
  let parsedCd = 0, parsedAr = 0;
  for (let i = 0; i < 20000; i++) {
    // ids over the vocabulary plus [MASK] and two cluster ids, as an HDLM guess could hold
    const n = 1 + rng.int(16);
    const ids = Int32Array.from({ length: n }, () => rng.int(vocab.size + 3));
    const text = vocab.decode(ids, { invalid: "?" });
    const cd = parseCountdownAnswer(text);
    const ar = parseArithmeticAnswer(text);
    if (cd !== null) parsedCd++;
    if (ar !== null) parsedAr++;
    assert.ok(cd === null || typeof cd === "string");
    assert.ok(ar === null || Number.isInteger(ar));
    assert.ok(typeof countdownTask.isCorrect(cd, p) === "boolean");
    assert.ok(typeof arithmeticTask.isCorrect(ar, { a: 1, op: "+", b: 2 }) === "boolean");
    const v = evaluateExpression(text);
    assert.ok(v === null || Number.isFinite(v));
    assert.ok(typeof checkCountdown(text, p) === "string");
  }
  assert.ok(parsedAr > 1000 && parsedCd > 10, `the fuzz reaches the parsers' success paths (${parsedAr}, ${parsedCd})`);
  // non-strings are null too
  assert.equal(parseCountdownAnswer(undefined as never), null);
  assert.equal(parseArithmeticAnswer(42 as never), null);
  assert.equal(evaluateExpression(null as never), null);
});

test("the character vocabulary covers every Countdown text", () => {
  const vocab = new CharVocab();
  const rng = new SeededRng(12);
  for (let i = 0; i < 500; i++) {
    const t = fullText(countdownTask, generateCountdown(rng));
    assert.equal(vocab.decode(vocab.encode(t)), t);
  }
  assert.equal(new CharVocab().size, TASK_CHARS.length + 1);
});
