// Smoothing of noisy curves for display.

/** Trailing moving average over the last `k` values (fewer at the start); k = 1 returns a copy. */
export function movingAverage(xs: readonly number[], k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`movingAverage: k must be a positive integer, got ${k}`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    if (i >= k) sum -= xs[i - k];
    out.push(sum / Math.min(i + 1, k));
  }
  return out;
}
