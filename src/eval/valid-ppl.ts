// Validation perplexity as an upper bound (hdlm.md §7.1): exp of the unclipped per-token ELBO, estimated by Monte
// Carlo over low-discrepancy t draws (the reference), K strata of t per sequence, or a K-midpoint t quadrature,
// with seeded z_t; per-sequence sums give standard errors and paired differences.
import { tf } from "../engine/tf";
import { SeededRng } from "../util/rng";
import { TimeSampler } from "../schedules/time-sampler";
import { RowScores, concatRows, summarizeRows } from "./row-scores";
import type { ElboScorer, TokenBound } from "../methods/types";
import type { TokenBatch } from "../data/sequences";

/** The model under evaluation: noisy ids [B, L], times [B], padding mask [B, L] -> logits [B, L, W]. */
export type EvalModel = (z: tf.Tensor2D, t: tf.Tensor1D, padMask: tf.Tensor2D) => tf.Tensor3D;


/** Options of {@link validationPpl}. */
export interface ValidPplOptions {
  /**
   * 'monte-carlo' (the reference's estimator, default), 'stratified' (K strata of t per sequence, one uniform offset
   * per sequence: unbiased, low variance) or the deterministic-t 'quadrature' (K midpoints).
   */
  estimator?: "monte-carlo" | "stratified" | "quadrature";
  /** Monte Carlo: t draws per batch, each one low-discrepancy set of B times and one z_t (default 1, the reference). */
  tDraws?: number;
  /** Monte Carlo: how the B times of a draw are spread (default TimeSampler.hdlm(): shared offset, eps = 1e-4). */
  timeSampler?: TimeSampler;
  /** Quadrature: K midpoints (k + 1/2)/K of equal t bins (default 128, as GIDD's likelihood.py); stratified: K strata (default 16). */
  quadraturePoints?: number;
  /** Seed of every t and z_t draw (default 0): the quadrature with a fixed seed is deterministic. */
  seed?: number;
  /** Stop after this many batches (default: all). */
  maxBatches?: number;
}

/** Result of {@link validationPpl}. */
export interface ValidPplResult {
  /** exp(elbo): an upper bound on the model's perplexity. */
  ppl: number;
  /** Mean unclipped ELBO in nats per token (pooled: Σ ELBO / Σ tokens over all draws). */
  elbo: number;
  /** Standard error of `elbo` over sequences (ratio estimator; 0 with a single sequence). */
  stdError: number;
  /** Non-padding tokens scored (each counted once, not once per draw). */
  tokens: number;
  batches: number;
  /** Per sequence: ELBO summed over its tokens (mean over the t draws) and its token count, in batch order. */
  rows: RowScores;
  /** E.g. "monte-carlo, 1 low-discrepancy t draw per batch, seed 0" or "stratified, 16 t strata per sequence, seed 0". */
  estimator: string;
  /** The objective's name. */
  scorer: string;
}

/** Endpoint margin of the stratified estimator's times: t in [eps, 1 − eps] as the HDLM/GIDD time sampler. */
const STRATIFIED_EPS = 1e-4;

/**
 * Validation perplexity bound (hdlm.md §7.1): for every batch, draw t (Monte Carlo: the low-discrepancy sampler,
 * `tDraws` times; stratified: for each of K strata one t per sequence in ((k + u_b)/K), u_b uniform per sequence;
 * quadrature: all sequences at each midpoint t_k), draw z_t with a seeded generator, and average the unclipped
 * ELBO; PPL = exp(mean ELBO per token). Works for any objective given as an {@link ElboScorer}. The per-sequence
 * sums (`rows`) give the standard error and paired differences between models scored with the same seed.
 */
export function validationPpl(model: EvalModel, scorer: ElboScorer, batches: Iterable<TokenBatch>, options: ValidPplOptions = {}): ValidPplResult {
  return boundPpl(scorerBound(model, scorer), scorer.name, batches, options);
}

