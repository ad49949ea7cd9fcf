import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { checkCountdown, countdownPrompt, countdownTask, generateCountdown, parseCountdownAnswer, fullText } from "../../src/tasks";

test("(3+5)*2 with numbers {2, 3, 5} and target 16 is correct", () => {
  const p = { numbers: [2, 3, 5], target: 16 };
  assert.equal(checkCountdown("(3+5)*2", p), "correct");
  assert.equal(countdownTask.isCorrect("(3+5)*2", p), true);
  assert.equal(checkCountdown("2*(5+3)", p), "correct");
});

test("the checker rejects reused or missing numbers, illegal characters, wrong values, division by zero", () => {
  const p = { numbers: [2, 3, 5], target: 16 };
  assert.equal(checkCountdown("(3+5)*2*2", p), "numbers"); // 2 reused
  assert.equal(checkCountdown("(3+3)*2", p), "numbers"); // 3 reused, 5 missing
  assert.equal(checkCountdown("3*5", p), "numbers"); // 2 missing
  assert.equal(checkCountdown("(3+5)*2+7", p), "numbers"); // extra number
  assert.equal(checkCountdown("(3+5)x2", p), "characters");
  assert.equal(checkCountdown("(3+5)**2", { numbers: [3, 5, 2], target: 64 }), "invalid");
  assert.equal(checkCountdown("3+5*2", p), "value");
  assert.equal(checkCountdown("5/(3-3)", { numbers: [5, 3, 3], target: 1 }), "invalid");
  assert.equal(checkCountdown("(3+5*2", p), "invalid");
  assert.equal(checkCountdown(null, p), "no-answer");
  assert.equal(countdownTask.isCorrect(null, p), false);
  // real division within the 1e-5 tolerance
  assert.equal(checkCountdown("7/2*2", { numbers: [7, 2, 2], target: 7 }), "correct");
  assert.equal(checkCountdown("7/3+1", { numbers: [7, 3, 1], target: 3 }), "value");
});

test("every generated problem passes its own checker; targets are integers in [1, 100]", () => {
  const rng = new SeededRng(11);
  for (let i = 0; i < 2000; i++) {
    const p = generateCountdown(rng);
    assert.equal(p.numbers.length, 3);
    for (const n of p.numbers) assert.ok(Number.isInteger(n) && n >= 1 && n <= 99, `number ${n}`);
    assert.ok(Number.isInteger(p.target) && p.target >= 1 && p.target <= 100, `target ${p.target}`);
    assert.equal(checkCountdown(p.solution!, p), "correct", `${p.solution} = ${p.target} with ${p.numbers}`);
    // the text a model sees parses back to the same expression
    assert.equal(parseCountdownAnswer(countdownTask.answerText(p)), p.solution);
    assert.ok(fullText(countdownTask, p).startsWith(countdownPrompt(p) + " "));
  }
});

/** Every division a/b in an expression as [a, b] values (a test-side parser, independent of the library's). */
function divisions(text: string): [number, number][] {
  const toks = text.replace(/\s+/g, "").match(/\d+|[-+*/()]/g)!;
  let pos = 0;
  const out: [number, number][] = [];
  const atom = (): number => {
    const t = toks[pos++];
    if (t === "(") {
      const v = sum();
      pos++; // ")"
      return v;
    }
    return Number(t);
  };
  const product = (): number => {
    let v = atom();
    while (toks[pos] === "*" || toks[pos] === "/") {
      const op = toks[pos++];
      const r = atom();
      if (op === "/") out.push([v, r]);
      v = op === "*" ? v * r : v / r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (toks[pos] === "+" || toks[pos] === "-") {
      const op = toks[pos++];
      const r = product();
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  sum();
  return out;
}

test("exactDivision rejects inexact intermediate divisions; the default keeps them", () => {
  assert.deepEqual(divisions("(7+1)/2*3/4"), [[8, 2], [12, 4]]);
  const countInexact = (exactDivision: boolean): [number, number] => {
    const rng = new SeededRng(5);
    let withDivision = 0;
    let inexact = 0;
    for (let i = 0; i < 3000; i++) {
      const p = generateCountdown(rng, { exactDivision });
      assert.equal(checkCountdown(p.solution!, p), "correct");
      const d = divisions(p.solution!);
      if (d.length > 0) withDivision++;
      if (d.some(([a, b]) => !Number.isInteger(a / b))) inexact++;
    }
    return [withDivision, inexact];
  };
  const [exactDiv, exactBad] = countInexact(true);
  assert.ok(exactDiv > 50, `some problems use division (${exactDiv})`);
  assert.equal(exactBad, 0);
  const [, looseBad] = countInexact(false);
  assert.ok(looseBad > 0, "the default generator keeps some inexact divisions");
});

test("generation is deterministic under a seed and differs across seeds", () => {
  const a = Array.from({ length: 50 }, ((r) => () => generateCountdown(r))(new SeededRng(3)));
  const b = Array.from({ length: 50 }, ((r) => () => generateCountdown(r))(new SeededRng(3)));
  const c = Array.from({ length: 50 }, ((r) => () => generateCountdown(r))(new SeededRng(4)));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(generateCountdown(9), generateCountdown(9));
});

test("the prompt format and the parser", () => {
  assert.equal(countdownPrompt({ numbers: [3, 5, 2], target: 16 }), "N: 3 5 2 T: 16 =");
  assert.equal(parseCountdownAnswer("(3+5)*2"), "(3+5)*2");
  assert.equal(parseCountdownAnswer("  (3 + 5) * 2 "), "(3 + 5) * 2");
  assert.equal(parseCountdownAnswer("(3+5)*2 = 16"), "(3+5)*2");
  assert.equal(parseCountdownAnswer("(3+5)*2=16"), "(3+5)*2");
  // null: no expression, illegal characters, unbalanced parentheses, not three numbers
  for (const bad of ["", "   ", "abc", "(3+5*2", "3+5)*(2", "3+5", "1+2+3+4", "(3+5)x2", "3.5+1+2"]) {
    assert.equal(parseCountdownAnswer(bad), null, JSON.stringify(bad));
  }
});

test("bad generator options name the field", () => {
  assert.throws(() => generateCountdown(1, { maxNumber: 0 }), /^RangeError: maxNumber must be an integer >= 1/);
  assert.throws(() => generateCountdown(1, { maxTarget: 1.5 }), /^RangeError: maxTarget /);
  // some seed's first tree is rejected: with maxTries 1 that is an error naming maxTries
  let threw = 0;
  for (let seed = 0; seed < 50; seed++) {
    try {
      generateCountdown(seed, { maxTries: 1 });
    } catch (e) {
      assert.match(String(e), /^RangeError: maxTries: no valid Countdown problem in 1 draws/);
      threw++;
    }
  }
  assert.ok(threw > 0);
});
