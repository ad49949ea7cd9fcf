// Step weightings of temporal self-consistency voting and of TSE (temporal.md §3, §4): fixed, linear and exp,
// with the defaults of the paper's code and the option checks (an unknown name is one error line naming the field).

/** The weighting names of temporal.md §3 and §4. */
export const TEMPORAL_WEIGHTINGS = ["fixed", "linear", "exp"] as const;
export type TemporalWeighting = (typeof TEMPORAL_WEIGHTINGS)[number];

/** Default exp rate of voting: α = 5 (README example, temporal.md §3; the evaluation script uses 11). */
export const VOTE_ALPHA = 5;
/** Default exp rate of TSE: α = 12.8 (`calculate_entropy`, temporal.md §4). */
export const TSE_ALPHA = 12.8;
/** Default fraction of early steps TSE drops: 0.5 (temporal.md §4 step 1). */
export const TSE_SKIP_RATIO = 0.5;

/** `name` as a weighting, or a RangeError naming `field` (one line). */
export function checkWeighting(name: unknown, field = "weighting"): TemporalWeighting {
  if (typeof name !== "string" || !(TEMPORAL_WEIGHTINGS as readonly string[]).includes(name)) {
    throw new RangeError(`${field} must be one of ${TEMPORAL_WEIGHTINGS.map((w) => JSON.stringify(w)).join(", ")}, got ${typeof name === "string" ? JSON.stringify(name) : String(name)}`);
  }
  return name as TemporalWeighting;
}

/** `v` as a finite number, or a RangeError naming `field`. */
export function checkFinite(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`${field} must be a finite number, got ${String(v)}`);
  return v;
}

/**
 * Voting weight f(s) of 0-based step s out of S (temporal.md §3 table): fixed 1, linear (s+1)/S, exp exp(α·s/S).
 * Later steps weigh more.
 */
export function voteWeight(s: number, S: number, weighting: TemporalWeighting, alpha: number): number {
  switch (weighting) {
    case "fixed":
      return 1;
    case "linear":
      return (s + 1) / S;
    case "exp":
      return Math.exp((alpha * s) / S);
  }
}

/**
 * TSE weight of step s out of S (temporal.md §4 step 4): fixed 1, linear s/S (not (s+1)/S as in voting),
 * exp exp(α·s/S). Summed over a class's steps this is w_k.
 */
export function tseWeight(s: number, S: number, weighting: TemporalWeighting, alpha: number): number {
  switch (weighting) {
    case "fixed":
      return 1;
    case "linear":
      return s / S;
    case "exp":
      return Math.exp((alpha * s) / S);
  }
}
