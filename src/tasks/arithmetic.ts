// The arithmetic task of temporal.md §6: prompt `a op b =` with a, b in [0, 99] and op in {+, -, *},
// answer the integer; the parser reads the last integer after `=`.
import { SeededRng, toSeededRng } from "../util/rng";
import type { Task } from "./task";

/** The operators of the arithmetic task (ASCII `-` and `*` for the spec's − and ×, so a character vocabulary covers them). */
export const ARITHMETIC_OPS = ["+", "-", "*"] as const;
export type ArithmeticOp = (typeof ARITHMETIC_OPS)[number];

/** One problem `a op b`. */
export interface ArithmeticProblem {
  readonly a: number;
  readonly op: ArithmeticOp;
  readonly b: number;
}

/** Operand range of temporal.md §6: a, b in [0, 99]. */
export const ARITHMETIC_MAX_OPERAND = 99;

/** The value of `a op b`. */
export function arithmeticValue(p: ArithmeticProblem): number {
  switch (p.op) {
    case "+":
      return p.a + p.b;
    case "-":
      return p.a - p.b;
    case "*":
      return p.a * p.b;
  }
}

/**
 * One seeded problem: a, b uniform in [0, maxOperand] (default 99, temporal.md §6), op uniform in {+, -, *}.
 */
export function generateArithmetic(seedOrRng: number | SeededRng, maxOperand = ARITHMETIC_MAX_OPERAND): ArithmeticProblem {
  if (!Number.isInteger(maxOperand) || maxOperand < 1) throw new RangeError(`maxOperand must be an integer >= 1, got ${String(maxOperand)}`);
  const rng = toSeededRng(seedOrRng);
  const a = rng.int(maxOperand + 1);
  const op = ARITHMETIC_OPS[rng.int(ARITHMETIC_OPS.length)];
  const b = rng.int(maxOperand + 1);
  return { a, op, b };
}

/**
 * The answer of an arithmetic completion: the last integer (with an optional leading `-`) after the first `=`,
 * or in the whole text when it has no `=` (a completion without its prompt). Null when there is none.
 */
export function parseArithmeticAnswer(text: string): number | null {
  if (typeof text !== "string") return null;
  const eq = text.indexOf("=");
  const tail = eq >= 0 ? text.slice(eq + 1) : text;
  const m = tail.match(/-?\d+/g);
  if (m === null) return null;
  const v = Number(m[m.length - 1]);
  return Number.isSafeInteger(v) ? v : null;
}

/**
 * The arithmetic task with operands in [0, maxOperand]. The spec's range is [0, 99] ({@link arithmeticTask}); a
 * smaller range is a labelled CPU-budget deviation (a tiny model learns two-digit products slowly).
 */
export function makeArithmeticTask(maxOperand = ARITHMETIC_MAX_OPERAND): Task<ArithmeticProblem, number> {
  generateArithmetic(0, maxOperand); // validates maxOperand
  return { ...arithmeticTask, name: maxOperand === ARITHMETIC_MAX_OPERAND ? "arithmetic" : `arithmetic-${maxOperand}`, generate: (rng) => generateArithmetic(rng, maxOperand) };
}

/** The arithmetic task behind the `Task` interface. */
export const arithmeticTask: Task<ArithmeticProblem, number> = {
  name: "arithmetic",
  generate: (rng) => generateArithmetic(rng),
  prompt: (p) => `${p.a} ${p.op} ${p.b} =`,
  answerText: (p) => String(arithmeticValue(p)),
  parse: parseArithmeticAnswer,
  isCorrect: (answer, p) => typeof answer === "number" && answer === arithmeticValue(p),
  problemKey: (p) => `${p.a}${p.op}${p.b}`,
};
