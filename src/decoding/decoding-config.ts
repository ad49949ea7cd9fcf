// The decoding section of a sampling config (decoding.md §1-§2): which position rule a sampler step uses and its
// settings, parsed from JSON with defaults; a bad field is one error line naming its path.
import { kernelFromBlock, checkBlockLayout } from "./config";

/** The decoding rules hdlm-lab knows; 'hdlm-conv' is hdlm-lab's extension (the MASK -> cluster gate), not the paper's. */
export const DECODING_KINDS = ["plain", "conv", "confidence", "semi-ar", "hdlm-conv"] as const;
export type DecodingKind = (typeof DECODING_KINDS)[number];

/** Box-filter settings shared by the gated rules. */
export interface GateSettings {
  /** K, odd; from `kernelSize`, or `blockLength` made odd (the reference's K = block length). */
  kernelSize: number;
  /** κ (default 1). */
  convMult: number;
  /** A row with no decoded token: 'closed' (default, the paper) or 'open' (plain step until the first token). */
  emptyRow: "closed" | "open";
}

/** A parsed decoding config (a discriminated union on `kind`). */
export type DecodingConfig =
  | { kind: "plain" }
  | ({ kind: "conv"; topK: number; normalization: "matched" | "reference"; temperature: number } & GateSettings)
  | ({ kind: "confidence" } & GateSettings)
  | { kind: "semi-ar"; blockLength: number; select: "base" | "confidence" }
  | ({ kind: "hdlm-conv" } & GateSettings);

/** Defaults: topK 5 (open-ended text in the reference scripts), κ 1, 'matched', 'closed', T 1, B 32, 'confidence'. */
export const DECODING_DEFAULTS = { topK: 5, convMult: 1, normalization: "matched", emptyRow: "closed", temperature: 1, blockLength: 32, select: "confidence" } as const;

const FIELDS: Record<DecodingKind, string[]> = {
  plain: ["kind"],
  conv: ["kind", "kernelSize", "blockLength", "topK", "convMult", "normalization", "emptyRow", "temperature"],
  confidence: ["kind", "kernelSize", "blockLength", "convMult", "emptyRow"],
  "semi-ar": ["kind", "blockLength", "select"],
  "hdlm-conv": ["kind", "kernelSize", "blockLength", "convMult", "emptyRow"],
};

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "an object" : String(v);
}

/**
 * Parses a decoding section such as `{"kind": "conv", "blockLength": 32, "topK": 5}`. Every error is one RangeError
 * line `<source>.<field> ...` naming the field: an unknown kind or field, an even or non-positive kernelSize, topK < 1,
 * κ <= 0, a bad enum value; a gated kind needs kernelSize or blockLength (not both).
 */
export function parseDecodingConfig(raw: unknown, source = "decoding"): DecodingConfig {
  const fail = (field: string, msg: string): never => {
    throw new RangeError(`${source}.${field} ${msg}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new RangeError(`${source} must be an object like {"kind": "conv", "kernelSize": 33}, got ${show(raw)}`);
  const o = raw as Record<string, unknown>;
  const kind = o.kind;
  if (typeof kind !== "string" || !(DECODING_KINDS as readonly string[]).includes(kind)) fail("kind", `must be one of ${DECODING_KINDS.map((k) => JSON.stringify(k)).join(", ")}, got ${show(kind)}`);
  const k = kind as DecodingKind;
  for (const key of Object.keys(o)) if (!FIELDS[k].includes(key)) fail(key, `is not a known field of kind ${JSON.stringify(k)} (allowed: ${FIELDS[k].join(", ")})`);
  const int = (key: string, min: number, fallback?: number): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(key, `must be an integer >= ${min}, got ${show(v)}`);
    return v as number;
  };
  const oneOf = <T extends string>(key: string, options: readonly T[], fallback: T): T => {
    const v = o[key] ?? fallback;
    if (typeof v !== "string" || !options.includes(v as T)) fail(key, `must be one of ${options.map((x) => JSON.stringify(x)).join(", ")}, got ${show(v)}`);
    return v as T;
  };
  const gate = (): GateSettings => {
    let kernelSize: number;
    if (o.kernelSize !== undefined && o.blockLength !== undefined) fail("kernelSize", "and blockLength are alternatives; give one (K = blockLength made odd)");
    if (o.kernelSize !== undefined) {
      const K = o.kernelSize;
      if (typeof K !== "number" || !Number.isInteger(K) || K < 1 || K % 2 === 0) fail("kernelSize", `must be an odd positive integer (the box filter is centred), got ${show(K)}`);
      kernelSize = K as number;
    } else if (o.blockLength !== undefined) {
      kernelSize = kernelFromBlock(int("blockLength", 1));
    } else {
      return fail("kernelSize", "is required (an odd integer), or give blockLength (K = blockLength made odd)");
    }
    const convMult = o.convMult ?? DECODING_DEFAULTS.convMult;
    if (typeof convMult !== "number" || !Number.isFinite(convMult) || convMult <= 0) fail("convMult", `must be a finite number > 0, got ${show(convMult)}`);
    return { kernelSize, convMult: convMult as number, emptyRow: oneOf("emptyRow", ["closed", "open"] as const, DECODING_DEFAULTS.emptyRow) };
  };
  switch (k) {
    case "plain":
      return { kind: "plain" };
    case "conv": {
      const g = gate();
      const topK = int("topK", 1, DECODING_DEFAULTS.topK);
      const normalization = oneOf("normalization", ["matched", "reference"] as const, DECODING_DEFAULTS.normalization);
      const temperature = o.temperature ?? DECODING_DEFAULTS.temperature;
      if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0) fail("temperature", `must be a finite number >= 0 (0 = the top candidate), got ${show(temperature)}`);
      return { kind: "conv", ...g, topK, normalization, temperature: temperature as number };
    }
    case "confidence":
      return { kind: "confidence", ...gate() };
    case "hdlm-conv":
      return { kind: "hdlm-conv", ...gate() };
    case "semi-ar":
      return { kind: "semi-ar", blockLength: int("blockLength", 1, DECODING_DEFAULTS.blockLength), select: oneOf("select", ["base", "confidence"] as const, DECODING_DEFAULTS.select) };
  }
}

/**
 * Checks a parsed config against a run (decoding.md §2): for 'semi-ar', blockLength must divide genLength and the
 * steps must be a multiple of the number of blocks. One error line naming the field, prefixed by `source`.
 */
export function checkDecodingForRun(config: DecodingConfig, run: { genLength: number; steps: number }, source = "decoding"): void {
  if (config.kind !== "semi-ar") return;
  try {
    checkBlockLayout(run.genLength, config.blockLength, run.steps);
  } catch (e) {
    throw new RangeError(`${source}.${(e as Error).message}`);
  }
}
