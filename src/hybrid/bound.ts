// The chained hybrid's likelihood bound (hybrid.md §4), part by part:
//   -log p(x_0) <= ∫₀^a ℓ₁ du - n·H₂(p_a) + E[-log p_θ(x_a | z_a)] + ∫_a^b ℓ_C du
//                  + E[log N(z_b; √ᾱ_b Emb(x_a), 1-ᾱ_b) - log N(z_b; √ᾱ_b Emb(x_b), 1-ᾱ_b)] + ∫_b^1 ℓ₂ du
// (n = non-padding tokens). The two boundary terms as tensors, H₂, the parts record with its total, and an
// accumulator that turns per-sequence draws (u ~ U(0, 1), one segment integrand each) into per-token parts.
import { tf } from "../engine/tf";
import { HybridSegment } from "../schedules/hybrid";

/** H₂(p) = -p log p - (1-p) log(1-p) in nats (0 at p in {0, 1}). */
export function binaryEntropy(p: number): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`p must be a number in [0, 1], got ${p}`);
  const t = (x: number) => (x > 0 ? -x * Math.log(x) : 0);
  return t(p) + t(1 - p);
}

/**
 * Rounding (decoder) term at a per sequence `[B]` (hybrid.md §4): Σ_i -log p_θ(x_a,i | z_a) with p_θ the softmax of
 * the network's logits at (z_a, u = a) over V ∪ {m} (`logits` `[B, L, V + 1]`, `xa` `[B, L]` int32).
 */
export function decoderTerm(logits: tf.Tensor3D, xa: tf.Tensor2D, padMask?: ArrayLike<number>): tf.Tensor1D {
  if (logits.rank !== 3) throw new RangeError(`logits must be [B, L, V + 1], got [${logits.shape}]`);
  const [B, L, S] = logits.shape;
  if (xa.rank !== 2 || xa.shape[0] !== B || xa.shape[1] !== L || xa.dtype !== "int32") throw new RangeError(`xa must be a [${B}, ${L}] int32 tensor, got ${xa.dtype} [${xa.shape}]`);
  const pad = padMask === undefined ? new Float32Array(B * L).fill(1) : Float32Array.from(padMask, (v) => (v !== 0 ? 1 : 0));
  if (pad.length !== B * L) throw new RangeError(`padMask must hold ${B * L} values, got ${pad.length}`);
  const ids = Int32Array.from(xa.dataSync());
  for (let i = 0; i < ids.length; i++) {
    if (pad[i] === 0) ids[i] = 0;
    else if (!(ids[i] >= 0 && ids[i] < S)) throw new RangeError(`xa holds ${ids[i]} at flat index ${i}; expected ids in [0, ${S})`);
  }
  return tf.tidy(() => {
    const lt = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor2d(ids, [B, L], "int32"), S)), -1);
    return tf.neg(tf.sum(tf.mul(lt, tf.tensor2d(pad, [B, L])), -1)) as tf.Tensor1D;
  });
}

/**
 * Boundary-b term per sequence `[B]` (hybrid.md §4): Σ_i [‖z_b - √ᾱ_b Emb(x_b)‖² - ‖z_b - √ᾱ_b Emb(x_a)‖²]/(2(1 - ᾱ_b))
 * = log N(z_b; √ᾱ_b Emb(x_a)) - log N(z_b; √ᾱ_b Emb(x_b)), with z_b = √ᾱ_b Emb(x_a) + √(1 - ᾱ_b)·noiseB rebuilt from
 * `emb` (so Emb gets its gradient). ≤ 0 when x_b = round(z_b) under the same Emb; 0 where x_b = x_a.
 */
