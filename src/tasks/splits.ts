// Disjoint train/test problem sets (temporal.md §6): each split from its own seed, de-duplicated by the task's
// problem key, the train split skipping every test problem.
import { SeededRng } from "../util/rng";
import type { Task, TaskAnswer } from "./task";

/** Sizes and seeds of a pair of splits. */
export interface SplitOptions {
  trainSeed: number;
  testSeed: number;
  train: number;
  test: number;
  /** Give up after this many draws per requested problem; default 50. */
  drawsPerProblem?: number;
}

/** Problems of the train and test splits, disjoint by `task.problemKey`. */
export interface TaskSplits<P> {
  readonly train: P[];
  readonly test: P[];
}

function count(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0, got ${String(v)}`);
  return v;
}

/** `n` problems with distinct keys from `rng`, none of whose keys is in `exclude`. */
function uniqueProblems<P, A extends TaskAnswer>(task: Task<P, A>, rng: SeededRng, n: number, exclude: Set<string>, maxDraws: number, field: string): { problems: P[]; keys: Set<string> } {
  const keys = new Set<string>();
  const problems: P[] = [];
  let draws = 0;
  while (problems.length < n) {
    if (draws++ >= maxDraws) throw new RangeError(`${field}: only ${problems.length} distinct ${task.name} problems in ${maxDraws} draws; ask for fewer`);
    const p = task.generate(rng);
    const k = task.problemKey(p);
    if (keys.has(k) || exclude.has(k)) continue;
    keys.add(k);
    problems.push(p);
  }
  return { problems, keys };
}

/**
 * Train and test problem sets from disjoint seeds (temporal.md §6): the test split is drawn first from
 * `testSeed`, then the train split from `trainSeed`, skipping duplicates and every test problem.
 */
export function makeTaskSplits<P, A extends TaskAnswer>(task: Task<P, A>, options: SplitOptions): TaskSplits<P> {
  const nTrain = count(options.train, "train");
  const nTest = count(options.test, "test");
  for (const f of ["trainSeed", "testSeed"] as const) {
    if (typeof options[f] !== "number" || !Number.isFinite(options[f])) throw new RangeError(`${f} must be a finite number, got ${String(options[f])}`);
  }
  if (options.trainSeed === options.testSeed) throw new RangeError(`testSeed must differ from trainSeed (both ${options.testSeed})`);
  const per = options.drawsPerProblem ?? 50;
  if (!Number.isInteger(per) || per < 1) throw new RangeError(`drawsPerProblem must be an integer >= 1, got ${per}`);
  const test = uniqueProblems(task, new SeededRng(options.testSeed), nTest, new Set(), per * Math.max(nTest, 1), "test");
  const train = uniqueProblems(task, new SeededRng(options.trainSeed), nTrain, test.keys, per * Math.max(nTrain, 1), "train");
  return { train: train.problems, test: test.problems };
}
