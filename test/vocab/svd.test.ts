// Tests of the dense Jacobi eigensolver and the randomized truncated SVD of symmetric sparse matrices.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jacobiEigen, symmetricTruncatedSvd, type CsrMatrix } from "../../src/vocab";
import { SeededRng } from "../../src/util/rng";

function denseToCsr(A: Float64Array, m: number): CsrMatrix {
  const rowPtr = new Int32Array(m + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) if (A[r * m + c] !== 0) { cols.push(c); vals.push(A[r * m + c]); }
    rowPtr[r + 1] = cols.length;
  }
  return { size: m, rowPtr, colIdx: Int32Array.from(cols), values: Float64Array.from(vals) };
}

/** Symmetric m×m matrix Q diag(lambda) Qᵀ with a random orthogonal Q (Gram-Schmidt of Gaussians). */
function planted(m: number, lambda: number[], seed: number): Float64Array {
  const rng = new SeededRng(seed);
  const Q: number[][] = [];
  for (let k = 0; k < m; k++) {
    const v = Array.from({ length: m }, () => rng.normal());
    for (const u of Q) { const d = u.reduce((s, x, i) => s + x * v[i], 0); for (let i = 0; i < m; i++) v[i] -= d * u[i]; }
    const nv = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    Q.push(v.map((x) => x / nv));
  }
  const A = new Float64Array(m * m);
  for (let k = 0; k < m; k++) for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) A[i * m + j] += lambda[k] * Q[k][i] * Q[k][j];
  return A;
}

test("jacobiEigen: A·v = λ·v for every pair and the eigenvalues are the planted ones", () => {
  const m = 7;
  const lambda = [5, -3, 2.5, 1, 0.5, -0.25, 0];
  const A = planted(m, lambda, 1);
  const { values, vectors } = jacobiEigen(A, m);
  const fmt = (x: number) => (Math.abs(x) < 5e-10 ? 0 : x).toFixed(9);
  assert.deepEqual(Array.from(values).sort((a, b) => a - b).map(fmt), lambda.slice().sort((a, b) => a - b).map(fmt));
  for (let e = 0; e < m; e++) {
    for (let i = 0; i < m; i++) {
      let av = 0;
      for (let j = 0; j < m; j++) av += A[i * m + j] * vectors[j * m + e];
      assert.ok(Math.abs(av - values[e] * vectors[i * m + e]) < 1e-10);
    }
  }
});

test("symmetricTruncatedSvd: top singular values |λ| and vectors of a planted spectrum (with negative eigenvalues)", () => {
  const m = 60;
  const lambda = Array.from({ length: m }, (_, k) => (k % 3 === 1 ? -1 : 1) * 10 * Math.pow(0.8, k));
  const A = planted(m, lambda, 2);
  const r = symmetricTruncatedSvd(denseToCsr(A, m), 5, { seed: 3 });
  const want = lambda.map(Math.abs).sort((a, b) => b - a).slice(0, 5);
  for (let c = 0; c < 5; c++) assert.ok(Math.abs(r.singularValues[c] - want[c]) < 1e-6 * want[0], `σ${c}: ${r.singularValues[c]} vs ${want[c]}`);
  // A u = ±σ u (the sign is the eigenvalue's): take the better of the two signs.
  for (let c = 0; c < 5; c++) {
    let best = Infinity;
    for (const sign of [1, -1]) {
      let err = 0;
      for (let i = 0; i < m; i++) {
        let au = 0;
        for (let j = 0; j < m; j++) au += A[i * m + j] * r.U[j * 5 + c];
        err = Math.max(err, Math.abs(au - sign * r.singularValues[c] * r.U[i * 5 + c]));
      }
      best = Math.min(best, err);
    }
    assert.ok(best < 1e-4, `vector ${c}: residual ${best}`);
  }
  const again = symmetricTruncatedSvd(denseToCsr(A, m), 5, { seed: 3 });
  assert.deepEqual(again.U, r.U);
  assert.throws(() => symmetricTruncatedSvd(denseToCsr(A, m), 61), /rank must be an integer in \[1, 60\]/);
});
