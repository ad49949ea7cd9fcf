// A tiny enumerable hybrid for the bound and estimator tests (V = 3, L = 2, d = 2): quadrature rules, Bayes-posterior
// toy denoisers (whose reverse processes have closed-form transition laws), and the exact -log p of the toy's
// generative model by enumeration over tokens and numerical integration over z (hybrid.md "What to test: Bound").
import { tf } from "../../src/engine/tf";
import { ChainedSchedule } from "../../src/hybrid/time";
import { EmbeddingTable, embeddingTable } from "../../src/hybrid/embeddings";
import { HybridDenoiser } from "../../src/hybrid/sampler";

export const V = 3;
export const M = V; // the mask id
export const S = V + 1;
export const L = 2;
export const D = 2;
/** Three tokens on a circle of radius 1.2, the mask row at the origin. */
export const EMB: EmbeddingTable = embeddingTable([1.2, 0, -0.6, 1.04, -0.6, -1.04, 0, 0], D);

/** Gauss-Legendre nodes and weights on [lo, hi] (Numerical Recipes `gauleg`). */
export function gaussLegendre(n: number, lo: number, hi: number): { x: number[]; w: number[] } {
  const x = new Array<number>(n);
  const w = new Array<number>(n);
  for (let i = 1; i <= (n + 1) >> 1; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) < 1e-15) break;
    }
    const half = (hi - lo) / 2;
    const mid = (hi + lo) / 2;
    x[i - 1] = mid - half * z;
    x[n - i] = mid + half * z;
    w[i - 1] = w[n - i] = (2 * half) / ((1 - z * z) * pp * pp);
  }
  return { x, w };
}

/** Gauss-Hermite nodes and weights for ∫ e^{-x²} f(x) dx (Numerical Recipes `gauher`). */
export function gaussHermite(n: number): { x: number[]; w: number[] } {
  const x = new Array<number>(n);
  const w = new Array<number>(n);
  const PIM4 = 0.7511255444649425;
  let z = 0;
  for (let i = 0; i < (n + 1) >> 1; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0];
    else if (i === 3) z = 1.91 * z - 0.91 * x[1];
    else z = 2 * z - x[i - 2];
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / (j + 1)) * p2 - Math.sqrt(j / (j + 1)) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-14) break;
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = w[n - 1 - i] = 2 / (pp * pp);
  }
  return { x, w };
}

/** Nodes and weights of E over N(mean, sd² I₂): a product Gauss-Hermite rule with n² points. */
export function gaussian2d(n: number): { x: [number, number][]; w: number[] } {
  const g = gaussHermite(n);
  const x: [number, number][] = [];
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      x.push([Math.SQRT2 * g.x[i], Math.SQRT2 * g.x[j]]);
      w.push((g.w[i] * g.w[j]) / Math.PI);
    }
  }
  return { x, w };
}

/** erf by its everywhere-convergent positive series (|error| ~ 1e-16). */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x > 6.5) return 1;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/** All sequences of length `len` over `n` symbols (row-major, first position slowest). */
export function allSequences(n: number, len: number): number[][] {
  const out: number[][] = [[]];
  for (let l = 0; l < len; l++) {
    const next: number[][] = [];
    for (const s of out) for (let v = 0; v < n; v++) next.push([...s, v]);
    out.splice(0, out.length, ...next);
  }
  return out;
}

export function seqIndex(seq: ArrayLike<number>, n: number): number {
  let k = 0;
  for (let i = 0; i < seq.length; i++) k = k * n + seq[i];
  return k;
}

function normalise(p: number[]): number[] {
  const s = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / s);
}

/**
 * Per-position posterior marginals of x given a masked state `xu` (MASK = M) under a joint prior over n^L, where a
 * masked position holding value v has likelihood maskWeight(v) (1 for D1; μ₂ for real tokens and 1 for m in D2).
 * Unmasked positions come back as a point mass. Returns L rows of length n.
 */
export function bayesMarginals(prior: ArrayLike<number>, n: number, xu: ArrayLike<number>, maskWeight: (v: number) => number): number[][] {
  const rows = Array.from({ length: L }, () => new Array<number>(n).fill(0));
  let total = 0;
  for (const seq of allSequences(n, L)) {
    let w = prior[seqIndex(seq, n)];
    for (let i = 0; i < L && w > 0; i++) {
      if (xu[i] === M) w *= maskWeight(seq[i]);
      else if (xu[i] !== seq[i]) w = 0;
    }
    if (w === 0) continue;
    total += w;
    for (let i = 0; i < L; i++) rows[i][seq[i]] += w;
  }
  return rows.map((r) => r.map((v) => v / total));
}

