// Size-regularised k-means++ over token embeddings (hdlm.md §1.3, after hdlm/compute_clusters.py):
// seeded k-means++ init, batched assignment, soft max/min cluster sizes, empty-cluster reseeding.
import { SeededRng } from "../util/rng";

/** Distance used by k-means: raw euclidean (reference default) or cosine (rows L2-normalised first). */
export type KMeansMetric = "euclidean" | "cosine";

/** Options of `kmeansClusters`; defaults are those of hdlm.md §1.3. */
export interface KMeansOptions {
  /** n: number of clusters. */
  numClusters: number;
  /** Seed of the k-means++ draws (default 42). */
  seed?: number;
  /** Maximum number of assign/update iterations (default 100). */
  maxIters?: number;
  /** Stop when the centroids move by at most this (default 1e-4; 0 = until nothing moves): Frobenius norm of the change
   * for euclidean, 1 − mean cosine between old and new centroids for cosine (as the reference). */
  tol?: number;
  /** Distance (default "euclidean"). */
  metric?: KMeansMetric;
  /** A cluster above maxSizeRatio·N/n hands its excess to second-nearest centroids (default 5.0). */
  maxSizeRatio?: number;
  /** A cluster below minSizeRatio·N/n takes the nearest points of clusters that can spare them (default 0.1). */
  minSizeRatio?: number;
  /** Rows per distance batch, so N×n distances never exist at once (default 1024). */
  batchSize?: number;
}

/** The k-means settings every option falls back to (hdlm.md §1.3, the reference's defaults). */
export const KMEANS_DEFAULTS = {
  seed: 42,
  maxIters: 100,
  tol: 1e-4,
  metric: "euclidean" as KMeansMetric,
  maxSizeRatio: 5.0,
  minSizeRatio: 0.1,
  batchSize: 1024,
};

/** Every k-means setting but n, with the defaults filled in (what cluster files record). */
export type KMeansSettings = typeof KMEANS_DEFAULTS;

/** Fills the unset k-means options with {@link KMEANS_DEFAULTS}. */
export function resolveKMeansSettings(options: Partial<Omit<KMeansOptions, "numClusters">>): KMeansSettings {
  const d = KMEANS_DEFAULTS;
  return {
    seed: options.seed ?? d.seed,
    maxIters: options.maxIters ?? d.maxIters,
    tol: options.tol ?? d.tol,
    metric: options.metric ?? d.metric,
    maxSizeRatio: options.maxSizeRatio ?? d.maxSizeRatio,
    minSizeRatio: options.minSizeRatio ?? d.minSizeRatio,
    batchSize: options.batchSize ?? d.batchSize,
  };
}

/** The settings that determine a clustering (batch size does not change the result), as cluster files record them. */
export function kmeansSettingsRecord(options: Partial<Omit<KMeansOptions, "numClusters">>): Omit<KMeansSettings, "batchSize"> {
  const { batchSize: _batch, ...rest } = resolveKMeansSettings(options);
  return rest;
}

/** Result of `kmeansClusters`. */
export interface KMeansResult {
  /** Cluster index 0..n-1 of each row. */
  readonly assignment: Int32Array;
  /** Row-major [n, d] centroids: member means (re-normalised for cosine). */
  readonly centroids: Float32Array;
  readonly numClusters: number;
  readonly dim: number;
  /** Iterations run. */
  readonly iterations: number;
  /** Whether the centroid change fell below tol before maxIters. */
  readonly converged: boolean;
  /** Centroid change after each iteration (see `tol`). */
  readonly shifts: readonly number[];
  /** Points moved by the size constraints and empty-cluster reseeding, per iteration. */
  readonly reassigned: readonly number[];
  /** Sum over rows of the squared euclidean distance to the assigned centroid (in the space clustered). */
  readonly inertia: number;
  /** Soft bounds that were applied: floor(minSizeRatio·N/n) and floor(maxSizeRatio·N/n). */
  readonly minSize: number;
  readonly maxSize: number;
}

