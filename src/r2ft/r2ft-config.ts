// The R2FT section of a config (decoding.md §3): loss weights, negative rules and the prompt lengths of the pairs
// built from bundled text, parsed from JSON with the scripts' defaults; a bad field is one error line naming it.
import { R2FT_BETA_A, R2FT_BETA_L, R2FT_BETA_W, R2FT_EOS_P, R2FT_GAMMA, R2FT_MAX_PHRASE, R2FT_REPEAT_MAX, R2FT_REPEAT_MIN } from "./config";

/** A parsed R2FT config. The MASK and EOS ids come from the vocabulary, not from here. */
export interface R2ftConfig {
  betaW: number;
  betaL: number;
  betaA: number;
  gamma: number;
  maxPhrase: number;
  repeatMin: number;
  repeatMax: number;
  eosP: number;
  /** Prompt length ~ U{promptMin … promptMax} for pairs built from text (defaults 32, 64). */
  promptMin: number;
  promptMax: number;
}

export const R2FT_CONFIG_FIELDS = ["betaW", "betaL", "betaA", "gamma", "maxPhrase", "repeatMin", "repeatMax", "eosP", "promptMin", "promptMax"] as const;

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "an object" : String(v);
}

/** Parses `{"betaA": 0.1, ...}` (every field optional); errors are one line `<source>.<field> ...`. */
export function parseR2ftConfig(raw: unknown = {}, source = "r2ft"): R2ftConfig {
  const fail = (field: string, msg: string): never => {
    throw new RangeError(`${source}.${field} ${msg}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new RangeError(`${source} must be an object like {"betaA": 0.1}, got ${show(raw)}`);
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!(R2FT_CONFIG_FIELDS as readonly string[]).includes(key)) fail(key, `is not a known field (allowed: ${R2FT_CONFIG_FIELDS.join(", ")})`);
  const num = (key: string, fallback: number, lo: number, hi = Infinity): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) fail(key, `must be a finite number in [${lo}, ${hi === Infinity ? "∞" : hi}], got ${show(v)}`);
    return v as number;
  };
  const int = (key: string, fallback: number, min: number): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(key, `must be an integer >= ${min}, got ${show(v)}`);
    return v as number;
  };
  const cfg: R2ftConfig = {
    betaW: num("betaW", R2FT_BETA_W, 0),
    betaL: num("betaL", R2FT_BETA_L, 0),
    betaA: num("betaA", R2FT_BETA_A, 0),
    gamma: num("gamma", R2FT_GAMMA, -Infinity),
    maxPhrase: int("maxPhrase", R2FT_MAX_PHRASE, 1),
    repeatMin: int("repeatMin", R2FT_REPEAT_MIN, 1),
    repeatMax: int("repeatMax", R2FT_REPEAT_MAX, 1),
    eosP: num("eosP", R2FT_EOS_P, 0, 1),
    promptMin: int("promptMin", 32, 1),
    promptMax: int("promptMax", 64, 1),
  };
  if (cfg.repeatMax < cfg.repeatMin) fail("repeatMax", `must be >= repeatMin (${cfg.repeatMin}), got ${cfg.repeatMax}`);
  if (cfg.promptMax < cfg.promptMin) fail("promptMax", `must be >= promptMin (${cfg.promptMin}), got ${cfg.promptMax}`);
  return cfg;
}