/** Probabilities over V ∪ {m} → logits (floor 1e-300; an absent column gets -1e4). */
export function toLogits(p: ArrayLike<number>, width: number): number[] {
  return Array.from({ length: width }, (_, k) => (k < p.length && p[k] > 0 ? Math.log(Math.max(p[k], 1e-300)) : -1e4));
}

/** Posterior over V ∪ {m} of a token given z at level ᾱ under a per-position prior, with an optional temperature τ². */
export function gaussianPosterior(z: ArrayLike<number>, alphaBar: number, prior: ArrayLike<number>, variance = 1 - alphaBar): number[] {
  const s = Math.sqrt(alphaBar);
  const logit = Array.from({ length: S }, (_, k) => {
    let q = 0;
    for (let j = 0; j < D; j++) q += (z[j] - s * EMB.data[k * D + j]) ** 2;
    return Math.log(prior[k]) - q / (2 * variance);
  });
  const m = Math.max(...logit);
  return normalise(logit.map((v) => Math.exp(v - m)));
}

/**
 * The toy model: Bayes posteriors under its own priors (which need not match the data).
 * - D1: prior π₀ over V^L (no m), time-independent posterior;
 * - D2: prior π_b over (V ∪ {m})^L, posterior weighting a masked real token by μ₂(u) and a masked m by 1;
 * - C: per-position prior π_C over V ∪ {m}, ê the posterior mean at ᾱ(u) (so the reverse SDE's law is the forward
 *   bridge of the π_C mixture);
 * - decoder at u = a: posterior under π_dec at ᾱ(a) with variance τ² (smoother than the exact one).
 */
/** What the quadrature of the bound needs from a toy: its schedule and its logits. */
export interface ToyLike {
  readonly schedule: ChainedSchedule;
  discreteLogits(tokens: ArrayLike<number>, u: ArrayLike<number>, segment: "D1" | "D2"): Float32Array;
  continuousLogits(z: ArrayLike<number>, u: ArrayLike<number>): Float32Array;
}

export class ToyModel implements ToyLike {
  constructor(
    readonly schedule: ChainedSchedule,
    readonly pi0: number[],
    readonly piB: number[],
    readonly piC: number[],
    readonly piDec: number[],
    readonly decVariance: number,
  ) {}

  d1(xu: ArrayLike<number>): number[][] {
    return bayesMarginals(this.pi0, V, xu, () => 1);
  }

  d2(xu: ArrayLike<number>, u: number): number[][] {
    const mu = this.schedule.maskD2(u);
    return bayesMarginals(this.piB, S, xu, (v) => (v === M ? 1 : mu));
  }

  /** C posterior at u in (a, b], or the decoder at u = a. */
  cont(z: ArrayLike<number>, u: number): number[] {
    if (u <= this.schedule.a) return gaussianPosterior(z, this.schedule.alphaBarAtA, this.piDec, this.decVariance);
    return gaussianPosterior(z, this.schedule.alphaBar(u), this.piC);
  }

  /** Logits `[rows·L·(V+1)]` for token states (rows of L) and one u per row. */
  discreteLogits(tokens: ArrayLike<number>, u: ArrayLike<number>, segment: "D1" | "D2"): Float32Array {
    const rows = u.length;
    const out = new Float32Array(rows * L * S);
    for (let r = 0; r < rows; r++) {
      const xu = Array.from({ length: L }, (_, i) => tokens[r * L + i]);
      const p = segment === "D1" ? this.d1(xu) : this.d2(xu, u[r]);
      for (let i = 0; i < L; i++) out.set(toLogits(p[i], S), (r * L + i) * S);
    }
    return out;
  }

  /** Logits `[N·(V+1)]` for N vectors (d each) at one u per vector. */
  continuousLogits(z: ArrayLike<number>, u: ArrayLike<number>): Float32Array {
    const N = u.length;
    const out = new Float32Array(N * S);
    for (let n = 0; n < N; n++) out.set(toLogits(this.cont([z[n * D], z[n * D + 1]], u[n]), S), n * S);
    return out;
  }

