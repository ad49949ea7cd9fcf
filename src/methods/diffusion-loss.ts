// What every diffusion method's training loss shares: draw t per sequence, draw z_t from the forward process, run the
// DiT, score; and the per-token ELBO of a loss result with the other tensors freed.
import { tf } from "../engine/tf";
import type { TimeSampler } from "../schedules/time-sampler";
import type { LossResult } from "../losses/loss-result";
import { ditDenoiser } from "./denoiser";
import type { BatchTensors, ElboScorer, Method } from "./types";

/** Scores the DiT's logits of one batch: the training loss (`training`) or the unclipped ELBO, token mean. */
export type DiffusionScore = (logits: tf.Tensor3D, batch: BatchTensors, z: tf.Tensor2D, t: tf.Tensor1D, training: boolean) => tf.Scalar;

/**
 * A method's loss: t from `times`, z_t from `noise` (both drawn from the step's generator, in that order), then `score`.
 * Positions `b.clean` marks (a prompt) keep their clean token in z_t and are left out of the scored mask (conditional
 * training: the loss on the answer span only); the model still attends to them under `b.mask`.
 */
export function diffusionLoss(times: TimeSampler, noise: ElboScorer["noise"], score: DiffusionScore): Method["loss"] {
  return (params, model, b, rng, training) => {
    const [B] = b.tokens.shape;
    const t = times.sampleTensor(B, rng);
    const noisy = noise(b.tokens, t, rng);
    if (b.clean === undefined) return score(ditDenoiser(params, model)(noisy, t, b.mask), b, noisy, t, training);
    const clean = b.clean;
    const z = tf.tidy(() => tf.where(tf.greater(clean, 0), b.tokens, noisy)) as tf.Tensor2D;
    noisy.dispose();
    const scored = tf.tidy(() => tf.mul(b.mask, tf.sub(1, clean))) as tf.Tensor2D;
    return score(ditDenoiser(params, model)(z, t, b.mask), { tokens: b.tokens, mask: scored }, z, t, training);
  };
}

/** The unclipped per-token ELBO [B, L] of a loss result; its other tensors are disposed. */
export function elboPerToken(r: LossResult): tf.Tensor2D {
  r.trainPerToken.dispose();
  r.trainLoss.dispose();
  r.elbo.dispose();
  return r.elboPerToken;
}
