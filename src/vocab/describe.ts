// describeClusters: a few clusters' sizes and decoded members, for notebooks to judge by eye
// whether a cluster map groups tokens that mean or behave alike.
import { clusterSizes, type ClusterMap } from "./cluster-map";

/** One cluster as shown in a notebook. */
export interface ClusterDescription {
  readonly cluster: number;
  readonly size: number;
  /** Decoded members, at most `maxMembers`, in `order` (default: ascending id). */
  readonly members: readonly string[];
}

/** Options of `describeClusters`. */
export interface DescribeClustersOptions {
  /** Which clusters to show (default: k clusters evenly spaced over 0..n-1). */
  clusters?: readonly number[];
  /** Members shown per cluster (default 12). */
  maxMembers?: number;
  /** Token ids in display priority (e.g. most frequent first); tokens not listed come after, by id. */
  order?: ArrayLike<number>;
}

/**
 * Describes k clusters of `map`: size and up to `maxMembers` decoded members each.
 * `decode(id)` turns a token id into text (e.g. `(id) => enc.decode([id])`).
 */
export function describeClusters(
  map: ClusterMap,
  decode: (id: number) => string,
  k: number,
  options: DescribeClustersOptions = {},
): ClusterDescription[] {
  const n = map.numClusters;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k (clusters to describe) must be an integer >= 1, got ${k}`);
  const maxMembers = options.maxMembers ?? 12;
  let ids: number[];
  if (options.clusters !== undefined) {
    ids = options.clusters.slice(0, k);
    for (const c of ids) {
      if (!Number.isInteger(c) || c < 0 || c >= n) throw new RangeError(`clusters: ${c} is not a cluster index in [0, ${n})`);
    }
  } else {
    const m = Math.min(k, n);
    ids = Array.from({ length: m }, (_, i) => Math.floor((i * n) / m));
  }
  const sizes = clusterSizes(map);
  // Display order: `order` first, then the remaining ids ascending.
  const seen = new Uint8Array(map.vocabSize);
  const ranked: number[] = [];
  if (options.order !== undefined) {
    for (let i = 0; i < options.order.length; i++) {
      const v = options.order[i];
      if (Number.isInteger(v) && v >= 0 && v < map.vocabSize && !seen[v]) {
        seen[v] = 1;
        ranked.push(v);
      }
    }
  }
  for (let v = 0; v < map.vocabSize; v++) if (!seen[v]) ranked.push(v);
  return ids.map((c) => {
    const members: string[] = [];
    for (const v of ranked) {
      if (members.length >= maxMembers) break;
      if (map.clusterOf[v] === c) members.push(decode(v));
    }
    return { cluster: c, size: sizes[c], members };
  });
}