  /** The same model behind the sampler's interface. */
  denoiser(): HybridDenoiser {
    return {
      discrete: (tokens, u, segment) => {
        const [B] = tokens.shape;
        if (tokens.shape[1] !== L) throw new RangeError("toy length is 2");
        return tf.tensor3d(this.discreteLogits(tokens.dataSync(), u.dataSync(), segment), [B, L, S]);
      },
      continuous: (z, u) => {
        const [B, len] = z.shape;
        const uu = u.dataSync();
        const perVec = Float64Array.from({ length: B * len }, (_, k) => uu[Math.floor(k / len)]);
        return tf.tensor3d(this.continuousLogits(z.dataSync(), perVec), [B, len, S]);
      },
    };
  }
}

/** Voronoi cell of centre j among `centres`, as an interval [lo, hi] of r along the ray c + r·(cos θ, sin θ). */
function rayInterval(centres: number[][], j: number, c: number[], ux: number, uy: number): [number, number] {
  let lo = 0;
  let hi = Infinity;
  const cj = centres[j];
  for (let m = 0; m < centres.length; m++) {
    if (m === j) continue;
    const nx = centres[m][0] - cj[0];
    const ny = centres[m][1] - cj[1];
    const rhs = (centres[m][0] ** 2 + centres[m][1] ** 2 - cj[0] ** 2 - cj[1] ** 2) / 2 - (c[0] * nx + c[1] * ny);
    const un = ux * nx + uy * ny;
    if (un > 0) hi = Math.min(hi, rhs / un);
    else if (un < 0) lo = Math.max(lo, rhs / un);
    else if (rhs < 0) return [0, 0];
  }
  return lo < hi ? [lo, hi] : [0, 0];
}

/**
 * Rounding at b by polar integration around each Gaussian centre: R[k][j] = P(round(z_b) = j | x_a = k) and the
 * expected b term T[k][j] = E[[round = j]·(log N(z_b; √ᾱ_b e_k) - log N(z_b; √ᾱ_b e_j))], z_b ~ N(√ᾱ_b e_k, 1-ᾱ_b).
 * The radial integrals are closed forms (exp and erf); the angle uses `nTheta` midpoints.
 */
export function roundingTables(alphaBarAtB: number, nTheta = 20000): { R: number[][]; T: number[][] } {
  const sb = Math.sqrt(alphaBarAtB);
  const s2 = 1 - alphaBarAtB;
  const sd = Math.sqrt(s2);
  const centres = Array.from({ length: S }, (_, k) => [sb * EMB.data[k * D], sb * EMB.data[k * D + 1]]);
  const R = Array.from({ length: S }, () => new Array<number>(S).fill(0));
  const T = Array.from({ length: S }, () => new Array<number>(S).fill(0));
  const F = (r: number) => (r === Infinity ? 0 : Math.exp(-(r * r) / (2 * s2)));
  // G(r) = ∫_0^r ρ² e^{-ρ²/2σ²} dρ.
  const G = (r: number) => (r === Infinity ? s2 * sd * Math.sqrt(Math.PI / 2) : s2 * (sd * Math.sqrt(Math.PI / 2) * erf(r / (sd * Math.SQRT2)) - r * F(r)));
  const h = (2 * Math.PI) / nTheta;
  for (let k = 0; k < S; k++) {
    const c = centres[k];
    for (let t = 0; t < nTheta; t++) {
      const th = (t + 0.5) * h;
      const ux = Math.cos(th);
      const uy = Math.sin(th);
      for (let j = 0; j < S; j++) {
        const [lo, hi] = rayInterval(centres, j, c, ux, uy);
        if (!(hi > lo)) continue;
        const mass = (F(lo) - F(hi)) / (2 * Math.PI);
        R[k][j] += mass * h;
        if (j === k) continue;
        // ‖z - c_j‖² - ‖z - c_k‖² = |c_k - c_j|² + 2 r u·(c_k - c_j), over 2σ².
        const dx = c[0] - centres[j][0];
        const dy = c[1] - centres[j][1];
        const A = (dx * dx + dy * dy) / (2 * s2);
        const C = (ux * dx + uy * dy) / s2;
        T[k][j] += (A * mass + (C * (G(hi) - G(lo))) / (2 * Math.PI * s2)) * h;
      }
    }
  }
  return { R, T };
}

