// Group-relative advantages of GRPO as diffu-GRPO uses them (temporal.md §5): A_j = r_j − mean over the G
// completions of the same prompt, without dividing by the group's standard deviation.

/**
 * Advantages of rewards laid out prompt by prompt: `rewards[p·G + j]` is completion j of prompt p.
 * A_j = r_j − mean_group(r) (temporal.md §5 "Advantage"); each group's advantages sum to 0.
 * G < 2 is an error (one completion has no group to compare against).
 */
export function groupAdvantages(rewards: ArrayLike<number>, groupSize: number): Float64Array {
  if (typeof groupSize !== "number" || !Number.isInteger(groupSize) || groupSize < 2) {
    throw new RangeError(`groupSize must be an integer >= 2 (G completions per prompt), got ${String(groupSize)}`);
  }
  const n = rewards.length;
  if (n === 0 || n % groupSize !== 0) throw new RangeError(`rewards must hold a positive multiple of groupSize (${groupSize}) values, got ${n}`);
  const out = new Float64Array(n);
  for (let g = 0; g < n; g += groupSize) {
    let mean = 0;
    for (let j = 0; j < groupSize; j++) {
      const r = rewards[g + j];
      if (typeof r !== "number" || !Number.isFinite(r)) throw new RangeError(`rewards[${g + j}] must be a finite number, got ${String(r)}`);
      mean += r;
    }
    mean /= groupSize;
    for (let j = 0; j < groupSize; j++) out[g + j] = rewards[g + j] - mean;
  }
  return out;
}
