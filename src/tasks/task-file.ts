// Task files: a problem set as one JSON object `{ task, split, seed?, problems }`, written atomically and read
// back with validation; a malformed file gives one error line naming the file and the field.
import * as fs from "fs";
import { writeFileAtomic } from "../util/fs";
import { ARITHMETIC_OPS, ArithmeticOp, ArithmeticProblem } from "./arithmetic";
import { checkCountdown, CountdownProblem } from "./countdown";

/** A problem set of one task, as stored in a task file. */
export type TaskFile =
  | { readonly task: "arithmetic"; readonly split: string; readonly seed?: number; readonly problems: ArithmeticProblem[] }
  | { readonly task: "countdown"; readonly split: string; readonly seed?: number; readonly problems: CountdownProblem[] };

/** The task names a task file may hold. */
export const TASK_FILE_TASKS = ["arithmetic", "countdown"] as const;

/** A malformed task file; the message is one line naming the file and the field. */
export class TaskFileError extends Error {
  override name = "TaskFileError";
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "an object" : String(v);
}

/**
 * Validates a parsed task file. `source` (a file name) prefixes every error. Checked: the fields and their
 * types; arithmetic operands are integers >= 0 and ops are + - *; Countdown numbers are integers >= 1, the
 * target an integer, and a given solution must pass the checker.
 */
export function parseTaskFile(raw: unknown, source = "task file"): TaskFile {
  const fail = (path: string, msg: string): never => {
    throw new TaskFileError(`${source}: ${path} ${msg}`);
  };
  const fields = (v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path === "" ? "file" : path, `must be an object, got ${show(v)}`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${path === "" ? "" : path + "."}${k}`, `is not a known field (allowed: ${allowed.join(", ")})`);
    return o;
  };
  const int = (v: unknown, path: string, min: number): number => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) fail(path, `must be an integer >= ${min}, got ${show(v)}`);
    return v as number;
  };
  const top = fields(raw, "", ["task", "split", "seed", "problems"]);
  const task = top.task;
  if (typeof task !== "string" || !(TASK_FILE_TASKS as readonly string[]).includes(task)) fail("task", `must be one of ${TASK_FILE_TASKS.map((t) => JSON.stringify(t)).join(", ")}, got ${show(task)}`);
  const split = top.split;
  if (typeof split !== "string" || split.length === 0) fail("split", `must be a non-empty string, got ${show(split)}`);
  if (top.seed !== undefined && (typeof top.seed !== "number" || !Number.isFinite(top.seed))) fail("seed", `must be a finite number, got ${show(top.seed)}`);
  const seed = top.seed as number | undefined;
  if (!Array.isArray(top.problems)) fail("problems", `must be an array, got ${show(top.problems)}`);
  const list = top.problems as unknown[];
  if (task === "arithmetic") {
    const problems = list.map((v, i): ArithmeticProblem => {
      const path = `problems[${i}]`;
      const o = fields(v, path, ["a", "op", "b"]);
      const a = int(o.a, `${path}.a`, 0);
      if (typeof o.op !== "string" || !(ARITHMETIC_OPS as readonly string[]).includes(o.op)) fail(`${path}.op`, `must be one of ${ARITHMETIC_OPS.map((t) => JSON.stringify(t)).join(", ")}, got ${show(o.op)}`);
      const b = int(o.b, `${path}.b`, 0);
      return { a, op: o.op as ArithmeticOp, b };
    });
    return { task, split: split as string, seed, problems };
  }
  const problems = list.map((v, i): CountdownProblem => {
    const path = `problems[${i}]`;
    const o = fields(v, path, ["numbers", "target", "solution"]);
    if (!Array.isArray(o.numbers) || o.numbers.length === 0) fail(`${path}.numbers`, `must be a non-empty array of integers >= 1, got ${show(o.numbers)}`);
    const numbers = (o.numbers as unknown[]).map((n, j) => int(n, `${path}.numbers[${j}]`, 1));
    if (typeof o.target !== "number" || !Number.isSafeInteger(o.target)) fail(`${path}.target`, `must be an integer, got ${show(o.target)}`);
    const target = o.target as number;
    if (o.solution === undefined) return { numbers, target };
    if (typeof o.solution !== "string") fail(`${path}.solution`, `must be a string, got ${show(o.solution)}`);
    const solution = o.solution as string;
    const verdict = checkCountdown(solution, { numbers, target });
    if (verdict !== "correct") fail(`${path}.solution`, `${JSON.stringify(solution)} fails the checker (${verdict}) for numbers ${numbers.join(" ")} and target ${target}`);
    return { numbers, target, solution };
  });
  return { task: "countdown", split: split as string, seed, problems };
}

/** Reads and validates a task file (errors: one line naming the file and the field). */
export function loadTaskFile(file: string): TaskFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new TaskFileError(`${file}: cannot be read (${(e as Error).message.split("\n")[0]})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TaskFileError(`${file}: is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  return parseTaskFile(raw, file);
}

/** Writes a task file atomically (validated first, so a file written here always loads). */
export function saveTaskFile(file: string, set: TaskFile): void {
  parseTaskFile(JSON.parse(JSON.stringify(set)), file);
  writeFileAtomic(file, JSON.stringify(set) + "\n");
}
