// Validation perplexity as an upper bound (hdlm.md §7.1): exp of the unclipped per-token ELBO, estimated by Monte
// Carlo over low-discrepancy t draws (the reference) or by a deterministic K-midpoint t quadrature with seeded z_t.
import { tf } from "../engine/tf";
import { SeededRng } from "../processes/rng";
import { ClusterLayout } from "../processes/cluster-layout";
import { sampleHdlmForward, sampleMdlmForward } from "../processes/forward";
import { HierarchicalScheduleLike } from "../schedules/hierarchical";
import { Schedule } from "../schedules/schedule";
import { TimeSampler } from "../schedules/time-sampler";
import { sampleGiddForward } from "../processes/gidd-forward";
import { GiddSchedule } from "../schedules/gidd";
import { giddElbo } from "../losses/gidd";
import { hdlmLoss } from "../losses/hdlm";
import { mdlmLoss } from "../losses/mdlm";

/** One diffusion objective's likelihood bound, as evaluation needs it (HDLM, MDLM, ...). */
export interface ElboScorer {
  readonly name: string;
  /** Draws z_t ~ q_t(. | x) for clean tokens x [B, L] at one time per sequence t [B]. */
  noise(x: tf.Tensor2D, t: tf.Tensor1D, rng: SeededRng): tf.Tensor2D;
  /** Unclipped ELBO per token [B, L] in nats (0 at padding) from the model's logits. */
  elbo(logits: tf.Tensor3D, x: tf.Tensor2D, z: tf.Tensor2D, t: tf.Tensor1D, padMask: tf.Tensor2D): tf.Tensor2D;
}

/** HDLM's ELBO (hdlm.md §3.2, §5.2; unclipped weights): z_t from the two-stage forward process. */
export function hdlmElboScorer(options: { schedule: HierarchicalScheduleLike; clusters: ClusterLayout; xi?: number }): ElboScorer {
  const { schedule, clusters, xi } = options;
  return {
    name: `hdlm(${schedule.name}, n=${clusters.numClusters}${xi !== undefined && xi < 1 ? `, xi=${xi}` : ""})`,
    noise: (x, t, rng) => sampleHdlmForward(schedule, clusters, x, t, rng, { xi }),
    elbo: (logits, x, z, t, padMask) => {
      const r = hdlmLoss(logits, x, z, t, { schedule, clusters, xi, padMask });
      r.trainPerToken.dispose();
      r.trainLoss.dispose();
      r.elbo.dispose();
      return r.elboPerToken;
    },
  };
}

/** MDLM's ELBO (baselines.md §1): z_t masks each token with probability 1 - alpha_t. */
export function mdlmElboScorer(options: { schedule: Schedule; vocabSize: number }): ElboScorer {
  const { schedule, vocabSize } = options;
  return {
    name: `mdlm(${schedule.name})`,
    noise: (x, t, rng) => sampleMdlmForward(schedule, vocabSize, x, t, rng),
    elbo: (logits, x, z, t, padMask) => {
      const r = mdlmLoss(logits, x, z, t, { schedule, vocabSize, padMask });
      r.trainPerToken.dispose();
      r.trainLoss.dispose();
      r.elbo.dispose();
      return r.elboPerToken;
    },
  };
}

/**
 * GIDD's ELBO (baselines.md §2; KL + IS with the unclipped ELBO weights): z_t mixes MASK and uniform noise. The
 * model's logits must have V + 1 columns (MASK = V, ignored by the loss); V = `vocabSize` real tokens.
 */
export function giddElboScorer(options: { schedule: GiddSchedule; vocabSize: number }): ElboScorer {
  const { schedule, vocabSize } = options;
  return {
    name: `gidd(${schedule.name})`,
    noise: (x, t, rng) => sampleGiddForward(schedule, vocabSize, x, t, rng),
    elbo: (logits, x, z, t, padMask) =>
      tf.tidy(() => {
        const W = vocabSize + 1;
        if (logits.shape[2] < W) throw new RangeError(`logits must have >= V + 1 = ${W} columns (tokens and MASK), got ${logits.shape[2]}`);
        const l = logits.shape[2] === W ? logits : (tf.slice(logits, [0, 0, 0], [logits.shape[0], logits.shape[1], W]) as tf.Tensor3D);
        const r = giddElbo(schedule, { logits: l, x, zt: z, t }, { maskId: vocabSize });
        return tf.mul(r.elbo, padMask) as tf.Tensor2D;
      }),
  };
}

/** The model under evaluation: noisy ids [B, L], times [B], padding mask [B, L] -> logits [B, L, W]. */
export type EvalModel = (z: tf.Tensor2D, t: tf.Tensor1D, padMask: tf.Tensor2D) => tf.Tensor3D;

/** A batch of clean sequences (src/data's TokenBatch and src/train's Batch both fit). */
export interface EvalBatch {
  tokens: Int32Array;
  /** 1 on real tokens, 0 on padding. */
  mask: ArrayLike<number>;
  batchSize: number;
  seqLen: number;
}