export function boundaryBTerm(emb: tf.Tensor2D, xa: tf.Tensor2D, xb: tf.Tensor2D, noiseB: tf.Tensor3D, alphaBarAtB: number, padMask?: ArrayLike<number>): tf.Tensor1D {
  if (!(alphaBarAtB > 0 && alphaBarAtB < 1)) throw new RangeError(`alphaBarAtB must be in (0, 1), got ${alphaBarAtB}`);
  const [B, L] = xa.shape;
  const d = emb.shape[1];
  if (xb.shape[0] !== B || xb.shape[1] !== L) throw new RangeError(`xb must be [${B}, ${L}], got [${xb.shape}]`);
  if (noiseB.shape[0] !== B || noiseB.shape[1] !== L || noiseB.shape[2] !== d) throw new RangeError(`noiseB must be [${B}, ${L}, ${d}], got [${noiseB.shape}]`);
  const pad = padMask === undefined ? new Float32Array(B * L).fill(1) : Float32Array.from(padMask, (v) => (v !== 0 ? 1 : 0));
  if (pad.length !== B * L) throw new RangeError(`padMask must hold ${B * L} values, got ${pad.length}`);
  const clean = (t: tf.Tensor2D) => Int32Array.from(t.dataSync(), (v, i) => (pad[i] === 0 ? 0 : v));
  const ia = clean(xa);
  const ib = clean(xb);
  return tf.tidy(() => {
    const s = Math.sqrt(alphaBarAtB);
    const ea = tf.gather(emb, tf.tensor2d(ia, [B, L], "int32"));
    const eb = tf.gather(emb, tf.tensor2d(ib, [B, L], "int32"));
    // z - √ᾱ e_a = √(1-ᾱ) ε and z - √ᾱ e_b = √ᾱ (e_a - e_b) + √(1-ᾱ) ε.
    const nz = tf.mul(Math.sqrt(1 - alphaBarAtB), noiseB);
    const db = tf.add(tf.mul(s, tf.sub(ea, eb)), nz);
    const diff = tf.sub(tf.sum(tf.square(db), -1), tf.sum(tf.square(nz), -1));
    return tf.div(tf.sum(tf.mul(diff, tf.tensor2d(pad, [B, L])), -1), 2 * (1 - alphaBarAtB)) as tf.Tensor1D;
  });
}

/** The logged parts of the §4 bound, each in nats per (non-padding) token. */
export interface ChainBoundParts {
  /** ∫₀^a ℓ₁ du. */
  d1: number;
  /** -H₂(p_a): the refund of D1's mask-pattern entropy (≤ 0). */
  maskEntropy: number;
  /** E[-log p_θ(x_a | z_a)]: the rounding / decoder term at a. */
  decoderA: number;
  /** ∫_a^b ℓ_C du. */
  continuous: number;
  /** The Gaussian log-density difference at b (usually ≤ 0). */
  boundaryB: number;
  /** ∫_b^1 ℓ₂ du. */
  d2: number;
}

/** Order in which parts are logged and summed. */
export const CHAIN_BOUND_PARTS: readonly (keyof ChainBoundParts)[] = ["d1", "maskEntropy", "decoderA", "continuous", "boundaryB", "d2"];

/** The reported bound: total = the sum of the logged parts (nats per token), and PPL = exp(total). */
export function chainBoundTotal(parts: ChainBoundParts): { natsPerToken: number; ppl: number; parts: ChainBoundParts } {
  let total = 0;
  for (const k of CHAIN_BOUND_PARTS) {
    if (!Number.isFinite(parts[k])) throw new RangeError(`parts.${k} must be a finite number, got ${parts[k]}`);
    total += parts[k];
  }
  return { natsPerToken: total, ppl: Math.exp(total), parts: { ...parts } };
}

/** One sequence's contribution: its segment integrand at its own u ~ U(0, 1) and its boundary terms. */
export interface ChainBoundRow {
  /** Segment of this row's u. */
  segment: HybridSegment;
  /** That segment's integrand (ℓ₁, ℓ_C or ℓ₂ at u), nats per sequence. */
  integrand: number;
  /** -log p_θ(x_a | z_a) for this sequence's chain draw. */
  decoderA: number;
  /** The b term for this sequence's chain draw. */
  boundaryB: number;
  /** Non-padding tokens of the sequence. */
  tokens: number;
  /** Optional: positions of this row's chain draw with x_b = x_a (for the rounding accuracy at b, §1). */
  roundingMatches?: number;
}