/** The data's law of x_a given x_0, per position: x_0,i with 1 - p_a, m with p_a. */
export function xaLaw(x0: number, pa: number): number[] {
  const p = new Array<number>(S).fill(0);
  p[x0] += 1 - pa;
  p[M] += pa;
  return p;
}

/**
 * Per-position kernel of the toy's continuous-time generative model (hybrid.md §3): x_b ~ π_b (D2's reverse chain with
 * Bayes rates reproduces its prior), z_b ~ N(√ᾱ_b e(x_b), 1-ᾱ_b), z_a ~ the π_C forward bridge q(z_a | z_b), x_a from the
 * decoder, x_0 ~ π₀(x_0 | consistent with x_a). The kernel K[j][k] = P(x_a = k | x_b = j) per position is a nested
 * Gauss-Hermite integral over z_b and z_a.
 */
export function exactKernel(model: ToyModel, nB = 40, nA = 24): number[][] {
  const s = model.schedule;
  const abA = s.alphaBarAtA;
  const abB = s.config.alphaBarAtB;
  const sdB = Math.sqrt(1 - abB);
  const ratio = abB / abA;
  const bridgeVar = ((1 - abA) * (1 - ratio)) / (1 - abB);
  const bridgeSd = Math.sqrt(bridgeVar);
  const gb = gaussian2d(nB);
  const ga = gaussian2d(nA);
  const K = Array.from({ length: S }, () => new Array<number>(S).fill(0));
  // Decoder posterior inlined (no allocation in the inner loop).
  const sa = Math.sqrt(abA);
  const logPrior = model.piDec.map((v) => Math.log(v));
  const dec = new Float64Array(S);
  const logit = new Float64Array(S);
  for (let j = 0; j < S; j++) {
    for (let q = 0; q < gb.w.length; q++) {
      const zb = [Math.sqrt(abB) * EMB.data[j * D] + sdB * gb.x[q][0], Math.sqrt(abB) * EMB.data[j * D + 1] + sdB * gb.x[q][1]];
      const wc = gaussianPosterior(zb, abB, model.piC);
      for (let c = 0; c < S; c++) {
        if (wc[c] < 1e-300) continue;
        const m0 = (sa * (1 - ratio) * EMB.data[c * D] + Math.sqrt(ratio) * (1 - abA) * zb[0]) / (1 - abB);
        const m1 = (sa * (1 - ratio) * EMB.data[c * D + 1] + Math.sqrt(ratio) * (1 - abA) * zb[1]) / (1 - abB);
        for (let r = 0; r < ga.w.length; r++) {
          const z0 = m0 + bridgeSd * ga.x[r][0];
          const z1 = m1 + bridgeSd * ga.x[r][1];
          let mx = -Infinity;
          for (let k = 0; k < S; k++) {
            const e0 = z0 - sa * EMB.data[k * D];
            const e1 = z1 - sa * EMB.data[k * D + 1];
            logit[k] = logPrior[k] - (e0 * e0 + e1 * e1) / (2 * model.decVariance);
            if (logit[k] > mx) mx = logit[k];
          }
          let tot = 0;
          for (let k = 0; k < S; k++) {
            dec[k] = Math.exp(logit[k] - mx);
            tot += dec[k];
          }
          const w = (gb.w[q] * wc[c] * ga.w[r]) / tot;
          for (let k = 0; k < S; k++) K[j][k] += w * dec[k];
        }
      }
    }
  }
  return K;
}

/** -log p(x_0) from the kernel of {@link exactKernel}: p(x_0) = Σ_{x_b, x_a} π_b(x_b) Π_i K[x_b,i][x_a,i] · π₀(x_0 | x_a). */
export function exactNll(model: ToyModel, x0: number[], K: number[][]): number {
  let p = 0;
  for (const xb of allSequences(S, L)) {
    const pb = model.piB[seqIndex(xb, S)];
    for (const xa of allSequences(S, L)) {
      let w = pb;
      for (let i = 0; i < L; i++) w *= K[xb[i]][xa[i]];
      if (w === 0) continue;
      let consistent = 0;
      for (const y of allSequences(V, L)) if (y.every((v, i) => xa[i] === M || xa[i] === v)) consistent += model.pi0[seqIndex(y, V)];
      if (!x0.every((v, i) => xa[i] === M || xa[i] === v)) continue;
      p += (w * model.pi0[seqIndex(x0, V)]) / consistent;
    }
  }
  return -Math.log(p);
}
