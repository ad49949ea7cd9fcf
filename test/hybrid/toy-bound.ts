// The §4 bound of the toy hybrid computed part by part with the library's integrands and boundary terms, the
// expectations taken exactly: enumeration over token states, Gauss-Legendre in u, Gauss-Hermite over z, polar
// integration for the rounding cells at b. Values are per sequence (nats), for one clean x_0.
import { tf } from "../../src/engine/tf";
import { binaryEntropy, decoderTerm, ChainBoundParts } from "../../src/hybrid/bound";
import { continuousIntegrand, d1Integrand, d2Integrand } from "../../src/hybrid/integrands";
import { D2Form } from "../../src/hybrid/config";
import { D, EMB, L, M, S, ToyLike, V, allSequences, gaussLegendre, gaussian2d, roundingTables, xaLaw } from "./toy";

/** All 2^L mask patterns with their probabilities at mask level mu. */
function patterns(mu: number): { masked: boolean[]; p: number }[] {
  const out: { masked: boolean[]; p: number }[] = [];
  for (let bits = 0; bits < 1 << L; bits++) {
    const masked = Array.from({ length: L }, (_, i) => ((bits >> i) & 1) === 1);
    out.push({ masked, p: masked.reduce((a, m) => a * (m ? mu : 1 - mu), 1) });
  }
  return out;
}

/** E over D1's state of ℓ₁ at each node, integrated over (0, a). */
export function d1Part(model: ToyLike, x0: number[], n = 16): number {
  const s = model.schedule;
  const g = gaussLegendre(n, 0, s.a);
  const rows: { xu: number[]; u: number; w: number }[] = [];
  g.x.forEach((u, q) => {
    for (const pat of patterns(s.maskD1(u))) rows.push({ xu: x0.map((v, i) => (pat.masked[i] ? M : v)), u, w: g.w[q] * pat.p });
  });
  const R = rows.length;
  const tokens = rows.flatMap((r) => r.xu);
  const u = rows.map((r) => r.u);
  const vals = tf.tidy(() =>
    d1Integrand(s, V, { logits: tf.tensor3d(model.discreteLogits(tokens, u, "D1"), [R, L, S]), target: tf.tensor2d(rows.flatMap(() => x0), [R, L], "int32"), xu: tf.tensor2d(tokens, [R, L], "int32"), u }).arraySync(),
  );
  return rows.reduce((acc, r, i) => acc + r.w * vals[i], 0);
}

/** Per-position law of x_b given x_0: Σ_k P(x_a = k) R[k][j]. */
function xbLaw(x0i: number, pa: number, R: number[][]): number[] {
  const law = xaLaw(x0i, pa);
  return Array.from({ length: S }, (_, j) => law.reduce((a, pk, k) => a + pk * R[k][j], 0));
}

/** E over x_b and D2's mask of ℓ₂ at each node, integrated over (b, 1). */
export function d2Part(model: ToyLike, x0: number[], R: number[][], form: D2Form, n = 24): number {
  const s = model.schedule;
  const laws = x0.map((v) => xbLaw(v, s.config.maskAtA, R));
  // u = b + (1 - b)·y³: ℓ₂'s expectation has a log singularity at u = b (a masked real token's probability
  // vanishes with μ₂), which the cubic map smooths for Gauss-Legendre.
  const g = gaussLegendre(n, 0, 1);
  const rows: { xb: number[]; xu: number[]; u: number; w: number }[] = [];
  for (const xb of allSequences(S, L)) {
    const pxb = xb.reduce((a, v, i) => a * laws[i][v], 1);
    if (pxb === 0) continue;
    g.x.forEach((y, q) => {
      const u = s.b + (1 - s.b) * y ** 3;
      const dudy = 3 * (1 - s.b) * y * y;
      for (const pat of patterns(s.maskD2(u))) rows.push({ xb, xu: xb.map((v, i) => (pat.masked[i] ? M : v)), u, w: g.w[q] * dudy * pat.p * pxb });
    });
  }
  const Rn = rows.length;
  const tokens = rows.flatMap((r) => r.xu);
  const u = rows.map((r) => r.u);
  const vals = tf.tidy(() =>
    d2Integrand(s, V, { logits: tf.tensor3d(model.discreteLogits(tokens, u, "D2"), [Rn, L, S]), target: tf.tensor2d(rows.flatMap((r) => r.xb), [Rn, L], "int32"), xu: tf.tensor2d(tokens, [Rn, L], "int32"), u }, form).arraySync(),
  );
  return rows.reduce((acc, r, i) => acc + r.w * vals[i], 0);
}

