// Prompted generation (prefix continuation) for every sampler: the prompt array of SampleRequest built from one
// token prefix per row, -1 (free) after it.

/**
 * The B*L prompt of {@link SampleRequest} for prefix continuation: row b fixes `prefixes[b]` at positions
 * 0..|prefix|-1 and leaves the rest free (-1). One error line naming the row whose prefix does not fit.
 */
export function prefixPrompt(prefixes: ArrayLike<ArrayLike<number>>, length: number): Int32Array {
  if (!Number.isInteger(length) || length <= 0) throw new RangeError(`length must be a positive integer, got ${length}`);
  const out = new Int32Array(prefixes.length * length).fill(-1);
  for (let b = 0; b < prefixes.length; b++) {
    const p = prefixes[b];
    if (p.length > length) throw new RangeError(`prefixes[${b}] has ${p.length} tokens, more than length ${length}`);
    for (let l = 0; l < p.length; l++) out[b * length + l] = p[l];
  }
  return out;
}
