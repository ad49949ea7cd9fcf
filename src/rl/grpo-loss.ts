// The diffu-GRPO objective per completion token (temporal.md §5): a clipped-ratio surrogate plus β times the
// k3 KL to a reference policy, averaged over the completion tokens up to the first EOS.
import { tf } from "../engine/tf";
import { k3Kl } from "./kl";

/** ε of the clipped ratio: 0.5 (d1 train.yaml, temporal.md §5 defaults). */
export const GRPO_EPSILON = 0.5;
/** β of the KL term: 0.04 (temporal.md §5 defaults). */
export const GRPO_BETA = 0.04;

/** Per-token log-probabilities [B, L] of the completion tokens under three policies, and what weighs them. */
export interface GrpoInputs {
  /** log p_θ of the current policy (the tensor gradients flow through). */
  logp: tf.Tensor2D;
  /** log p of the policy that sampled the rollouts (constant). */
  oldLogp: tf.Tensor2D;
  /** log p of the reference policy (constant); needed when β > 0. */
  refLogp?: tf.Tensor2D;
  /** One advantage per completion [B]. */
  advantages: tf.Tensor1D;
  /** 1 for the completion tokens that count (up to and including the first EOS), else 0 [B, L]. */
  mask: tf.Tensor2D;
}

/** ε and β; defaults 0.5 and 0.04. */
export interface GrpoOptions {
  epsilon?: number;
  beta?: number;
}

function settings(options: GrpoOptions, hasRef: boolean): { epsilon: number; beta: number } {
  const epsilon = options.epsilon ?? GRPO_EPSILON;
  const beta = options.beta ?? GRPO_BETA;
  if (typeof epsilon !== "number" || !Number.isFinite(epsilon) || epsilon <= 0 || epsilon >= 1) throw new RangeError(`epsilon must be a number in (0, 1), got ${String(epsilon)}`);
  if (typeof beta !== "number" || !Number.isFinite(beta) || beta < 0) throw new RangeError(`beta must be a finite number >= 0, got ${String(beta)}`);
  if (beta > 0 && !hasRef) throw new RangeError(`refLogp is required when beta > 0 (beta = ${beta})`);
  return { epsilon, beta };
}

function checkShapes(x: GrpoInputs): void {
  const [B, L] = x.logp.shape;
  const same = (t: tf.Tensor | undefined, name: string) => {
    if (t !== undefined && (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== L)) throw new RangeError(`${name} must have shape [${B}, ${L}] like logp, got [${t.shape.join(", ")}]`);
  };
  same(x.oldLogp, "oldLogp");
  same(x.refLogp, "refLogp");
  same(x.mask, "mask");
  if (x.advantages.rank !== 1 || x.advantages.shape[0] !== B) throw new RangeError(`advantages must have shape [${B}], got [${x.advantages.shape.join(", ")}]`);
}

/**
 * Per-token loss [B, L] (temporal.md §5): `−min(ρ·A, clip(ρ, 1−ε, 1+ε)·A) + β·KL` with ρ = exp(logp − logp_old)
 * and the k3 KL to the reference. The min puts the unclipped term first, so inside [1−ε, 1+ε] (where the two
 * agree) the gradient is A·ρ·∇logp; outside it, the clip removes the gradient only where moving ρ further would
 * increase the objective (ρ > 1+ε with A > 0, ρ < 1−ε with A < 0).
 */
export function grpoTokenLoss(inputs: GrpoInputs, options: GrpoOptions = {}): tf.Tensor2D {
  checkShapes(inputs);
  const { epsilon, beta } = settings(options, inputs.refLogp !== undefined);
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(inputs.logp, inputs.oldLogp)); // (B, L)
    const adv = tf.expandDims(inputs.advantages, 1); // (B, 1)
    const unclipped = tf.mul(ratio, adv);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - epsilon, 1 + epsilon), adv);
    let loss = tf.neg(tf.minimum(unclipped, clipped)); // (B, L)
    if (beta > 0) loss = tf.add(loss, tf.mul(beta, k3Kl(inputs.refLogp as tf.Tensor2D, inputs.logp)));
    return loss as tf.Tensor2D;
  });
}

/** The scalar loss: the per-token loss averaged over all masked-in tokens of the batch (temporal.md §5). */
export function grpoLoss(inputs: GrpoInputs, options: GrpoOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const perToken = grpoTokenLoss(inputs, options);
    const count = tf.maximum(tf.sum(inputs.mask), 1);
    return tf.div(tf.sum(tf.mul(perToken, inputs.mask)), count) as tf.Scalar;
  });
}

/** Diagnostics of one loss evaluation, as numbers. */
export interface GrpoStats {
  readonly loss: number;
  /** Mean k3 KL over the masked-in tokens (0 without refLogp). */
  readonly meanKl: number;
  /** Fraction of masked-in tokens where the clip is active (ρ > 1+ε with A > 0, or ρ < 1−ε with A < 0). */
  readonly clipFraction: number;
  readonly meanRatio: number;
  readonly tokens: number;
}

/** Loss, mean KL, clip fraction and mean ratio over the masked-in tokens (reads the tensors back). */
export function grpoStats(inputs: GrpoInputs, options: GrpoOptions = {}): GrpoStats {
  const { epsilon } = settings(options, inputs.refLogp !== undefined);
  const loss = grpoLoss(inputs, options);
  const parts = tf.tidy(() => {
    const ratio = tf.exp(tf.sub(inputs.logp, inputs.oldLogp));
    const adv = tf.expandDims(inputs.advantages, 1);
    const hi = tf.logicalAnd(tf.greater(ratio, 1 + epsilon), tf.greater(adv, 0));
    const lo = tf.logicalAnd(tf.less(ratio, 1 - epsilon), tf.less(adv, 0));
    const clipped = tf.cast(tf.logicalOr(hi, lo), "float32");
    const kl = inputs.refLogp !== undefined ? k3Kl(inputs.refLogp, inputs.logp) : tf.zerosLike(ratio);
    const m = inputs.mask;
    return tf.stack([tf.sum(tf.mul(kl, m)), tf.sum(tf.mul(clipped, m)), tf.sum(tf.mul(ratio, m)), tf.sum(m)]);
  });
  const [kl, clip, ratio, tokens] = Array.from(parts.dataSync());
  const value = loss.dataSync()[0];
  loss.dispose();
  parts.dispose();
  const n = Math.max(tokens, 1);
  return { loss: value, meanKl: kl / n, clipFraction: clip / n, meanRatio: ratio / n, tokens };
}

/**
 * The completion mask [B, L] of temporal.md §5: 1 up to and including the first `eosId` of each row, 0 after
 * it (all ones for a row without EOS). `completions` holds B rows of L ids, row-major.
 */
export function completionMask(completions: { batch: number; length: number; data: ArrayLike<number> }, eosId: number): tf.Tensor2D {
  const { batch, length, data } = completions;
  if (data.length !== batch * length) throw new RangeError(`completions.data must hold batch * length = ${batch * length} ids, got ${data.length}`);
  const m = new Float32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    for (let l = 0; l < length; l++) {
      m[b * length + l] = 1;
      if (data[b * length + l] === eosId) break;
    }
  }
  return tf.tensor2d(m, [batch, length]);
}
