// The vocabulary facts the processes and losses need (V, n, clusterOf) and the id layout
// 0..V-1 tokens, V = [MASK], V+1+k = cluster k (hdlm.md §1.1); plus the perturbed cluster law c-hat(x).

/** Structural type that vocab's ClusterMap satisfies: V real tokens, n clusters, token -> cluster index. */
export interface ClusterLayout {
  vocabSize: number;
  numClusters: number;
  clusterOf: Int32Array;
}

/** Throws an error naming the field unless the layout is consistent (length V, values in [0, n), no empty cluster). */
export function checkClusterLayout(layout: ClusterLayout, name = "clusters"): ClusterLayout {
  const { vocabSize: V, numClusters: n, clusterOf } = layout;
  if (!Number.isInteger(V) || V <= 0) throw new RangeError(`${name}.vocabSize must be a positive integer, got ${V}`);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name}.numClusters must be a positive integer, got ${n}`);
  if (!(clusterOf instanceof Int32Array)) throw new TypeError(`${name}.clusterOf must be an Int32Array`);
  if (clusterOf.length !== V) throw new RangeError(`${name}.clusterOf has length ${clusterOf.length}, expected vocabSize = ${V}`);
  const seen = new Uint8Array(n);
  for (let v = 0; v < V; v++) {
    const k = clusterOf[v];
    if (!(k >= 0 && k < n)) throw new RangeError(`${name}.clusterOf[${v}] = ${k} is outside [0, ${n})`);
    seen[k] = 1;
  }
  const empty = seen.indexOf(0);
  if (empty >= 0) throw new RangeError(`${name}: cluster ${empty} has no members; every cluster must be non-empty`);
  return layout;
}

/** Id of [MASK]: V. */
export function maskIdOf(layout: ClusterLayout): number {
  return layout.vocabSize;
}

/** Id of cluster token k: V + 1 + k. */
export function clusterTokenId(layout: ClusterLayout, k: number): number {
  return layout.vocabSize + 1 + k;
}

/** Number of ids in the layout: V + 1 + n. */
export function stateCount(layout: ClusterLayout): number {
  return layout.vocabSize + 1 + layout.numClusters;
}

/** A layout from a clusterOf array (n = max + 1 unless given). */
export function makeClusterLayout(clusterOf: ArrayLike<number>, numClusters?: number): ClusterLayout {
  const c = Int32Array.from(clusterOf);
  const n = numClusters ?? (c.length === 0 ? 0 : Math.max(...Array.from(c)) + 1);
  return checkClusterLayout({ vocabSize: c.length, numClusters: n, clusterOf: c });
}

/** Throws naming `xi` unless 0 < xi <= 1, and xi < 1 has n >= 2 clusters to perturb into. */
export function checkXi(xi: number, numClusters: number): number {
  if (typeof xi !== "number" || !(xi > 0 && xi <= 1)) throw new RangeError(`xi must be a number in (0, 1], got ${xi}`);
  if (xi < 1 && numClusters < 2) throw new RangeError(`xi < 1 needs numClusters >= 2 (a wrong cluster to move to), got numClusters = ${numClusters}`);
  return xi;
}

/**
 * c-hat(x) over the n clusters (hdlm.md §5.2): xi on clusterOf[x], (1-xi)/(n-1) on every other cluster.
 * Sums to 1. xi = 1 is the one-hot of §2.
 */
export function clusterDistribution(layout: ClusterLayout, x: number, xi = 1): Float64Array {
  const n = layout.numClusters;
  checkXi(xi, n);
  const out = new Float64Array(n);
  const other = n > 1 ? (1 - xi) / (n - 1) : 0;
  out.fill(other);
  out[layout.clusterOf[x]] = xi;
  return out;
}

/**
 * The reference's cluster law (hdlm.md §5.1, `sample_zt`): 1 - p on the true cluster, p/n on each wrong
 * one (p = 1 - xi), which sums to 1 - p/n; its categorical sampler pushes the deficit p/n onto the last
 * cluster. Returns the distribution actually sampled and the deficit.
 */
export function referenceClusterDistribution(layout: ClusterLayout, x: number, xi: number): { probs: Float64Array; deficit: number } {
  const n = layout.numClusters;
  checkXi(xi, n);
  const p = 1 - xi;
  const out = new Float64Array(n);
  out.fill(p / n);
  out[layout.clusterOf[x]] = 1 - p;
  const deficit = n > 1 ? p / n : 0;
  out[n - 1] += deficit;
  return { probs: out, deficit };
}
