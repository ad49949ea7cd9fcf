// The one-step log-probability estimator of d1's diffu-GRPO (temporal.md §5): mask every completion token and
// each prompt token with probability 0.15, run the denoiser once, read log p(completion token | masked input).
// The mask comes from a seed, so the old, reference and current policies see the same input.
import { tf } from "../engine/tf";
import { SeededRng } from "../util/rng";
import type { Denoiser } from "../samplers/sampler";

/** Probability of masking each prompt token: 0.15 (d1, temporal.md §5). */
export const PROMPT_MASK_RATE = 0.15;

/** B rows of L ids, row-major (the layout of the samplers' `SampleBatch`). */
export interface IdRows {
  readonly batch: number;
  readonly length: number;
  readonly data: ArrayLike<number>;
}

/** Estimator settings. */
export interface EstimatorOptions {
  /** Mask seed; the same seed gives the same mask, so pass one seed to the old, reference and current passes. */
  seed: number;
  /** Id written at masked positions (the model's [MASK], V in the HDLM layout). */
  maskId: number;
  /** Probability of masking each prompt token; default 0.15. */
  promptMaskRate?: number;
  /** Real-token columns V of the logits to normalise over (the first V; default all columns). */
  vocabSize?: number;
  /**
   * Time passed to the denoiser: a number, or by default each row's masked fraction (the time whose expected
   * masked fraction matches the input under a log-linear schedule α_t = 1 − t; models without time input ignore it).
   */
  t?: number;
}

function checkRows(rows: IdRows, name: string): void {
  if (!Number.isInteger(rows.batch) || rows.batch < 1 || !Number.isInteger(rows.length) || rows.length < 0) throw new RangeError(`${name} must have an integer batch >= 1 and length >= 0, got ${rows.batch} x ${rows.length}`);
  if (rows.data.length !== rows.batch * rows.length) throw new RangeError(`${name}.data must hold batch * length = ${rows.batch * rows.length} ids, got ${rows.data.length}`);
}

function checkRate(rate: unknown): number {
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new RangeError(`promptMaskRate must be a number in [0, 1], got ${String(rate)}`);
  return rate;
}

/**
 * The estimator's mask over [B, Lp + Lc] (1 = masked), row-major: prompt positions masked independently with
 * probability `promptMaskRate` from `SeededRng(seed)` (row by row, position by position), every completion
 * position masked. Deterministic in the seed.
 */
export function estimatorMask(batch: number, promptLength: number, completionLength: number, seed: number, promptMaskRate = PROMPT_MASK_RATE): Uint8Array {
  const rate = checkRate(promptMaskRate);
  const L = promptLength + completionLength;
  const rng = new SeededRng(seed);
  const mask = new Uint8Array(batch * L);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < promptLength; i++) mask[b * L + i] = rng.uniform() < rate ? 1 : 0;
    mask.fill(1, b * L + promptLength, (b + 1) * L);
  }
  return mask;
}

/** μ mask seeds for the inner iterations over one batch of rollouts, derived from `seed` (temporal.md §5). */
export function innerMaskSeeds(seed: number, iterations: number): number[] {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`iterations must be an integer >= 1 (μ), got ${iterations}`);
  const rng = new SeededRng(seed);
  return Array.from({ length: iterations }, () => rng.nextUint32());
}

/** The estimator's input ids [B, Lp + Lc] and the mask it used (row-major). */
export function estimatorInput(prompt: IdRows, completion: IdRows, options: Pick<EstimatorOptions, "seed" | "maskId" | "promptMaskRate">): { ids: Int32Array; mask: Uint8Array; length: number } {
  checkRows(prompt, "prompt");
  checkRows(completion, "completion");
  if (prompt.batch !== completion.batch) throw new RangeError(`completion.batch must equal prompt.batch (${prompt.batch}), got ${completion.batch}`);
  if (!Number.isInteger(options.maskId) || options.maskId < 0) throw new RangeError(`maskId must be an integer >= 0, got ${options.maskId}`);
  const B = prompt.batch, Lp = prompt.length, Lc = completion.length, L = Lp + Lc;
  const mask = estimatorMask(B, Lp, Lc, options.seed, options.promptMaskRate ?? PROMPT_MASK_RATE);
  const ids = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Lp; i++) ids[b * L + i] = prompt.data[b * Lp + i];
    for (let i = 0; i < Lc; i++) ids[b * L + Lp + i] = completion.data[b * Lc + i];
  }
  for (let k = 0; k < ids.length; k++) if (mask[k] === 1) ids[k] = options.maskId;
  return { ids, mask, length: L };
}

/**
 * One-step log-probabilities [B, Lc] (d1's estimator, temporal.md §5): logp_i = log p_θ(completion token i |
 * input with every completion token and ~15% of prompt tokens masked), from one denoiser pass on the seeded
 * mask. Written against the samplers' `Denoiser`, so MDLM and HDLM policies plug in; differentiable in the
 * denoiser's variables (call it inside `tf.variableGrads`). The logits are log-softmaxed over their first
 * `vocabSize` columns.
 */
export function oneStepLogProbs(denoiser: Denoiser, prompt: IdRows, completion: IdRows, options: EstimatorOptions): tf.Tensor2D {
  const { ids, mask, length: L } = estimatorInput(prompt, completion, options);
  const B = prompt.batch, Lp = prompt.length, Lc = completion.length;
  let t: Float32Array;
  if (options.t === undefined) {
    t = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      let m = 0;
      for (let i = 0; i < L; i++) m += mask[b * L + i];
      t[b] = L > 0 ? m / L : 1;
    }
  } else {
    if (typeof options.t !== "number" || !(options.t >= 0 && options.t <= 1)) throw new RangeError(`t must be a number in [0, 1], got ${String(options.t)}`);
    t = new Float32Array(B).fill(options.t);
  }
  const targets = Int32Array.from(completion.data as ArrayLike<number>);
  return tf.tidy(() => {
    const z = tf.tensor2d(ids, [B, L], "int32");
    const time = tf.tensor1d(t, "float32");
    const logits = denoiser(z, time); // (B, L, W)
    if (logits.rank !== 3 || logits.shape[0] !== B || logits.shape[1] !== L) throw new RangeError(`denoiser must return logits of shape [${B}, ${L}, W], got [${logits.shape.join(", ")}]`);
    const W = logits.shape[2];
    const V = options.vocabSize ?? W;
    if (!Number.isInteger(V) || V < 1 || V > W) throw new RangeError(`vocabSize must be an integer in [1, ${W}] (the logits' width), got ${V}`);
    for (let k = 0; k < targets.length; k++) {
      if (!Number.isInteger(targets[k]) || targets[k] < 0 || targets[k] >= V) throw new RangeError(`completion.data[${k}] = ${targets[k]} must be a token id in [0, ${V})`);
    }
    const comp = tf.slice(logits, [0, Lp, 0], [B, Lc, V]); // (B, Lc, V)
    const logProbs = tf.logSoftmax(comp); // (B, Lc, V)
    const onehot = tf.oneHot(tf.tensor2d(targets, [B, Lc], "int32"), V); // (B, Lc, V)
    return tf.sum(tf.mul(logProbs, onehot), -1) as tf.Tensor2D; // (B, Lc)
  });
}