function checkNumber(value: number, name: string, ok: boolean, want: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok) throw new RangeError(`${name} must be ${want}, got ${value}`);
}

/** |x − c|² = |x|² + |c|² − 2 x·c, clamped at 0; the dot product unrolled by 4 (the hot loop of k-means). */
function rowDistance(x: Float64Array, xNorm: number, C: Float64Array, co: number, cNorm: number, dim: number): number {
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    d0 += x[j] * C[co + j];
    d1 += x[j + 1] * C[co + j + 1];
    d2 += x[j + 2] * C[co + j + 2];
    d3 += x[j + 3] * C[co + j + 3];
  }
  for (; j < dim; j++) d0 += x[j] * C[co + j];
  const sq = xNorm + cNorm - 2 * (d0 + d1 + d2 + d3);
  return sq > 0 ? sq : 0;
}

/** L2-normalises each row (rows of zero norm stay zero). */
export function normalizeRows(points: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += points[i * dim + j] * points[i * dim + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) out[i * dim + j] = points[i * dim + j] * inv;
  }
  return out;
}

/**
 * Size-regularised k-means++ (hdlm.md §1.3) on `rows` points of dimension `dim` (row-major).
 * Deterministic given `seed`. Soft size constraints follow the reference: excess points of an
 * oversized cluster move to their second-nearest centroid, smallest distance increase first (skipping
 * points whose second-nearest cluster is already full); an
 * undersized cluster takes the nearest points from clusters above the minimum. Unlike the reference,
 * an empty cluster is re-seeded with the point farthest from its centroid, so all n clusters stay used.
 */
