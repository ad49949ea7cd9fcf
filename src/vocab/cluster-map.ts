// The cluster map of hdlm.md §1.2: clusterOf[v] in [0, n) for each real token v, validated so that
// every cluster is non-empty; with helpers for cluster sizes, members and a size report.

/** Centroids of the clusters, row-major [n, d] float32. */
export interface Centroids {
  readonly dim: number;
  readonly data: Float32Array;
}

/**
 * A token -> cluster assignment (hdlm.md §1.2). `clusterOf[v]` is the local cluster index 0..n-1
 * of real token v; the cluster token id is `vocabLayout(V, n).clusterId(clusterOf[v])`.
 */
export interface ClusterMap {
  /** V: number of real tokens. */
  readonly vocabSize: number;
  /** n: number of clusters. */
  readonly numClusters: number;
  /** Local cluster index per token, length V, values in [0, n). */
  readonly clusterOf: Int32Array;
  /** Which embedding source produced it ("cooc", "file", "model", or a free description). */
  readonly source: string;
  /** Settings of the source and of k-means, recorded in the cluster file. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Centroids of the clusters in the embedding space they were built in, when known. */
  readonly centroids?: Centroids;
}

/** Options for `createClusterMap`. */
export interface ClusterMapOptions {
  source?: string;
  settings?: Record<string, unknown>;
  centroids?: Centroids;
  /** Prefix for error messages (usually the file the map came from). */
  where?: string;
}

/**
 * Validates and wraps an assignment. Errors name `where`, the field and the offending index:
 * length must equal V, values must be integers in [0, n), and every cluster needs a member.
 */
export function createClusterMap(
  clusterOf: ArrayLike<number>,
  numClusters: number,
  options: ClusterMapOptions & { vocabSize?: number } = {},
): ClusterMap {
  const where = options.where ?? "cluster map";
  if (!Number.isInteger(numClusters) || numClusters < 1) {
    throw new RangeError(`${where}: n (numClusters) must be an integer >= 1, got ${numClusters}`);
  }
  const vocabSize = options.vocabSize ?? clusterOf.length;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`${where}: vocabSize must be an integer >= 1, got ${vocabSize}`);
  }
  if (clusterOf.length !== vocabSize) {
    throw new RangeError(`${where}: clusterOf has length ${clusterOf.length} but vocabSize is ${vocabSize}; it needs one entry per token`);
  }
  if (numClusters > vocabSize) {
    throw new RangeError(`${where}: n = ${numClusters} clusters cannot all be non-empty with vocabSize ${vocabSize}; use n <= vocabSize`);
  }
  const out = new Int32Array(vocabSize);
  const sizes = new Int32Array(numClusters);
  for (let v = 0; v < vocabSize; v++) {
    const k = clusterOf[v];
    if (!Number.isInteger(k) || k < 0 || k >= numClusters) {
      throw new RangeError(`${where}: clusterOf[${v}] = ${k} is not an integer in [0, ${numClusters}); cluster indices are local 0..n-1`);
    }
    out[v] = k;
    sizes[k]++;
  }
  for (let k = 0; k < numClusters; k++) {
    if (sizes[k] === 0) {
      throw new RangeError(`${where}: cluster ${k} has no members; every cluster 0..${numClusters - 1} must hold at least one token (rebuild the map or lower n)`);
    }
  }
  const c = options.centroids;
  if (c !== undefined) {
    if (!Number.isInteger(c.dim) || c.dim < 1 || c.data.length !== numClusters * c.dim) {
      throw new RangeError(`${where}: centroids must be [n, d] = [${numClusters}, ${c.dim}] (${numClusters * c.dim} values), got ${c.data.length}`);
    }
  }
  return {
    vocabSize,
    numClusters,
    clusterOf: out,
    source: options.source ?? "unknown",
    settings: { ...(options.settings ?? {}) },
    centroids: c,
  };
}

/** Number of tokens in each cluster, length n. */
export function clusterSizes(map: ClusterMap): Int32Array {
  const sizes = new Int32Array(map.numClusters);
  for (let v = 0; v < map.vocabSize; v++) sizes[map.clusterOf[v]]++;
  return sizes;
}

/** Token ids in cluster k, ascending. */
export function clusterMembers(map: ClusterMap, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 0 || k >= map.numClusters) {
    throw new RangeError(`cluster index k must be an integer in [0, ${map.numClusters}), got ${k}`);
  }
  let count = 0;
  for (let v = 0; v < map.vocabSize; v++) if (map.clusterOf[v] === k) count++;
  const out = new Int32Array(count);
  let i = 0;
  for (let v = 0; v < map.vocabSize; v++) if (map.clusterOf[v] === k) out[i++] = v;
  return out;
}

/** Summary of cluster sizes: min/max/mean and the soft bounds 0.1·V/n and 5·V/n of hdlm.md §1.3. */
export interface ClusterSizeReport {
  readonly sizes: Int32Array;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Largest size over mean size. */
  readonly imbalance: number;
  readonly smallest: number;
  readonly largest: number;
}

/** Size report of a cluster map (for notebooks and logs). */
export function clusterSizeReport(map: ClusterMap): ClusterSizeReport {
  const sizes = clusterSizes(map);
  let min = Infinity;
  let max = -Infinity;
  let smallest = 0;
  let largest = 0;
  for (let k = 0; k < sizes.length; k++) {
    if (sizes[k] < min) {
      min = sizes[k];
      smallest = k;
    }
    if (sizes[k] > max) {
      max = sizes[k];
      largest = k;
    }
  }
  const mean = map.vocabSize / map.numClusters;
  return { sizes, min, max, mean, imbalance: max / mean, smallest, largest };
}
