// Countdown-3 (temporal.md §6): a seeded generator of (numbers, target) problems from random expression trees,
// the answer parser of the reference (`parse_ctd_answer`) and its checker (`get_acc.py`), without `eval`.
import { SeededRng, toSeededRng } from "../util/rng";
import { evaluateExpression, expressionIntegers, EXPRESSION_CHARS } from "./expression";
import type { Task } from "./task";

/** A Countdown problem: reach `target` using each of `numbers` once. `solution` is one expression that does. */
export interface CountdownProblem {
  readonly numbers: readonly number[];
  readonly target: number;
  readonly solution?: string;
}

/** Generator settings (temporal.md §6); the defaults are the spec's. */
export interface CountdownOptions {
  /** Operands are drawn uniformly from [1, maxNumber]; default 99. */
  maxNumber?: number;
  /** Targets must lie in [1, maxTarget]; default 100. */
  maxTarget?: number;
  /** Also reject a tree in which any division is not exact (an optional rule of the spec); default false. */
  exactDivision?: boolean;
  /** Give up after this many rejected trees; default 10,000. */
  maxTries?: number;
}

/** The reference checker's tolerance, |value − target| < 1e-5 (get_acc.py). */
export const COUNTDOWN_TOLERANCE = 1e-5;

type Op = "+" | "-" | "*" | "/";
const OPS: readonly Op[] = ["+", "-", "*", "/"];
const PRECEDENCE: Record<Op, number> = { "+": 1, "-": 1, "*": 2, "/": 2 };

