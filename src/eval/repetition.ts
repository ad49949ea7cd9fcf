// Repetition metrics of generated samples (decoding.md §4): rep-n (the share of a sample's n-grams that repeat an
// earlier one), distinct-n, the rate of high-prior tokens (the most frequent ids of a reference unigram, such as
// "the", "."), and all of them with the unigram entropy in one report.
import { unigramEntropy } from "./entropy";

/** Options shared by the batch metrics: cut each sample at the first `truncateAt` id (e.g. EOS), exclusive. */
export interface RepetitionOptions {
  truncateAt?: number;
}

function checkN(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1, got ${n}`);
  return n;
}

function checkSamples(samples: ReadonlyArray<ArrayLike<number>>): void {
  if (!Array.isArray(samples) || samples.length === 0) throw new RangeError("samples must hold at least one sequence");
}

function cut(ids: ArrayLike<number>, options: RepetitionOptions): ArrayLike<number> {
  if (options.truncateAt === undefined) return ids;
  for (let i = 0; i < ids.length; i++) if (ids[i] === options.truncateAt) return Array.prototype.slice.call(ids, 0, i) as number[];
  return ids;
}

/** The n-grams of `ids` as string keys, in order (length − n + 1 of them; none when length < n). */
export function ngramKeys(ids: ArrayLike<number>, n: number): string[] {
  checkN(n);
  const out: string[] = [];
  for (let i = 0; i + n <= ids.length; i++) {
    let key = String(ids[i]);
    for (let j = 1; j < n; j++) key += "," + ids[i + j];
    out.push(key);
  }
  return out;
}

/**
 * rep-n of one sample (decoding.md §4): 1 − |unique n-grams| / |n-grams|, the fraction of n-grams that duplicate an
 * earlier one. `a b a b a b`: rep-2 = 1 − 2/5 = 0.6. A sample shorter than n has no n-grams and gets 0.
 */
export function repN(ids: ArrayLike<number>, n = 4): number {
  const grams = ngramKeys(ids, n);
  if (grams.length === 0) return 0;
  return 1 - new Set(grams).size / grams.length;
}

/** rep-n averaged over the samples that hold at least one n-gram (decoding.md §4; n = 4 by default). */
export function repetitionRate(samples: ReadonlyArray<ArrayLike<number>>, n = 4, options: RepetitionOptions = {}): number {
  checkSamples(samples);
  checkN(n);
  let sum = 0, count = 0;
  for (const s of samples) {
    const ids = cut(s, options);
    if (ids.length < n) continue;
    sum += repN(ids, n);
    count++;
  }
  if (count === 0) throw new RangeError(`samples must hold at least one sequence of >= n = ${n} tokens`);
  return sum / count;
}

/**
 * distinct-n: |unique n-grams| / |n-grams|. 'pooled' (default; Li et al. 2016) counts over all samples together,
 * so repeats across samples count too; 'per-sample' averages each sample's ratio (1 − rep-n) over samples with an
 * n-gram.
 */
export function distinctN(samples: ReadonlyArray<ArrayLike<number>>, n = 2, mode: "pooled" | "per-sample" = "pooled", options: RepetitionOptions = {}): number {
  checkSamples(samples);
  checkN(n);
  if (mode === "per-sample") return 1 - repetitionRate(samples, n, options);
  if (mode !== "pooled") throw new RangeError(`mode must be 'pooled' or 'per-sample', got '${String(mode)}'`);
  const seen = new Set<string>();
  let total = 0;
  for (const s of samples) {
    const grams = ngramKeys(cut(s, options), n);
    total += grams.length;
    for (const g of grams) seen.add(g);
  }
  if (total === 0) throw new RangeError(`samples must hold at least one sequence of >= n = ${n} tokens`);
  return seen.size / total;
}

/**
 * The `top` most frequent ids of a reference unigram count table (`counts[id]`; ties: the lower id): the
 * "high-prior" tokens of decoding.md §3-§4 (such as "the", "."), as a set.
 */
export function highPriorIds(counts: ArrayLike<number>, top: number): Set<number> {
  if (!Number.isInteger(top) || top < 0 || top > counts.length) throw new RangeError(`top must be an integer in [0, ${counts.length}], got ${top}`);
  const ids = Array.from({ length: counts.length }, (_, i) => i);
  for (let i = 0; i < counts.length; i++) if (!(counts[i] >= 0)) throw new RangeError(`counts must be >= 0, got ${counts[i]} at id ${i}`);
  ids.sort((a, b) => counts[b] - counts[a] || a - b);
  return new Set(ids.slice(0, top));
}

/** The share of all sample tokens (pooled) that are high-prior ids; 0 for no tokens. */
export function highPriorTokenRate(samples: ReadonlyArray<ArrayLike<number>>, highPrior: ReadonlySet<number> | ArrayLike<number>, options: RepetitionOptions = {}): number {
  checkSamples(samples);
  const set: ReadonlySet<number> = highPrior instanceof Set ? highPrior : new Set(Array.from(highPrior as ArrayLike<number>));
  let hit = 0, total = 0;
  for (const s of samples) {
    const ids = cut(s, options);
    for (let i = 0; i < ids.length; i++) {
      total++;
      if (set.has(ids[i])) hit++;
    }
  }
  return total === 0 ? 0 : hit / total;
}

/** The repetition report of decoding.md §4: rep-2/3/4, distinct-1/2/3 (pooled), unigram entropy, high-prior rate. */
export interface RepetitionReport {
  rep2: number;
  rep3: number;
  rep4: number;
  distinct1: number;
  distinct2: number;
  distinct3: number;
  /** Per-sample unigram entropy in nats (entropy.ts). */
  entropy: number;
  /** Present when high-prior ids were given. */
  highPriorRate?: number;
}

/** All repetition metrics of a set of samples (rep-n needs samples of >= 4 tokens). */
export function repetitionReport(samples: ReadonlyArray<ArrayLike<number>>, options: RepetitionOptions & { highPrior?: ReadonlySet<number> | ArrayLike<number> } = {}): RepetitionReport {
  checkSamples(samples);
  const cutSamples = samples.map((s) => cut(s, options));
  const report: RepetitionReport = {
    rep2: repetitionRate(cutSamples, 2),
    rep3: repetitionRate(cutSamples, 3),
    rep4: repetitionRate(cutSamples, 4),
    distinct1: distinctN(cutSamples, 1),
    distinct2: distinctN(cutSamples, 2),
    distinct3: distinctN(cutSamples, 3),
    entropy: unigramEntropy(cutSamples),
  };
  if (options.highPrior !== undefined) report.highPriorRate = highPriorTokenRate(cutSamples, options.highPrior);
  return report;
}