/** The per-token bound of a model and its ELBO scorer: z_t ~ q_t(. | x) from `rng`, then the scorer on the logits. */
export function scorerBound(model: EvalModel, scorer: ElboScorer): TokenBound {
  return (x, t, pad, rng) => tf.tidy(() => {
    const z = scorer.noise(x, t, rng);
    return scorer.elbo(model(z, t, pad), x, z, t, pad);
  });
}

/**
 * {@link validationPpl} for any per-token bound at given times (a scorer's, or one a method computes from its own
 * parameters: Diffusion-LM, the hybrid); `name` names it in the result.
 */
export function boundPpl(bound: TokenBound, name: string, batches: Iterable<TokenBatch>, options: ValidPplOptions = {}): ValidPplResult {
  const estimator = options.estimator ?? "monte-carlo";
  if (estimator !== "monte-carlo" && estimator !== "quadrature" && estimator !== "stratified") {
    throw new RangeError(`estimator must be 'monte-carlo', 'stratified' or 'quadrature', got '${estimator}'`);
  }
  const draws = options.tDraws ?? 1;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`tDraws must be a positive integer, got ${draws}`);
  const K = options.quadraturePoints ?? (estimator === "stratified" ? 16 : 128);
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`quadraturePoints must be a positive integer, got ${K}`);
  const seed = options.seed ?? 0;
  const sampler = options.timeSampler ?? TimeSampler.hdlm();
  const rng = new SeededRng(seed);
  let nb = 0;
  const parts: RowScores[] = [];
  for (const batch of batches) {
    if (options.maxBatches !== undefined && nb >= options.maxBatches) break;
    const { batchSize: B, seqLen: L } = batch;
    if (batch.tokens.length !== B * L || batch.mask.length !== B * L) throw new RangeError(`batch ${nb}: tokens and mask must have batchSize * seqLen = ${B * L} entries`);
    const counts = new Float64Array(B);
    for (let i = 0; i < B * L; i++) if (batch.mask[i] !== 0) counts[Math.floor(i / L)]++;
    if (counts.every((c) => c === 0)) continue;
    const x = tf.tensor2d(batch.tokens, [B, L], "int32");
    const pad = tf.tensor2d(Float32Array.from(batch.mask), [B, L], "float32");
    try {
      const times: Float64Array[] = [];
      if (estimator === "monte-carlo") for (let r = 0; r < draws; r++) times.push(sampler.sample(B, rng));
      else if (estimator === "quadrature") for (let k = 0; k < K; k++) times.push(new Float64Array(B).fill((k + 0.5) / K));
      else {
        const offset = Float64Array.from({ length: B }, () => rng.uniform());
        for (let k = 0; k < K; k++) times.push(offset.map((u) => STRATIFIED_EPS + (1 - 2 * STRATIFIED_EPS) * ((k + u) / K)));
      }
      const nats = new Float64Array(B);
      for (const tv of times) {
        const perRow = tf.tidy(() => {
          const t = tf.tensor1d(Float32Array.from(tv), "float32");
          return tf.sum(bound(x, t, pad, rng), 1).dataSync();
        });
        for (let b = 0; b < B; b++) nats[b] += perRow[b] / times.length;
      }
      parts.push({ nats, tokens: counts });
      nb++;
    } finally {
      x.dispose();
      pad.dispose();
    }
  }
  if (parts.length === 0) throw new Error("validationPpl: no tokens to score (every batch was empty or all padding)");
  const rows = concatRows(parts);
  const s = summarizeRows(rows);
  const desc =
    estimator === "monte-carlo"
      ? `monte-carlo, ${draws} ${sampler.options.method} t draw${draws > 1 ? "s" : ""} per batch, seed ${seed}`
      : estimator === "quadrature"
        ? `quadrature, K = ${K} midpoints, seed ${seed}`
        : `stratified, ${K} t strata per sequence, seed ${seed}`;
  return { ppl: s.ppl, elbo: s.natsPerToken, stdError: s.stdError, tokens: s.tokens, batches: nb, rows, estimator: desc, scorer: name };
}
