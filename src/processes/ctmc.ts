// Brute-force continuous-time Markov chain tools for toy vocabularies: the dense HDLM generator,
// RK4 integration of the Kolmogorov forward equation, matrix exponentials, and exact reverse rates.
import { checkTime } from "../schedules/schedule";
import { checkPositive } from "../schedules/schedule";
import { ClusterLayout, checkClusterLayout, checkXi, clusterDistribution, stateCount } from "./cluster-layout";

/** A dense row-major square matrix of size `size` (entry [i][j] at i*size + j). */
export interface DenseMatrix {
  size: number;
  data: Float64Array;
}

/** The size-by-size zero matrix. */
export function zeroMatrix(size: number): DenseMatrix {
  return { size, data: new Float64Array(size * size) };
}

/** A @ B. */
export function matMul(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const n = a.size;
  if (b.size !== n) throw new RangeError(`matMul: sizes differ (${n} vs ${b.size})`);
  const out = zeroMatrix(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a.data[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out.data[i * n + j] += aik * b.data[k * n + j];
    }
  }
  return out;
}

/** Row vector p times matrix M: (pM)_j = sum_i p_i M_ij. */
export function vecMat(p: ArrayLike<number>, m: DenseMatrix): Float64Array {
  const n = m.size;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    if (pi === 0) continue;
    for (let j = 0; j < n; j++) out[j] += pi * m.data[i * n + j];
  }
  return out;
}

/** s * M. */
export function scaleMatrix(m: DenseMatrix, s: number): DenseMatrix {
  return { size: m.size, data: m.data.map((v) => v * s) };
}

/**
 * exp(M) by scaling and squaring with a degree-18 Taylor series (float64; accurate to ~1e-14 for the
 * small generators used here).
 */
export function expm(m: DenseMatrix): DenseMatrix {
  const n = m.size;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += Math.abs(m.data[i * n + j]);
    norm = Math.max(norm, row);
  }
  const squarings = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const a = scaleMatrix(m, 1 / 2 ** squarings);
  let result = zeroMatrix(n);
  let term = zeroMatrix(n);
  for (let i = 0; i < n; i++) {
    result.data[i * n + i] = 1;
    term.data[i * n + i] = 1;
  }
  for (let k = 1; k <= 18; k++) {
    term = scaleMatrix(matMul(term, a), 1 / k);
    for (let i = 0; i < n * n; i++) result.data[i] += term.data[i];
  }
  for (let s = 0; s < squarings; s++) result = matMul(result, result);
  return result;
}

/**
 * The time-independent part G of the HDLM generator (hdlm.md §2.2): Q(t) = G / (1-t), with
 * token x -> cluster k at rate gamma * c-hat(x)[k] and cluster -> MASK at rate 1 (MASK absorbing).
 * Rows are source states, columns targets; diagonals make rows sum to 0.
 */
export function hdlmGeneratorShape(layout: ClusterLayout, gamma: number, xi = 1): DenseMatrix {
  checkClusterLayout(layout);
  checkPositive(gamma, "gamma");
  checkXi(xi, layout.numClusters);
  const V = layout.vocabSize;
  const n = layout.numClusters;
  const S = stateCount(layout);
  const g = zeroMatrix(S);
  for (let x = 0; x < V; x++) {
    const chat = clusterDistribution(layout, x, xi);
    for (let k = 0; k < n; k++) g.data[x * S + V + 1 + k] += gamma * chat[k];
    g.data[x * S + x] -= gamma;
  }
  for (let k = 0; k < n; k++) {
    const c = V + 1 + k;
    g.data[c * S + V] += 1;
    g.data[c * S + c] -= 1;
  }
  return g;
}

/** The HDLM generator at time t: Q(t) = G/(1-t), rates gamma/(1-t) (token -> cluster) and 1/(1-t) (cluster -> MASK). */
export function hdlmGenerator(layout: ClusterLayout, gamma: number, xi: number, t: number): DenseMatrix {
  checkTime(t);
  if (t >= 1) throw new RangeError(`t must be < 1 for the generator (rates blow up at t = 1), got ${t}`);
  return scaleMatrix(hdlmGeneratorShape(layout, gamma, xi), 1 / (1 - t));
}

/**
 * Integrates the Kolmogorov forward equation dp/dt = p Q(t) from t0 to t1 with classical RK4 in
 * `steps` equal steps. `generator(t)` returns Q(t) (rows = sources).
 */
export function integrateForwardRK4(p0: ArrayLike<number>, generator: (t: number) => DenseMatrix, t0: number, t1: number, steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps <= 0) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const h = (t1 - t0) / steps;
  let p = Float64Array.from(p0);
  const axpy = (y: Float64Array, a: number, x: Float64Array): Float64Array => y.map((v, i) => v + a * x[i]);
  for (let s = 0; s < steps; s++) {
    const t = t0 + s * h;
    const qa = generator(t);
    const qm = generator(t + h / 2);
    const qb = generator(t + h);
    const k1 = vecMat(p, qa);
    const k2 = vecMat(axpy(p, h / 2, k1), qm);
    const k3 = vecMat(axpy(p, h / 2, k2), qm);
    const k4 = vecMat(axpy(p, h, k3), qb);
    p = p.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
  }
  return p;
}

/**
 * Transition matrix P(s -> t) of the HDLM chain by a matrix exponential. Because Q(u) = G/(1-u) is a scalar
 * times a fixed matrix, P(s -> t) = exp(G * ln((1-s)/(1-t))) exactly.
 */
export function hdlmTransitionExpm(layout: ClusterLayout, gamma: number, xi: number, s: number, t: number): DenseMatrix {
  checkTime(s, "s");
  checkTime(t, "t");
  if (!(s <= t)) throw new RangeError(`s must be <= t, got s = ${s}, t = ${t}`);
  if (t >= 1) throw new RangeError(`t must be < 1 for the matrix exponential, got ${t}`);
  const tau = Math.log((1 - s) / (1 - t));
  return expm(scaleMatrix(hdlmGeneratorShape(layout, gamma, xi), tau));
}

/** Row i of a dense matrix. */
export function matrixRow(m: DenseMatrix, i: number): Float64Array {
  return m.data.slice(i * m.size, (i + 1) * m.size);
}

/**
 * True reverse rates of a CTMC at one time: R(z -> y) = q(y)/q(z) * Q(y -> z) for y != z with q(z) > 0
 * (time reversal), from the marginal q and generator Q. Diagonal = -row sum. Rows with q(z) = 0 are 0.
 */
export function reverseRates(q: ArrayLike<number>, generator: DenseMatrix): DenseMatrix {
  const n = generator.size;
  const out = zeroMatrix(n);
  for (let z = 0; z < n; z++) {
    if (!(q[z] > 0)) continue;
    let total = 0;
    for (let y = 0; y < n; y++) {
      if (y === z) continue;
      const r = (q[y] / q[z]) * generator.data[y * n + z];
      out.data[z * n + y] = r;
      total += r;
    }
    out.data[z * n + z] = -total;
  }
  return out;
}