/** Options of {@link validationPpl}. */
export interface ValidPplOptions {
  /** 'monte-carlo' (the reference's estimator, default) or the deterministic 'quadrature'. */
  estimator?: "monte-carlo" | "quadrature";
  /** Monte Carlo: t draws per batch, each one low-discrepancy set of B times and one z_t (default 1, the reference). */
  tDraws?: number;
  /** Monte Carlo: how the B times of a draw are spread (default TimeSampler.hdlm(): shared offset, eps = 1e-4). */
  timeSampler?: TimeSampler;
  /** Quadrature: K midpoints (k + 1/2)/K of equal t bins (default 128, as GIDD's likelihood.py). */
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
  /** Standard error of `elbo` over the (batch, t draw) units (0 with a single unit). */
  stdError: number;
  /** Non-padding tokens scored (each counted once, not once per draw). */
  tokens: number;
  batches: number;
  /** E.g. "monte-carlo, 1 low-discrepancy t draw per batch, seed 0" or "quadrature, K = 128 midpoints, seed 0". */
  estimator: string;
  /** The objective's name. */
  scorer: string;
}

/**
 * Validation perplexity bound (hdlm.md §7.1): for every batch, draw t (Monte Carlo: the low-discrepancy sampler,
 * `tDraws` times; quadrature: all sequences at each midpoint t_k), draw z_t with a seeded generator, and average the
 * unclipped per-token ELBO; PPL = exp(mean ELBO). Works for any objective given as an {@link ElboScorer}.
 */
export function validationPpl(model: EvalModel, scorer: ElboScorer, batches: Iterable<EvalBatch>, options: ValidPplOptions = {}): ValidPplResult {
  const estimator = options.estimator ?? "monte-carlo";
  if (estimator !== "monte-carlo" && estimator !== "quadrature") throw new RangeError(`estimator must be 'monte-carlo' or 'quadrature', got '${estimator}'`);
  const draws = options.tDraws ?? 1;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`tDraws must be a positive integer, got ${draws}`);
  const K = options.quadraturePoints ?? 128;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`quadraturePoints must be a positive integer, got ${K}`);
  const seed = options.seed ?? 0;
  const sampler = options.timeSampler ?? TimeSampler.hdlm();
  const rng = new SeededRng(seed);
  let sum = 0, tokens = 0, nb = 0;
  const units: Array<{ sum: number; tokens: number }> = [];
  for (const batch of batches) {
    if (options.maxBatches !== undefined && nb >= options.maxBatches) break;
    const { batchSize: B, seqLen: L } = batch;
    if (batch.tokens.length !== B * L || batch.mask.length !== B * L) throw new RangeError(`batch ${nb}: tokens and mask must have batchSize * seqLen = ${B * L} entries`);
    let count = 0;
    for (let i = 0; i < B * L; i++) if (batch.mask[i] !== 0) count++;
    if (count === 0) continue;
    const x = tf.tensor2d(batch.tokens, [B, L], "int32");
    const pad = tf.tensor2d(Float32Array.from(batch.mask), [B, L], "float32");
    try {
      const times: Float64Array[] = [];
      if (estimator === "monte-carlo") for (let r = 0; r < draws; r++) times.push(sampler.sample(B, rng));
      else for (let k = 0; k < K; k++) times.push(new Float64Array(B).fill((k + 0.5) / K));
      let batchSum = 0;
      for (const tv of times) {
        const s = tf.tidy(() => {
          const t = tf.tensor1d(Float32Array.from(tv), "float32");
          const z = scorer.noise(x, t, rng);
          const logits = model(z, t, pad);
          return tf.sum(scorer.elbo(logits, x, z, t, pad)).dataSync()[0];
        });
        if (estimator === "monte-carlo") units.push({ sum: s, tokens: count });
        batchSum += s;
      }
      if (estimator === "quadrature") units.push({ sum: batchSum / K, tokens: count });
      sum += batchSum / times.length;
      tokens += count;
      nb++;
    } finally {
      x.dispose();
      pad.dispose();
    }
  }
  if (tokens === 0) throw new Error("validationPpl: no tokens to score (every batch was empty or all padding)");
  const elbo = sum / tokens;
  // Ratio-estimator standard error over units (each unit: one batch at one t draw, or one batch's quadrature).
  let se = 0;
  const m = units.length;
  if (m > 1) {
    const meanTok = units.reduce((a, u) => a + u.tokens, 0) / m;
    let v = 0;
    for (const u of units) v += ((u.sum - elbo * u.tokens) / meanTok) ** 2;
    se = Math.sqrt(v / (m - 1) / m);
  }
  const desc =
    estimator === "monte-carlo"
      ? `monte-carlo, ${draws} ${sampler.options.method} t draw${draws > 1 ? "s" : ""} per batch, seed ${seed}`
      : `quadrature, K = ${K} midpoints, seed ${seed}`;
  return { ppl: Math.exp(elbo), elbo, stdError: se, tokens, batches: nb, estimator: desc, scorer: scorer.name };
}
