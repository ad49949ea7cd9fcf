// Where two JSON values differ: the path a refusal names ("cannot resume: config.optim.lr differs").

/** The first field path (prefixed by `at`) where two JSON values differ, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, at: string): string | null {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b ? null : at;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d !== null) return d;
  }
  return null;
}
