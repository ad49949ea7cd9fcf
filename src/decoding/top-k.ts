// The top-(k+1) candidates of each position's token distribution (decoding.md §1 step 4), on host arrays.

/** The `count` largest entries of each selected row: ids and values [rows * count], largest first. */
export interface TopCandidates {
  /** Entries kept per row. */
  count: number;
  /** Token ids [rows * count] (ties: the lower id first); -1 where a row was not selected. */
  ids: Int32Array;
  /** Their probabilities [rows * count]; 0 where a row was not selected. */
  values: Float64Array;
}

/**
 * Top-`count` of each row of a flat [rows * V] probability table (`torch.topk` per row; ties go to the lower id).
 * `select` (0/1 per row, default all) skips rows nobody needs, e.g. unmasked positions. `count` is capped at V.
 */
export function topCandidates(probs: ArrayLike<number>, vocabSize: number, count: number, select?: ArrayLike<number>): TopCandidates {
  const V = vocabSize;
  if (!Number.isInteger(V) || V < 1) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (probs.length % V !== 0) throw new RangeError(`probs must hold rows * vocabSize (${V}) entries, got ${probs.length}`);
  const rows = probs.length / V;
  if (select !== undefined && select.length !== rows) throw new RangeError(`select must hold one entry per row (${rows}), got ${select.length}`);
  const k = Math.min(count, V);
  const ids = new Int32Array(rows * k).fill(-1);
  const values = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    if (select !== undefined && !select[r]) continue;
    const o = r * k;
    let filled = 0;
    for (let v = 0; v < V; v++) {
      const p = probs[r * V + v];
      if (filled === k && !(p > values[o + k - 1])) continue;
      // insertion into the sorted (descending) prefix; equal values keep the earlier (lower) id first
      let j = filled < k ? filled++ : k - 1;
      while (j > 0 && p > values[o + j - 1]) {
        values[o + j] = values[o + j - 1];
        ids[o + j] = ids[o + j - 1];
        j--;
      }
      values[o + j] = p;
      ids[o + j] = v;
    }
  }
  return { count: k, ids, values };
}