/**
 * Accumulates rows into the per-token parts of §4: each integral part is Σ_rows [segment = s]·ℓ_s(u)/Σ tokens
 * (unbiased because each row's u is uniform on [0, 1]); the boundary parts are per-token means; the entropy part is
 * exactly -H₂(p_a). `standardError` is the ratio estimator's SE of the total (0 with < 2 rows).
 */
export class ChainBoundAccumulator {
  readonly maskAtA: number;
  private readonly sums: Record<keyof ChainBoundParts, number> = { d1: 0, maskEntropy: 0, decoderA: 0, continuous: 0, boundaryB: 0, d2: 0 };
  private tokens = 0;
  private roundingMatches = 0;
  private roundingPositions = 0;
  private readonly perRow: { value: number; tokens: number }[] = [];

  constructor(maskAtA: number) {
    binaryEntropy(maskAtA);
    this.maskAtA = maskAtA;
  }

  add(row: ChainBoundRow): void {
    for (const k of ["integrand", "decoderA", "boundaryB", "tokens"] as const) {
      if (!Number.isFinite(row[k])) throw new RangeError(`row.${k} must be a finite number, got ${row[k]}`);
    }
    if (!(row.tokens >= 0)) throw new RangeError(`row.tokens must be >= 0, got ${row.tokens}`);
    if (row.roundingMatches !== undefined && !(row.roundingMatches >= 0 && row.roundingMatches <= row.tokens)) {
      throw new RangeError(`row.roundingMatches must lie in [0, row.tokens = ${row.tokens}], got ${row.roundingMatches}`);
    }
    const key = row.segment === "D1" ? "d1" : row.segment === "C" ? "continuous" : row.segment === "D2" ? "d2" : null;
    if (key === null) throw new RangeError(`row.segment must be 'D1', 'C' or 'D2', got ${String(row.segment)}`);
    const h = -row.tokens * binaryEntropy(this.maskAtA);
    this.sums[key] += row.integrand;
    this.sums.decoderA += row.decoderA;
    this.sums.boundaryB += row.boundaryB;
    this.sums.maskEntropy += h;
    this.tokens += row.tokens;
    if (row.roundingMatches !== undefined) {
      this.roundingMatches += row.roundingMatches;
      this.roundingPositions += row.tokens;
    }
    this.perRow.push({ value: row.integrand + row.decoderA + row.boundaryB + h, tokens: row.tokens });
  }

  get rows(): number {
    return this.perRow.length;
  }

  /**
   * Per-token parts, total (their sum), PPL, the SE of the total, and the rounding accuracy at b over the rows that
   * reported `roundingMatches` (null if none did).
   */
  result(): { natsPerToken: number; ppl: number; parts: ChainBoundParts; standardError: number; rows: number; roundingAccuracy: number | null } {
    if (!(this.tokens > 0)) throw new RangeError("ChainBoundAccumulator: no tokens added");
    const parts = {} as ChainBoundParts;
    for (const k of CHAIN_BOUND_PARTS) parts[k] = this.sums[k] / this.tokens;
    const out = chainBoundTotal(parts);
    const n = this.perRow.length;
    let se = 0;
    if (n >= 2) {
      const meanTok = this.tokens / n;
      let ss = 0;
      for (const r of this.perRow) ss += (r.value - out.natsPerToken * r.tokens) ** 2;
      se = Math.sqrt(ss / (n - 1) / n) / meanTok;
    }
    const roundingAccuracy = this.roundingPositions > 0 ? this.roundingMatches / this.roundingPositions : null;
    return { ...out, standardError: se, rows: n, roundingAccuracy };
  }
}
