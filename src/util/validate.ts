// Field validators for configs: each names the field path and says what is expected. Config parsers (src/train's
// training config, each method's objective fields in src/methods) throw ConfigError; callers print its one line.

/** A bad config field: the message starts with the field's path. */
export class ConfigError extends Error {}

/** Throws a ConfigError `<path> <msg>`. */
export function fail(path: string, msg: string): never {
  throw new ConfigError(`${path} ${msg}`);
}

/** A short description of a value for error messages. */
export function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "an object" : String(v);
}

/** `v` as an object whose keys are all in `allowed`. */
export function object(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `must be an object, got ${show(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(`${path}.${k}`, `is not a known field (allowed: ${allowed.join(", ")}); remove it or fix its spelling`);
  }
  return o;
}

/** `v` as an integer >= min. */
export function integer(v: unknown, path: string, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(path, `must be an integer >= ${min}, got ${show(v)}`);
  return v;
}

/** `v` as a finite number in [lo, hi] (or (lo, hi] with `openLo`). */
export function number(v: unknown, path: string, lo: number, hi: number, openLo = false): number {
  const ok = typeof v === "number" && Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi;
  if (!ok) fail(path, `must be a number in ${openLo ? "(" : "["}${lo}, ${hi}], got ${show(v)}`);
  return v as number;
}

/** `v` as one of `options`. */
export function oneOf<T extends string>(v: unknown, path: string, options: readonly T[]): T {
  if (typeof v !== "string" || !options.includes(v as T)) fail(path, `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}, got ${show(v)}`);
  return v as T;
}

/** `v` as a non-empty string. */
export function string(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length === 0) fail(path, `must be a non-empty string, got ${show(v)}`);
  return v;
}

/** `v` as a boolean. */
export function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, `must be true or false, got ${show(v)}`);
  return v;
}

/** `o[key]` if present (validated by `check`), else `fallback`. */
export function opt<T>(o: Record<string, unknown>, key: string, path: string, fallback: T, check: (v: unknown, p: string) => T): T {
  return o[key] === undefined ? fallback : check(o[key], `${path}.${key}`);
}

/** Loss-weight clip bounds `minLossWeight`, `maxLossWeight` of an objective (defaults 0 and 2), validated as a pair. */
export function lossWeightClip(o: Record<string, unknown>, path: string): { minLossWeight: number; maxLossWeight: number } {
  const minLossWeight = opt(o, "minLossWeight", path, 0, (x, p) => number(x, p, 0, 1e6));
  const maxLossWeight = opt(o, "maxLossWeight", path, 2, (x, p) => number(x, p, 0, 1e6));
  if (maxLossWeight < minLossWeight) fail(`${path}.maxLossWeight`, `must be >= minLossWeight (${minLossWeight}), got ${maxLossWeight}`);
  return { minLossWeight, maxLossWeight };
}
