// Unigram entropy of generated samples (hdlm.md §7.2): reported beside gen PPL, because degenerate repetitive text
// gets a low gen PPL but also a low entropy.

/** Entropy (nats) of the empirical unigram distribution of `ids`; 0 for an empty list. */
export function tokenEntropy(ids: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) counts.set(ids[i], (counts.get(ids[i]) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / ids.length;
    h -= p * Math.log(p);
  }
  return h;
}

/**
 * Unigram entropy of samples in nats: 'per-sample' (default; the mean over samples of each sample's token entropy,
 * as MDLM/GIDD evaluation reports it) or 'pooled' (the entropy of all samples' tokens together).
 */
export function unigramEntropy(samples: ReadonlyArray<ArrayLike<number>>, mode: "per-sample" | "pooled" = "per-sample"): number {
  if (samples.length === 0) throw new RangeError("samples must hold at least one sequence");
  if (mode === "pooled") {
    const all: number[] = [];
    for (const s of samples) for (let i = 0; i < s.length; i++) all.push(s[i]);
    return tokenEntropy(all);
  }
  if (mode !== "per-sample") throw new RangeError(`mode must be 'per-sample' or 'pooled', got '${mode}'`);
  return samples.reduce((a, s) => a + tokenEntropy(s), 0) / samples.length;
}
