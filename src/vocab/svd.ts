// Truncated eigen/singular decomposition of a symmetric sparse matrix by randomized subspace
// iteration (Halko et al. 2011), plus the small dense Jacobi eigensolver it needs; typed arrays only.
import { SeededRng } from "../util/rng";

/** A square sparse matrix in compressed sparse row form. */
export interface CsrMatrix {
  readonly size: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly values: Float64Array;
}

/** Y = A·Q for CSR A (size×size) and column-blocked Q stored row-major [size, l]. */
export function csrMultiply(A: CsrMatrix, Q: Float64Array, l: number): Float64Array {
  const Y = new Float64Array(A.size * l);
  for (let r = 0; r < A.size; r++) {
    const yo = r * l;
    for (let p = A.rowPtr[r]; p < A.rowPtr[r + 1]; p++) {
      const v = A.values[p];
      const qo = A.colIdx[p] * l;
      for (let j = 0; j < l; j++) Y[yo + j] += v * Q[qo + j];
    }
  }
  return Y;
}

/** Orthonormalises the l columns of row-major Y [rows, l] in place (modified Gram-Schmidt, twice). */
export function orthonormalizeColumns(Y: Float64Array, rows: number, l: number, rng: SeededRng): void {
  // Work column-major so that each column is contiguous.
  const Z = new Float64Array(rows * l);
  for (let r = 0; r < rows; r++) for (let j = 0; j < l; j++) Z[j * rows + r] = Y[r * l + j];
  for (let j = 0; j < l; j++) {
    const jo = j * rows;
    let retries = 0;
    for (;;) {
      for (let pass = 0; pass < 2; pass++) {
        for (let k = 0; k < j; k++) {
          const ko = k * rows;
          let dot = 0;
          for (let r = 0; r < rows; r++) dot += Z[jo + r] * Z[ko + r];
          for (let r = 0; r < rows; r++) Z[jo + r] -= dot * Z[ko + r];
        }
      }
      let s = 0;
      for (let r = 0; r < rows; r++) s += Z[jo + r] * Z[jo + r];
      if (s > 1e-24 || retries > 5) {
        const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
        for (let r = 0; r < rows; r++) Z[jo + r] *= inv;
        break;
      }
      // Rank-deficient column: replace by a fresh random direction and orthogonalise again.
      for (let r = 0; r < rows; r++) Z[jo + r] = rng.normal();
      retries++;
    }
  }
  for (let r = 0; r < rows; r++) for (let j = 0; j < l; j++) Y[r * l + j] = Z[j * rows + r];
}

/**
 * Eigen-decomposition of a small dense symmetric matrix (row-major m×m) by cyclic Jacobi rotations.
 * Returns eigenvalues and eigenvectors as columns of row-major `vectors` [m, m].
 */
export function jacobiEigen(S: Float64Array, m: number, maxSweeps = 100): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(S);
  const V = new Float64Array(m * m);
  for (let i = 0; i < m; i++) V[i * m + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < m; i++) {
      diag += A[i * m + i] * A[i * m + i];
      for (let j = i + 1; j < m; j++) off += A[i * m + j] * A[i * m + j];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = A[p * m + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * m + q] - A[p * m + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = A[k * m + p];
          const akq = A[k * m + q];
          A[k * m + p] = c * akp - s * akq;
          A[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = A[p * m + k];
          const aqk = A[q * m + k];
          A[p * m + k] = c * apk - s * aqk;
          A[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = V[k * m + p];
          const vkq = V[k * m + q];
          V[k * m + p] = c * vkp - s * vkq;
          V[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = A[i * m + i];
  return { values, vectors: V };
}

/** Result of `symmetricTruncatedSvd`: U [size, rank] row-major and singular values, descending. */
export interface TruncatedSvd {
  readonly U: Float64Array;
  readonly singularValues: Float64Array;
  readonly rank: number;
}

/**
 * Rank-`rank` truncated SVD of a symmetric matrix A by randomized subspace iteration and
 * Rayleigh–Ritz: for symmetric A the singular values are |eigenvalues| and the left singular
 * vectors are the eigenvectors. Deterministic given `seed`; each vector's sign is fixed so that
 * its largest-magnitude entry is positive.
 */
export function symmetricTruncatedSvd(
  A: CsrMatrix,
  rank: number,
  options: { seed?: number; oversample?: number; powerIterations?: number } = {},
): TruncatedSvd {
  const size = A.size;
  if (!Number.isInteger(rank) || rank < 1 || rank > size) {
    throw new RangeError(`rank must be an integer in [1, ${size}] (the matrix size), got ${rank}`);
  }
  const rng = new SeededRng(options.seed ?? 42);
  const l = Math.min(size, rank + (options.oversample ?? 10));
  const q = options.powerIterations ?? 4;
  let Y = new Float64Array(size * l);
  for (let i = 0; i < Y.length; i++) Y[i] = rng.normal();
  Y = csrMultiply(A, Y, l); // (size, l)
  orthonormalizeColumns(Y, size, l, rng);
  for (let it = 0; it < q; it++) {
    Y = csrMultiply(A, Y, l);
    orthonormalizeColumns(Y, size, l, rng);
  }
  // T = Qᵀ A Q  (l, l)
  const AQ = csrMultiply(A, Y, l);
  const T = new Float64Array(l * l);
  for (let r = 0; r < size; r++) {
    const o = r * l;
    for (let i = 0; i < l; i++) {
      const qi = Y[o + i];
      if (qi === 0) continue;
      for (let j = 0; j < l; j++) T[i * l + j] += qi * AQ[o + j];
    }
  }
  for (let i = 0; i < l; i++) {
    for (let j = i + 1; j < l; j++) {
      const s = 0.5 * (T[i * l + j] + T[j * l + i]);
      T[i * l + j] = s;
      T[j * l + i] = s;
    }
  }
  const { values, vectors } = jacobiEigen(T, l);
  const order = Array.from({ length: l }, (_, i) => i).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  const U = new Float64Array(size * rank);
  const singularValues = new Float64Array(rank);
  for (let c = 0; c < rank; c++) {
    const e = order[c];
    singularValues[c] = Math.abs(values[e]);
    let big = 0;
    for (let r = 0; r < size; r++) {
      let s = 0;
      for (let i = 0; i < l; i++) s += Y[r * l + i] * vectors[i * l + e];
      U[r * rank + c] = s;
      if (Math.abs(s) > Math.abs(big)) big = s;
    }
    if (big < 0) for (let r = 0; r < size; r++) U[r * rank + c] = -U[r * rank + c];
  }
  return { U, singularValues, rank };
}
