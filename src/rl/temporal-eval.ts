// The temporal-dynamics report of a set of sampled trajectories (temporal.md §2-§4): final pass, ever pass and the
// oscillation gap, temporal self-consistency voting accuracy under each weighting, and TSE of correct vs wrong samples.
import type { Task, TaskAnswer } from "../tasks/task";
import { oscillationSummary, OscillationSummary, trajectoryMetrics } from "../temporal/oscillation";
import { temporalSemanticEntropy } from "../temporal/tse";
import { temporalVote } from "../temporal/voting";
import { TEMPORAL_WEIGHTINGS, TemporalWeighting } from "../temporal/weighting";
import type { Trajectory } from "./trajectories";

/** Mean, count and values of a TSE group. */
export interface TseGroup {
  readonly n: number;
  readonly mean: number | null;
  readonly values: number[];
}

/** What {@link temporalReport} returns. */
export interface TemporalReport {
  readonly oscillation: OscillationSummary;
  /** Accuracy of the temporal vote under each weighting (voting α = 5 for exp). */
  readonly voting: Record<TemporalWeighting, number>;
  /** TSE (exp, α = 12.8, skip 0.5) of samples whose final answer is correct / wrong. */
  readonly tse: { all: TseGroup; correct: TseGroup; wrong: TseGroup; noAnswerRate: number };
  /** Mann-Whitney U test of TSE(correct) < TSE(wrong): U, z (normal approximation with tie correction), one-sided p. */
  readonly tseTest: { u: number; z: number; p: number } | null;
}

function group(values: number[]): TseGroup {
  return { n: values.length, mean: values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null, values };
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Mann-Whitney U of `a` vs `b` (U counts pairs with a < b, ties half), z under H0 with the tie-corrected variance,
 * and the one-sided p of "a tends to be smaller than b". Null if either group is empty.
 */
export function mannWhitneyLess(a: readonly number[], b: readonly number[]): { u: number; z: number; p: number } | null {
  const n1 = a.length, n2 = b.length;
  if (n1 === 0 || n2 === 0) return null;
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const N = all.length;
  let rankA = 0, tieTerm = 0;
  for (let i = 0; i < N; ) {
    let j = i;
    while (j < N && all[j].v === all[i].v) j++;
    const rank = (i + 1 + j) / 2;
    const ties = j - i;
    tieTerm += ties * ties * ties - ties;
    for (let k = i; k < j; k++) if (all[k].g === 0) rankA += rank;
    i = j;
  }
  const uA = rankA - (n1 * (n1 + 1)) / 2; // pairs with a > b (ties half)
  const u = n1 * n2 - uA; // pairs with a < b
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  const z = variance > 0 ? (u - mean) / Math.sqrt(variance) : 0;
  return { u, z, p: 1 - normalCdf(z) };
}

/** The report of `trajectories` of `problems` (trajectory.problem indexes it). */
export function temporalReport<P, A extends TaskAnswer>(task: Task<P, A>, problems: readonly P[], trajectories: readonly Trajectory<A>[]): TemporalReport {
  if (trajectories.length === 0) throw new RangeError("trajectories must hold at least one sample");
  const metrics = trajectories.map((t) => trajectoryMetrics(t.answers, (a) => task.isCorrect(a, problems[t.problem])));
  const voting = {} as Record<TemporalWeighting, number>;
  for (const w of TEMPORAL_WEIGHTINGS) {
    let ok = 0;
    for (const t of trajectories) if (task.isCorrect(temporalVote(t.answers, { weighting: w }).answer, problems[t.problem])) ok++;
    voting[w] = ok / trajectories.length;
  }
  const correct: number[] = [], wrong: number[] = [], all: number[] = [];
  let noAnswer = 0;
  for (const t of trajectories) {
    const r = temporalSemanticEntropy(t.answers);
    if (r.noAnswer) noAnswer++;
    all.push(r.tse);
    (t.correct ? correct : wrong).push(r.tse);
  }
  return {
    oscillation: oscillationSummary(metrics),
    voting,
    tse: { all: group(all), correct: group(correct), wrong: group(wrong), noAnswerRate: noAnswer / trajectories.length },
    tseTest: mannWhitneyLess(correct, wrong),
  };
}