/** E_z[-log p_dec(k | z)], z ~ N(√ᾱ(a) e_k, 1 - ᾱ(a)), for one x_a value k. */
export function decoderPartFor(model: ToyLike, k: number, n = 24): number {
  const s = model.schedule;
  const ab = s.alphaBarAtA;
  const g = gaussian2d(n);
  const N = g.w.length;
  const z = new Float64Array(N * D);
  g.x.forEach((x, q) => {
    for (let j = 0; j < D; j++) z[q * D + j] = Math.sqrt(ab) * EMB.data[k * D + j] + Math.sqrt(1 - ab) * x[j];
  });
  const vals = tf.tidy(() => decoderTerm(tf.tensor3d(model.continuousLogits(z, new Float64Array(N).fill(s.a)), [N, 1, S]), tf.tensor2d(new Int32Array(N).fill(k), [N, 1], "int32")).arraySync());
  return vals.reduce((acc, v, q) => acc + g.w[q] * v, 0);
}

/**
 * ∫_a^b E_z[ℓ_C] du for one x_a value k (one position). The sqrt schedule's ᾱ = 1 - σ with σ = √(τ + 1e-4) is smooth
 * in t = log σ, so the u integral runs over t with du/dt = (b - a)/τ_b · 2σ².
 */
export function continuousPartFor(model: ToyLike, embT: tf.Tensor2D, k: number, nT = 96, nZ = 32): number {
  const s = model.schedule;
  if (s.vp.kind !== "sqrt") throw new RangeError("continuousPartFor assumes the sqrt schedule");
  const { a, b, alphaBarAtB } = s.config;
  const g = gaussLegendre(nT, Math.log(0.01), Math.log(1 - alphaBarAtB));
  const gz = gaussian2d(nZ);
  let total = 0;
  for (let q = 0; q < nT; q++) {
    const sig = Math.exp(g.x[q]);
    const u = a + ((b - a) * (sig * sig - 1e-4)) / s.depth;
    const dudt = ((b - a) / s.depth) * 2 * sig * sig;
    const ab = s.alphaBar(u);
    const N = gz.w.length;
    const z = new Float64Array(N * D);
    gz.x.forEach((x, r) => {
      for (let j = 0; j < D; j++) z[r * D + j] = Math.sqrt(ab) * EMB.data[k * D + j] + Math.sqrt(1 - ab) * x[j];
    });
    const us = new Float64Array(N).fill(u);
    const vals = tf.tidy(() => continuousIntegrand(s, { logits: tf.tensor3d(model.continuousLogits(z, us), [N, 1, S]), xa: tf.tensor2d(new Int32Array(N).fill(k), [N, 1], "int32"), emb: embT, u: us }).arraySync());
    total += g.w[q] * dudt * vals.reduce((acc, v, r) => acc + gz.w[r] * v, 0);
  }
  return total;
}

const cache = new WeakMap<ToyLike, Map<number, { dec: number; cont: number }>>();
const roundingCache = new Map<number, { R: number[][]; T: number[][] }>();
function tables(alphaBarAtB: number): { R: number[][]; T: number[][] } {
  let t = roundingCache.get(alphaBarAtB);
  if (t === undefined) {
    t = roundingTables(alphaBarAtB);
    roundingCache.set(alphaBarAtB, t);
  }
  return t;
}

/** Every part of the §4 bound for one x_0 (nats per sequence), by quadrature and enumeration. */
export function quadratureParts(model: ToyLike, x0: number[], form: D2Form = "ctmc"): ChainBoundParts {
  const s = model.schedule;
  const pa = s.config.maskAtA;
  const { R, T } = tables(s.config.alphaBarAtB);
  const embT = tf.tensor2d(Float32Array.from(EMB.data), [S, D]);
  let perK = cache.get(model);
  if (perK === undefined) {
    perK = new Map<number, { dec: number; cont: number }>();
    cache.set(model, perK);
  }
  const known = perK;
  const at = (k: number) => {
    let v = known.get(k);
    if (v === undefined) {
      v = { dec: decoderPartFor(model, k), cont: s.b > s.a ? continuousPartFor(model, embT, k) : 0 };
      known.set(k, v);
    }
    return v;
  };
  let decoderA = 0;
  let continuous = 0;
  let boundaryB = 0;
  for (const v of x0) {
    const law = xaLaw(v, pa);
    for (let k = 0; k < S; k++) {
      if (law[k] === 0) continue;
      decoderA += law[k] * at(k).dec;
      continuous += law[k] * at(k).cont;
      for (let j = 0; j < S; j++) boundaryB += law[k] * T[k][j];
    }
  }
  embT.dispose();
  return { d1: s.a > 0 ? d1Part(model, x0) : 0, maskEntropy: -L * binaryEntropy(pa), decoderA, continuous, boundaryB, d2: d2Part(model, x0, R, form) };
}
