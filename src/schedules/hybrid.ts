// The hybrid discrete/continuous time split (hybrid.md): global u in [0, 1] -> segment D1 | C | D2 with its local
// time and Jacobian, per-segment step counts, the two boundary hand-offs, and the segment-sum likelihood bound.
import { tf } from "../engine/tf";
import { SeededRng, toSeededRng } from "../util/rng";

/** Segments: D1 = [0, a) discrete, C = [a, b) continuous, D2 = [b, 1] discrete. */
export type HybridSegment = "D1" | "C" | "D2";

/** A validated split 0 <= a <= b <= 1 (hybrid.md §1; the paper's is a = 0.35, b = 0.75). */
export interface HybridSplit {
  readonly a: number;
  readonly b: number;
}

/** Builds a split, throwing an error naming `a` or `b` unless 0 <= a <= b <= 1. */
export function makeHybridSplit(a = 0.35, b = 0.75): HybridSplit {
  if (typeof a !== "number" || !Number.isFinite(a) || a < 0 || a > 1) throw new RangeError(`split a must be in [0, 1], got ${a}`);
  if (typeof b !== "number" || !Number.isFinite(b) || b < a || b > 1) throw new RangeError(`split b must be in [a, 1] = [${a}, 1], got ${b}`);
  return Object.freeze({ a, b });
}

/** Where a global time lands. */
export interface HybridTime {
  segment: HybridSegment;
  /** Local time tau in [0, 1] of the segment's own schedule. */
  tau: number;
  /** dtau/du = 1/(segment length): multiply a per-tau loss density by it to get a density in u. */
  jacobian: number;
}

/**
 * Routes u to exactly one segment (hybrid.md §1): D1 `tau = u/a` on [0, a), C `tau = (u-a)/(b-a)` on [a, b),
 * D2 `tau = (u-b)/(1-b)` on [b, 1]. With b = 1 the point u = 1 closes C (tau = 1); empty segments get no u.
 */
export function hybridTime(split: HybridSplit, u: number): HybridTime {
  if (typeof u !== "number" || !Number.isFinite(u) || u < 0 || u > 1) throw new RangeError(`u must be a number in [0, 1], got ${u}`);
  const { a, b } = split;
  if (u < a) return { segment: "D1", tau: u / a, jacobian: 1 / a };
  if (u < b || (u === 1 && b === 1 && a < 1)) return { segment: "C", tau: (u - a) / (b - a), jacobian: 1 / (b - a) };
  if (b < 1) return { segment: "D2", tau: (u - b) / (1 - b), jacobian: 1 / (1 - b) };
  // a = b = 1: everything is D1, u = 1 is its end.
  return { segment: "D1", tau: 1, jacobian: 1 };
}

/** Segment lengths in u. */
export function hybridLengths(split: HybridSplit): Record<HybridSegment, number> {
  return { D1: split.a, C: split.b - split.a, D2: 1 - split.b };
}

/**
 * Steps per segment, proportional to segment length (largest remainder), summing to `total` (default 128).
 * Empty segments get 0 steps; a non-empty one gets at least 1 when total allows.
 */
export function hybridStepCounts(split: HybridSplit, total = 128): Record<HybridSegment, number> {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`total steps must be an integer >= 1, got ${total}`);
  const len = hybridLengths(split);
  const keys: HybridSegment[] = ["D2", "C", "D1"];
  const raw = keys.map((k) => len[k] * total);
  const out = raw.map((r) => Math.floor(r));
  let left = total - out.reduce((x, y) => x + y, 0);
  const order = keys.map((_, i) => i).sort((i, j) => raw[j] - out[j] - (raw[i] - out[i]));
  for (const i of order) {
    if (left === 0) break;
    if (len[keys[i]] > 0) {
      out[i]++;
      left--;
    }
  }
  for (let i = 0; i < keys.length; i++) {
    if (len[keys[i]] > 0 && out[i] === 0) {
      const donor = out.indexOf(Math.max(...out));
      if (out[donor] > 1) {
        out[donor]--;
        out[i]++;
      }
    }
  }
  return { D2: out[0], C: out[1], D1: out[2] };
}

/**
 * Boundary b (discrete -> continuous, hybrid.md §3.2): `z = sqrt(abarTop) e + sqrt(1 - abarTop) eps` for embedded
 * tokens `e` `[B, L, d]` (a still-masked position passes its mask vector), with abarTop the continuous process's
 * alpha-bar at the top of C (the discretised `alphasCumprod[T-1]`).
 */
export function encodeAtB(embedded: tf.Tensor3D, abarTop: number, rng: SeededRng | number): tf.Tensor3D {
  if (!(abarTop > 0 && abarTop <= 1)) throw new RangeError(`abarTop must be in (0, 1], got ${abarTop}`);
  const g = toSeededRng(rng);
  const noise = new Float32Array(embedded.size);
  for (let i = 0; i < noise.length; i++) noise[i] = g.normal();
  return tf.tidy(() => tf.add(tf.mul(Math.sqrt(abarTop), embedded), tf.mul(Math.sqrt(1 - abarTop), tf.tensor(noise, embedded.shape))) as tf.Tensor3D);
}

/**
 * Boundary a (continuous -> discrete, hybrid.md §3.4), after rounding: `remask: 'marginal'` masks each position
 * independently with probability `1 - e^{-sigma1}` (the D1 marginal at tau = 1); `'none'` keeps the tokens.
 */
export function remaskAtA(tokens: tf.Tensor2D, sigma1: number, maskId: number, rng: SeededRng | number, remask: "marginal" | "none" = "marginal"): tf.Tensor2D {
  if (remask === "none") return tf.clone(tokens);
  if (remask !== "marginal") throw new RangeError(`remask must be 'marginal' or 'none', got ${String(remask)}`);
  if (!(sigma1 >= 0) || !Number.isFinite(sigma1)) throw new RangeError(`sigma1 must be a finite number >= 0, got ${sigma1}`);
  const g = toSeededRng(rng);
  const p = -Math.expm1(-sigma1);
  const x = tokens.dataSync();
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = g.uniform() < p ? maskId : x[i];
  return tf.tensor2d(out, tokens.shape, "int32");
}

/** Logged parts of the hybrid bound (hybrid.md §4), each in nats per token. */
export interface HybridBoundParts {
  /** SEDD DWDSE bound over D1. */
  d1: number;
  /** Gaussian variational bound over C. */
  continuous: number;
  /** SEDD DWDSE bound over D2. */
  d2: number;
  /** Boundary a: rounding / decoder NLL. */
  boundaryA: number;
  /** Boundary b: KL of the embed-and-noise encoding to the continuous prior at that level. */
  boundaryB: number;
}

/** The reported hybrid bound: the sum of its logged parts (nats per token) and exp of it. */
export function hybridBound(parts: HybridBoundParts): { natsPerToken: number; ppl: number; parts: HybridBoundParts } {
  let total = 0;
  for (const k of ["d1", "continuous", "d2", "boundaryA", "boundaryB"] as const) {
    if (!Number.isFinite(parts[k])) throw new RangeError(`parts.${k} must be a finite number, got ${parts[k]}`);
    total += parts[k];
  }
  return { natsPerToken: total, ppl: Math.exp(total), parts: { ...parts } };
}