/** An exact rational n/d (d > 0, lowest terms): the generator decides integrality without float rounding. */
interface Rational {
  n: number;
  d: number;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function rational(n: number, d: number): Rational {
  if (d < 0) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1;
  return { n: n / g, d: d / g };
}

/** a op b exactly; null on division by zero. */
function apply(a: Rational, op: Op, b: Rational): Rational | null {
  switch (op) {
    case "+":
      return rational(a.n * b.d + b.n * a.d, a.d * b.d);
    case "-":
      return rational(a.n * b.d - b.n * a.d, a.d * b.d);
    case "*":
      return rational(a.n * b.n, a.d * b.d);
    case "/":
      return b.n === 0 ? null : rational(a.n * b.d, a.d * b.n);
  }
}

type Tree = { leaf: number } | { op: Op; left: Tree; right: Tree };

/** Text with the fewest parentheses that keep the tree's meaning (a right operand of equal precedence keeps them). */
function render(t: Tree): string {
  if ("leaf" in t) return String(t.leaf);
  const wrap = (child: Tree, right: boolean): string => {
    const s = render(child);
    if ("leaf" in child) return s;
    const pc = PRECEDENCE[child.op];
    const pp = PRECEDENCE[t.op];
    return pc < pp || (right && pc === pp) ? `(${s})` : s;
  };
  return `${wrap(t.left, false)}${t.op}${wrap(t.right, true)}`;
}

/** Exact value of a tree; null on division by zero or (with `exactDivision`) an inexact division. */
function value(t: Tree, exactDivision: boolean): Rational | null {
  if ("leaf" in t) return { n: t.leaf, d: 1 };
  const l = value(t.left, exactDivision);
  const r = value(t.right, exactDivision);
  if (l === null || r === null) return null;
  const v = apply(l, t.op, r);
  if (v === null) return null;
  if (exactDivision && t.op === "/" && v.d !== 1) return null;
  return v;
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1, got ${String(v)}`);
  return v;
}

/**
 * One seeded Countdown-3 problem (temporal.md §6 generator): draw 3 integers in [1, 99], a random binary tree
 * (either shape) over a random permutation of them with ops in {+, −, *, /}, and keep it if its value is an
 * integer in [1, 100]; otherwise draw again. The prompt lists the numbers in the order drawn.
 */
export function generateCountdown(seedOrRng: number | SeededRng, options: CountdownOptions = {}): CountdownProblem {
  const rng = toSeededRng(seedOrRng);
  const maxNumber = positiveInt(options.maxNumber ?? 99, "maxNumber");
  const maxTarget = positiveInt(options.maxTarget ?? 100, "maxTarget");
  const maxTries = positiveInt(options.maxTries ?? 10000, "maxTries");
  const exact = options.exactDivision ?? false;
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const numbers = [0, 0, 0].map(() => 1 + rng.int(maxNumber));
    const perm = numbers.slice();
    for (let i = perm.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const o1 = OPS[rng.int(OPS.length)];
    const o2 = OPS[rng.int(OPS.length)];
    const [x, y, z] = perm.map((leaf): Tree => ({ leaf }));
    // The two shapes over three leaves: (x o1 y) o2 z and x o2 (y o1 z).
    const tree: Tree = rng.int(2) === 0 ? { op: o2, left: { op: o1, left: x, right: y }, right: z } : { op: o2, left: x, right: { op: o1, left: y, right: z } };
    const v = value(tree, exact);
    if (v === null || v.d !== 1 || v.n < 1 || v.n > maxTarget) continue;
    return { numbers, target: v.n, solution: render(tree) };
  }
  throw new RangeError(`maxTries: no valid Countdown problem in ${maxTries} draws; raise maxTries or maxTarget`);
}

/** `N: a b c T: t =` (temporal.md §6 format). */
export function countdownPrompt(p: CountdownProblem): string {
  return `N: ${p.numbers.join(" ")} T: ${p.target} =`;
}

function parenthesesMatched(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * The expression in a Countdown completion, as the reference's `parse_ctd_answer`: a trailing `= N` is stripped
 * (the part before `=` is kept), and the rest must consist of digits, `+ - * / ( )` and spaces, have balanced
 * parentheses and exactly three integers. Null otherwise (never throws). Apply it to the completion, not the prompt.
 */
export function parseCountdownAnswer(text: string): string | null {
  if (typeof text !== "string") return null;
  let eq = text;
  const m = /([0-9+\-*/() ]+)=[0-9. ]+/.exec(eq);
  if (m !== null) eq = m[1];
  eq = eq.trim();
  if (!/^[0-9+\-*/() ]+$/.test(eq) || !parenthesesMatched(eq)) return null;
  if (expressionIntegers(eq).length !== 3) return null;
  return eq;
}

/** Why a Countdown answer passes or fails the checker. */
export type CountdownVerdict = "correct" | "no-answer" | "numbers" | "characters" | "invalid" | "value";

/**
 * The reference checker (get_acc.py, temporal.md §6): 1. the multiset of integers in the expression equals the
 * problem's numbers ("numbers"); 2. the text has only digits, `+ - * / ( ) .` and whitespace, the reference's pattern ("characters"); 3. it evaluates with
 * real division ("invalid" on a syntax error or division by zero); 4. |value − target| < 1e-5 ("value").
 */
export function checkCountdown(answer: string | null, p: CountdownProblem): CountdownVerdict {
  if (typeof answer !== "string") return "no-answer";
  const used = expressionIntegers(answer).sort((a, b) => a - b);
  const given = p.numbers.slice().sort((a, b) => a - b);
  if (used.length !== given.length || used.some((v, i) => v !== given[i])) return "numbers";
  if (!EXPRESSION_CHARS.test(answer)) return "characters";
  const v = evaluateExpression(answer);
  if (v === null) return "invalid";
  return Math.abs(v - p.target) < COUNTDOWN_TOLERANCE ? "correct" : "value";
}

/** The Countdown-3 task behind the `Task` interface (`generate` uses the default options). */
export const countdownTask: Task<CountdownProblem, string> = {
  name: "countdown",
  generate: (rng) => generateCountdown(rng),
  prompt: countdownPrompt,
  answerText: (p) => {
    if (p.solution === undefined) throw new RangeError(`solution is missing for the problem ${countdownPrompt(p)}; generated problems carry one`);
    return p.solution;
  },
  parse: parseCountdownAnswer,
  isCorrect: (answer, p) => checkCountdown(answer, p) === "correct",
  problemKey: (p) => `${p.numbers.slice().sort((a, b) => a - b).join(",")}=${p.target}`,
};