export function kmeansClusters(points: Float32Array, rows: number, dim: number, options: KMeansOptions): KMeansResult {
  const n = options.numClusters;
  checkNumber(rows, "rows", Number.isInteger(rows) && rows >= 1, "an integer >= 1");
  checkNumber(dim, "dim", Number.isInteger(dim) && dim >= 1, "an integer >= 1");
  if (points.length !== rows * dim) {
    throw new RangeError(`points must hold rows*dim = ${rows}*${dim} = ${rows * dim} values, got ${points.length}`);
  }
  checkNumber(n, "numClusters", Number.isInteger(n) && n >= 1 && n <= rows, `an integer in [1, rows = ${rows}]`);
  const { seed, maxIters, tol, metric, maxSizeRatio: maxRatio, minSizeRatio: minRatio, batchSize: batch } = resolveKMeansSettings(options);
  checkNumber(maxIters, "maxIters", Number.isInteger(maxIters) && maxIters >= 1, "an integer >= 1");
  checkNumber(tol, "tol", tol >= 0, ">= 0");
  checkNumber(maxRatio, "maxSizeRatio", maxRatio >= 1, ">= 1");
  checkNumber(minRatio, "minSizeRatio", minRatio >= 0 && minRatio <= 1, "in [0, 1]");
  checkNumber(batch, "batchSize", Number.isInteger(batch) && batch >= 1, "an integer >= 1");
  if (metric !== "euclidean" && metric !== "cosine") throw new RangeError(`metric must be "euclidean" or "cosine", got ${String(metric)}`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) {
      throw new RangeError(`points: row ${Math.floor(i / dim)} column ${i % dim} is ${points[i]}; embeddings must be finite`);
    }
  }
  const cosine = metric === "cosine";
  const X = cosine ? normalizeRows(points, rows, dim) : points;
  const avg = rows / n;
  const minSize = Math.floor(avg * minRatio);
  const maxSize = Math.max(1, Math.floor(avg * maxRatio));

  const xNorm = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += X[i * dim + j] * X[i * dim + j];
    xNorm[i] = s;
  }
  const sqDist = (i: number, C: Float64Array, k: number): number => {
    let s = 0;
    const xo = i * dim;
    const co = k * dim;
    for (let j = 0; j < dim; j++) {
      const t = X[xo + j] - C[co + j];
      s += t * t;
    }
    return s;
  };
  // Distance as the reference ranks reassignments: euclidean distance, or 1 − cos = |x−c|²/2 on unit vectors.
  const fromSq = (sq: number): number => (cosine ? sq / 2 : Math.sqrt(sq));

  // 1. k-means++ initialisation (D² sampling, D = the metric's distance).
  const rng = new SeededRng(seed);
  let C = new Float64Array(n * dim);
  const minD = new Float64Array(rows).fill(Infinity);
  const chosen = new Uint8Array(rows);
  let pick = rng.int(rows);
  for (let k = 0; k < n; k++) {
    chosen[pick] = 1;
    for (let j = 0; j < dim; j++) C[k * dim + j] = X[pick * dim + j];
    if (k === n - 1) break;
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const d = fromSq(sqDist(i, C, k));
      const w = d * d;
      if (w < minD[i]) minD[i] = w;
      total += minD[i];
    }
    if (total > 0) {
      let u = rng.uniform() * total;
      pick = -1;
      for (let i = 0; i < rows; i++) {
        u -= minD[i];
        if (u < 0 && minD[i] > 0) {
          pick = i;
          break;
        }
      }
      if (pick < 0) for (let i = rows - 1; i >= 0; i--) if (minD[i] > 0) { pick = i; break; }
    } else {
      // All remaining points coincide with a centre: take an unchosen row uniformly.
      let r = rng.int(rows);
      while (chosen[r]) r = (r + 1) % rows;
      pick = r;
    }
  }

  // 2. Iterate: batched assignment keeping only the two nearest centroids per row, size constraints, update.
  const assign = new Int32Array(rows);
  const second = new Int32Array(rows);
  const d1 = new Float64Array(rows);
  const d2 = new Float64Array(rows);
  const cNorm = new Float64Array(n);
  const scratch = new Float64Array(Math.min(batch, rows) * n);
  const sizes = new Int32Array(n);
  const xRow = new Float64Array(dim);
  const shifts: number[] = [];
  const reassigned: number[] = [];
  let converged = false;
  let iterations = 0;
  for (let it = 0; it < maxIters; it++) {
    iterations = it + 1;
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += C[k * dim + j] * C[k * dim + j];
      cNorm[k] = s;
    }
    for (let start = 0; start < rows; start += batch) {
      const end = Math.min(rows, start + batch);
      // scratch[(i-start)*n + k] = |x_i − c_k|² via |x|² + |c|² − 2 x·c   (batch, n)
      for (let i = start; i < end; i++) {
        const xo = i * dim;
        for (let j = 0; j < dim; j++) xRow[j] = X[xo + j];
        const so = (i - start) * n;
        for (let k = 0; k < n; k++) {
          scratch[so + k] = rowDistance(xRow, xNorm[i], C, k * dim, cNorm[k], dim);
        }
      }
      for (let i = start; i < end; i++) {
        const so = (i - start) * n;
        let b1 = 0;
        let v1 = Infinity;
        let b2 = -1;
        let v2 = Infinity;
        for (let k = 0; k < n; k++) {
          const v = scratch[so + k];
          if (v < v1) {
            b2 = b1;
            v2 = v1;
            b1 = k;
            v1 = v;
          } else if (v < v2) {
            b2 = k;
            v2 = v;
          }
        }
        assign[i] = b1;
        second[i] = b2 < 0 ? b1 : b2;
        d1[i] = fromSq(v1);
        d2[i] = n > 1 ? fromSq(v2) : Infinity;
      }
    }
    sizes.fill(0);
    for (let i = 0; i < rows; i++) sizes[assign[i]]++;
    let moved = 0;

    // 2a. Oversized clusters: move the excess to the second-nearest centroid, cheapest first.
    if (n > 1) {
      for (let k = 0; k < n; k++) {
        if (sizes[k] <= maxSize) continue;
        const members: number[] = [];
        for (let i = 0; i < rows; i++) if (assign[i] === k && second[i] !== k) members.push(i);
        members.sort((a, b) => d2[a] - d1[a] - (d2[b] - d1[b]) || a - b);
        // Unlike the reference, skip a point whose second-nearest cluster is already full,
        // so that handing over the excess does not overfill a neighbour.
        for (let m = 0; m < members.length && sizes[k] > maxSize; m++) {
          const i = members[m];
          if (sizes[second[i]] >= maxSize) continue;
          assign[i] = second[i];
          sizes[k]--;
          sizes[second[i]]++;
          moved++;
        }
      }
    }

    // 2b. Undersized clusters: take the nearest points from clusters that stay above the minimum.
    if (minSize > 0 && n > 1) {
      for (let k = 0; k < n; k++) {
        if (sizes[k] >= minSize) continue;
        const cand: number[] = [];
        const dk = new Float64Array(rows);
        for (let i = 0; i < rows; i++) {
          if (assign[i] === k) continue;
          dk[i] = sqDist(i, C, k);
          cand.push(i);
        }
        cand.sort((a, b) => dk[a] - dk[b] || a - b);
        for (const i of cand) {
          if (sizes[k] >= minSize) break;
          const from = assign[i];
          if (sizes[from] <= minSize) continue;
          assign[i] = k;
          sizes[from]--;
          sizes[k]++;
          moved++;
        }
      }
    }

    // 2c. Empty clusters: re-seed with the point farthest from its own centroid.
    for (let k = 0; k < n; k++) {
      if (sizes[k] > 0) continue;
      let far = -1;
      let farD = -1;
      for (let i = 0; i < rows; i++) {
        if (sizes[assign[i]] <= 1) continue;
        const d = sqDist(i, C, assign[i]);
        if (d > farD) {
          farD = d;
          far = i;
        }
      }
      sizes[assign[far]]--;
      assign[far] = k;
      sizes[k] = 1;
      moved++;
    }
    reassigned.push(moved);

    // 2d. Update: centroids are member means (re-normalised for cosine).
    const next = new Float64Array(n * dim);
    for (let i = 0; i < rows; i++) {
      const co = assign[i] * dim;
      const xo = i * dim;
      for (let j = 0; j < dim; j++) next[co + j] += X[xo + j];
    }
    for (let k = 0; k < n; k++) {
      const inv = 1 / sizes[k];
      let s = 0;
      for (let j = 0; j < dim; j++) {
        next[k * dim + j] *= inv;
        s += next[k * dim + j] * next[k * dim + j];
      }
      if (cosine) {
        if (s > 0) {
          const r = 1 / Math.sqrt(s);
          for (let j = 0; j < dim; j++) next[k * dim + j] *= r;
        } else {
          for (let j = 0; j < dim; j++) next[k * dim + j] = C[k * dim + j];
        }
      }
    }
    let shift: number;
    if (cosine) {
      let cosSum = 0;
      for (let k = 0; k < n; k++) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += C[k * dim + j] * next[k * dim + j];
        cosSum += dot;
      }
      shift = 1 - cosSum / n;
    } else {
      let s = 0;
      for (let i = 0; i < n * dim; i++) s += (next[i] - C[i]) * (next[i] - C[i]);
      shift = Math.sqrt(s);
    }
    C = next;
    shifts.push(shift);
    if (shift <= tol) {
      converged = true;
      break;
    }
  }

  let inertia = 0;
  for (let i = 0; i < rows; i++) inertia += sqDist(i, C, assign[i]);
  return {
    assignment: assign,
    centroids: Float32Array.from(C),
    numClusters: n,
    dim,
    iterations,
    converged,
    shifts,
    reassigned,
    inertia,
    minSize,
    maxSize,
  };
}
