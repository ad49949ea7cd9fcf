// The HDLM id layout (hdlm.md §1.1): real tokens 0..V-1, [MASK] = V, cluster tokens V+1..V+n,
// total width V+1+n, optionally padded up to a multiple of padVocabTo.

/** The id layout of a hierarchical vocabulary with V real tokens and n clusters (hdlm.md §1.1). */
export interface VocabLayout {
  /** V: number of real tokens (ids 0..V-1). */
  readonly vocabSize: number;
  /** n: number of cluster tokens. */
  readonly numClusters: number;
  /** Id of [MASK], equal to V. */
  readonly maskId: number;
  /** Id of the first cluster token, V + 1. */
  readonly firstClusterId: number;
  /** V + 1 + n: the number of meaningful ids. */
  readonly width: number;
  /** `width` rounded up to a multiple of `padVocabTo` (equal to `width` without padding). */
  readonly paddedWidth: number;
  /** Id of cluster token k (local index 0..n-1): V + 1 + k. */
  clusterId(k: number): number;
  /** Local cluster index 0..n-1 of a cluster-token id (inverse of `clusterId`). */
  clusterIndex(id: number): number;
  /** True for a real token id 0..V-1. */
  isToken(id: number): boolean;
  /** True for the [MASK] id. */
  isMask(id: number): boolean;
  /** True for a cluster-token id V+1..V+n. */
  isCluster(id: number): boolean;
}

function checkCount(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/**
 * Builds the id layout of hdlm.md §1.1. `padVocabTo` (e.g. 128) only pads the output width
 * for GPU efficiency; padded ids are neither tokens, mask nor clusters.
 */
export function vocabLayout(vocabSize: number, numClusters: number, options: { padVocabTo?: number } = {}): VocabLayout {
  checkCount(vocabSize, "vocabSize", 1);
  checkCount(numClusters, "numClusters", 1);
  const pad = options.padVocabTo ?? 1;
  checkCount(pad, "padVocabTo", 1);
  const V = vocabSize;
  const n = numClusters;
  const width = V + 1 + n;
  const paddedWidth = Math.ceil(width / pad) * pad;
  return {
    vocabSize: V,
    numClusters: n,
    maskId: V,
    firstClusterId: V + 1,
    width,
    paddedWidth,
    clusterId(k: number): number {
      if (!Number.isInteger(k) || k < 0 || k >= n) {
        throw new RangeError(`cluster index k must be an integer in [0, ${n}), got ${k}`);
      }
      return V + 1 + k;
    },
    clusterIndex(id: number): number {
      if (!Number.isInteger(id) || id < V + 1 || id > V + n) {
        throw new RangeError(`id ${id} is not a cluster token; cluster ids are ${V + 1}..${V + n}`);
      }
      return id - V - 1;
    },
    isToken: (id: number) => Number.isInteger(id) && id >= 0 && id < V,
    isMask: (id: number) => id === V,
    isCluster: (id: number) => Number.isInteger(id) && id > V && id <= V + n,
  };
}
