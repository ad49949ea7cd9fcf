// Settings of R2FT (decoding.md §3): the rules of the rejected continuations and the weights of the loss, with
// defaults from the reference scripts; every check throws one line that names the field.

/** Rule settings of the negatives (decoding.md §3 "Negatives"). */
export interface R2ftNegativeOptions {
  /** The MASK id written into x_t at and after the cut. */
  maskId: number;
  /** The EOS id planted in the rejected span. */
  eosId: number;
  /** g ~ U{1 … maxPhrase} (default 14). */
  maxPhrase?: number;
  /** z ~ U{repeatMin … repeatMax} (defaults 30 and 49: `randint(30, max_z = 50)`). */
  repeatMin?: number;
  repeatMax?: number;
  /** Probability of planting one EOS in [c, c+z−1) (default 1). */
  eosP?: number;
}

/** Weights of the loss (decoding.md §3 "Objective"); defaults β_w = 1, β_l = 1, β_a = 0.1 (scripts), γ = 0. */
export interface R2ftLossOptions {
  betaW?: number;
  betaL?: number;
  betaA?: number;
  gamma?: number;
}

export const R2FT_MAX_PHRASE = 14;
export const R2FT_REPEAT_MIN = 30;
export const R2FT_REPEAT_MAX = 49;
export const R2FT_EOS_P = 1;
export const R2FT_BETA_W = 1;
export const R2FT_BETA_L = 1;
/** β_a of the scripts; the reference config file's default is 1 (decoding.md §3 table). */
export const R2FT_BETA_A = 0.1;
export const R2FT_GAMMA = 0;

function int(v: unknown, field: string, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new RangeError(`${field} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function nonNegative(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`${field} must be a finite number >= 0, got ${String(v)}`);
  return v;
}

/** Validated negative-rule settings with defaults filled in. */
export function checkR2ftNegativeOptions(o: R2ftNegativeOptions): Required<R2ftNegativeOptions> {
  const maskId = int(o.maskId, "maskId", 0);
  const eosId = int(o.eosId, "eosId", 0);
  if (eosId === maskId) throw new RangeError(`eosId must differ from maskId (${maskId}), got ${eosId}`);
  const maxPhrase = int(o.maxPhrase ?? R2FT_MAX_PHRASE, "maxPhrase", 1);
  const repeatMin = int(o.repeatMin ?? R2FT_REPEAT_MIN, "repeatMin", 1);
  const repeatMax = int(o.repeatMax ?? R2FT_REPEAT_MAX, "repeatMax", 1);
  if (repeatMax < repeatMin) throw new RangeError(`repeatMax must be >= repeatMin (${repeatMin}), got ${repeatMax}`);
  const eosP = o.eosP ?? R2FT_EOS_P;
  if (typeof eosP !== "number" || !(eosP >= 0 && eosP <= 1)) throw new RangeError(`eosP must be a number in [0, 1], got ${String(eosP)}`);
  return { maskId, eosId, maxPhrase, repeatMin, repeatMax, eosP };
}

/** Validated loss weights with defaults filled in: β's finite and >= 0, γ finite. */
export function checkR2ftLossOptions(o: R2ftLossOptions = {}): Required<R2ftLossOptions> {
  const betaW = nonNegative(o.betaW ?? R2FT_BETA_W, "betaW");
  const betaL = nonNegative(o.betaL ?? R2FT_BETA_L, "betaL");
  const betaA = nonNegative(o.betaA ?? R2FT_BETA_A, "betaA");
  const gamma = o.gamma ?? R2FT_GAMMA;
  if (typeof gamma !== "number" || !Number.isFinite(gamma)) throw new RangeError(`gamma must be a finite number, got ${String(gamma)}`);
  return { betaW, betaL, betaA, gamma };
}
