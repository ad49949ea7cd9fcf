// The chained forward process (hybrid.md §1): x_0 → mask with μ₁ → x_a → Gaussian path z_a … z_u … z_b at ᾱ(u)
// → x_b = round(z_b) → mask with μ₂ → x_1 = all m. One coupled draw per sequence at its own u, with the noises
// returned so a trainer can rebuild z_u, z_a, z_b differentiably from its embedding tensor.
import { SeededRng, toSeededRng } from "../util/rng";
import { HybridSegment } from "../schedules/hybrid";
import { EmbeddingTable, embeddingMaskId } from "./embeddings";
import { roundToEmbeddings } from "./rounding";
import { ChainedSchedule } from "./time";

/** One coupled draw of the chain per row (B rows of length L, row-major; d = embedding dim). */
export interface ChainDraw {
  readonly batch: number;
  readonly length: number;
  readonly dim: number;
  /** u per row. */
  readonly u: Float64Array;
  /** Segment of each row's u. */
  readonly segment: HybridSegment[];
  /** x_a `[B·L]`: x_0 with D1's mask (probability p_a), the target of C and the decoder term. */
  readonly xa: Int32Array;
  /** x_b = round(z_b) `[B·L]`: the target of D2 (may hold m). */
  readonly xb: Int32Array;
  /**
   * Token state at u `[B·L]`: D1 rows x_u (x_0 masked with μ₁(u), nested inside x_a's mask), D2 rows x_u (x_b masked
   * with μ₂(u)), C rows a copy of x_a.
   */
  readonly xu: Int32Array;
  /** z_u `[B·L·d]` for C rows (zeros elsewhere). */
  readonly zu: Float64Array;
  /** z_a and z_b `[B·L·d]` for every row. */
  readonly za: Float64Array;
  readonly zb: Float64Array;
  /** ε with z = √ᾱ·Emb(x_a) + √(1 - ᾱ)·ε at u (C rows; zeros elsewhere), at a, and at b. */
  readonly noiseU: Float64Array;
  readonly noiseA: Float64Array;
  readonly noiseB: Float64Array;
  /** ᾱ(u) per row (NaN outside C), ᾱ(a) and ᾱ_b. */
  readonly alphaBarU: Float64Array;
  readonly alphaBarA: number;
  readonly alphaBarB: number;
}

/** Inputs of {@link sampleChain}. */
export interface ChainDrawRequest {
  /** Clean tokens `[B·L]` in [0, V) (padding positions may hold anything; they are copied and never noised). */
  x0: ArrayLike<number>;
  batch: number;
  length: number;
  /** u per row in [0, 1] (hybrid.md §2: uniform, low-discrepancy over the batch; see {@link stratifiedTimes}). */
  u: ArrayLike<number>;
  /** 1 real, 0 padding `[B·L]` (default all real). */
  padMask?: ArrayLike<number>;
  seed?: number | SeededRng;
}

/**
 * Draws the chain of hybrid.md §1 at each row's u. Per position one uniform r decides both D1 masks
 * (x_u masked iff r < μ₁(u), x_a masked iff r < p_a) and one uniform r′ decides D2's (masked iff r′ < μ₂(u)); the
 * Gaussian path is z_a → z_u → z_b with independent increments (z_b = z_a when a = b).
 */
export function sampleChain(schedule: ChainedSchedule, emb: EmbeddingTable, request: ChainDrawRequest): ChainDraw {
  const { batch: B, length: L } = request;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`batch must be an integer >= 1, got ${B}`);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`length must be an integer >= 1, got ${L}`);
  const N = B * L;
  const d = emb.dim;
  const V = embeddingMaskId(emb);
  if (request.x0.length !== N) throw new RangeError(`x0 must hold batch * length = ${N} ids, got ${request.x0.length}`);
  if (request.u.length !== B) throw new RangeError(`u must hold one time per row (${B}), got ${request.u.length}`);
  const pad = request.padMask;
  if (pad !== undefined && pad.length !== N) throw new RangeError(`padMask must hold ${N} values, got ${pad.length}`);
  const rng = toSeededRng(request.seed ?? 0);
  const { maskAtA, alphaBarAtB: abB } = schedule.config;
  const abA = schedule.alphaBarAtA;
  const u = Float64Array.from(request.u);
  const segment = Array.from(u, (t) => schedule.segmentOf(t));
  const xa = new Int32Array(N);
  const xu = new Int32Array(N);
  const zu = new Float64Array(N * d);
  const za = new Float64Array(N * d);
  const zb = new Float64Array(N * d);
  const noiseU = new Float64Array(N * d);
  const noiseA = new Float64Array(N * d);
  const noiseB = new Float64Array(N * d);
  const alphaBarU = new Float64Array(B).fill(NaN);
  const real = (i: number) => pad === undefined || pad[i] !== 0;
  const r2 = new Float64Array(N);
  for (let b = 0; b < B; b++) {
    const seg = segment[b];
    const mu1 = seg === "D1" ? schedule.maskD1(u[b]) : 0;
    const abU = seg === "C" ? schedule.alphaBar(u[b]) : NaN;
    alphaBarU[b] = abU;
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      const x = request.x0[i];
      r2[i] = rng.uniform();
      if (!real(i)) {
        xa[i] = x;
        xu[i] = x;
        continue;
      }
      if (!Number.isInteger(x) || x < 0 || x >= V) throw new RangeError(`x0[${i}] = ${x} must be a token id in [0, ${V})`);
      const r = rng.uniform();
      xa[i] = r < maskAtA ? V : x;
      xu[i] = seg === "D1" ? (r < mu1 ? V : x) : xa[i];
      const e = emb.data.subarray(xa[i] * d, xa[i] * d + d);
      for (let j = 0; j < d; j++) {
        const k = i * d + j;
        const ea = rng.normal();
        noiseA[k] = ea;
        za[k] = Math.sqrt(abA) * e[j] + Math.sqrt(1 - abA) * ea;
        let from = za[k];
        let fromAb = abA;
        if (seg === "C") {
          from = Math.sqrt(abU / abA) * za[k] + Math.sqrt(Math.max(0, 1 - abU / abA)) * rng.normal();
          fromAb = abU;
          zu[k] = from;
          noiseU[k] = (from - Math.sqrt(abU) * e[j]) / Math.sqrt(1 - abU);
        }
        zb[k] = Math.sqrt(abB / fromAb) * from + Math.sqrt(Math.max(0, 1 - abB / fromAb)) * rng.normal();
        noiseB[k] = (zb[k] - Math.sqrt(abB) * e[j]) / Math.sqrt(1 - abB);
      }
    }
  }
  const rounded = roundToEmbeddings(emb, zb, abB);
  const xb = new Int32Array(N);
  for (let i = 0; i < N; i++) xb[i] = real(i) ? rounded[i] : xa[i];
  for (let b = 0; b < B; b++) {
    if (segment[b] !== "D2") continue;
    const mu2 = schedule.maskD2(u[b]);
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      xu[i] = real(i) && r2[i] < mu2 ? V : xb[i];
    }
  }
  return { batch: B, length: L, dim: d, u, segment, xa, xb, xu, zu, za, zb, noiseU, noiseA, noiseB, alphaBarU, alphaBarA: abA, alphaBarB: abB };
}

/** Row indices of a draw per segment (what a trainer feeds to the token network, D1/D2, or the vector one, C). */
export function rowsBySegment(draw: ChainDraw): Record<HybridSegment, number[]> {
  const out: Record<HybridSegment, number[]> = { D1: [], C: [], D2: [] };
  draw.segment.forEach((s, b) => out[s].push(b));
  return out;
}

/**
 * The rows `rows` of a row-major array with `width` values per row (width L for token states, L·d for vectors), in
 * the given order, e.g. `selectRows(draw.xu, rows.D1, draw.length)`.
 */
export function selectRows<T extends Int32Array | Float64Array>(values: T, rows: readonly number[], width: number): T {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be an integer >= 1, got ${width}`);
  const out = new (values.constructor as { new (n: number): T })(rows.length * width);
  rows.forEach((r, k) => {
    if (!Number.isInteger(r) || r < 0 || (r + 1) * width > values.length) throw new RangeError(`row ${r} is outside the array (${values.length / width} rows)`);
    out.set(values.subarray(r * width, (r + 1) * width), k * width);
  });
  return out;
}

/**
 * B times in [0, 1), one per stratum [k/B, (k+1)/B) in a random order (hybrid.md §2: "low-discrepancy over the
 * batch"); each is marginally U(0, 1), so every per-row estimate stays unbiased.
 */
export function stratifiedTimes(batch: number, seed: number | SeededRng = 0): Float64Array {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be an integer >= 1, got ${batch}`);
  const rng = toSeededRng(seed);
  const offset = rng.uniform();
  const out = new Float64Array(batch);
  for (let k = 0; k < batch; k++) out[k] = (k + offset) / batch;
  for (let k = batch - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    const t = out[k];
    out[k] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * Exact per-position marginal of the token state at u given a clean token x (hybrid.md §1), as probabilities over
 * V ∪ {m} (length V + 1): D1 `(1 - μ₁) at x, μ₁ at m`; at/after a through C `(1 - p_a) at x, p_a at m` (the state
 * x_a); D2 from a rounding row `R[k][j] = P(x_b = j | x_a = k)` (pass `rounding`, rows over V ∪ {m}):
 * `P(x_b = j)·(1 - μ₂)` plus `μ₂` at m.
 */
export function tokenMarginal(schedule: ChainedSchedule, x: number, u: number, V: number, rounding?: ArrayLike<ArrayLike<number>>): Float64Array {
  if (!Number.isInteger(x) || x < 0 || x >= V) throw new RangeError(`x must be a token id in [0, ${V}), got ${x}`);
  const p = new Float64Array(V + 1);
  const seg = schedule.segmentOf(u);
  if (seg === "D1") {
    const mu = schedule.maskD1(u);
    p[x] = 1 - mu;
    p[V] = mu;
    return p;
  }
  const pa = schedule.config.maskAtA;
  if (seg === "C") {
    p[x] = 1 - pa;
    p[V] = pa;
    return p;
  }
  if (rounding === undefined) throw new RangeError("tokenMarginal in D2 needs the rounding matrix P(x_b | x_a)");
  const mu2 = schedule.maskD2(u);
  for (let j = 0; j <= V; j++) p[j] = ((1 - pa) * rounding[x][j] + pa * rounding[V][j]) * (1 - mu2);
  p[V] += mu2;
  return p;
}
