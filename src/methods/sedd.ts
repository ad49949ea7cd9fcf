// SEDD absorbing (baselines.md §3): [MASK] diffusion with total noise sigma(t) (log-linear or geometric), trained on
// the denoising score entropy (DWDSE; an upper bound on -log p), sampled with the Euler (tau-leaping) or analytic
// (Tweedie) predictor. The DiT's V + 1 outputs are raw scores, turned into log-scores as SEDD's transformer does.
import { tf } from "../engine/tf";
import { sampleMdlmForward } from "../processes/forward";
import { GeometricSchedule, seddLogLinear, type SigmaSchedule } from "../schedules/sedd";
import { scoreEntropyAbsorbing, seddLogScore } from "../losses/sedd";
import { SeddSampler } from "../samplers/sedd";
import type { Denoiser, Sampler, SampleBatch, SampleRequest, SampleResult } from "../samplers/sampler";
import type { SeededRng } from "../util/rng";
import { diffusionLoss } from "./diffusion-loss";
import type { ElboScorer, Method, MethodContext } from "./types";
import { oneOf, opt } from "../util/validate";

/** The SEDD objective's config. */
export interface SeddObjective {
  kind: "sedd";
  /** Total-noise schedule: "loglinear" (default, eps 1e-3) or "geometric" (sigma in [1e-4, 20]). */
  noise: "loglinear" | "geometric";
  /** Reverse predictor: "analytic" (Tweedie, default) or "euler" (tau-leaping). */
  predictor: "analytic" | "euler";
}

/** The SEDD objective's config fields. */
export const SEDD_FIELDS = ["kind", "noise", "predictor"] as const;

/** Validates the SEDD objective's fields of `o` (at `path`) and fills the defaults. */
export function parseSeddObjective(o: Record<string, unknown>, path: string): SeddObjective {
  return {
    kind: "sedd",
    noise: opt(o, "noise", path, "loglinear" as const, (x, p) => oneOf(x, p, ["loglinear", "geometric"] as const)),
    predictor: opt(o, "predictor", path, "analytic" as const, (x, p) => oneOf(x, p, ["analytic", "euler"] as const)),
  };
}

/** SEDD's sigma schedule of a config. */
export function seddSchedule(o: Pick<SeddObjective, "noise">): SigmaSchedule {
  return o.noise === "geometric" ? new GeometricSchedule() : seddLogLinear();
}

/**
 * Score entropy per token `[B, L]` (0 at clean and padding positions): `dsigma(t)·DWDSE_i` with the DiT's raw outputs
 * `[B, L, V + 1]` scaled to log-scores at sigma(t) (SEDD's `scale_by_sigma`).
 */
export function seddPerToken(schedule: SigmaSchedule, raw: tf.Tensor3D, x: tf.Tensor2D, z: tf.Tensor2D, t: tf.Tensor1D, padMask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sigma = schedule.sigmaTensor(t) as tf.Tensor1D;
    const logScore = seddLogScore("absorbing", raw, z, sigma);
    const l = scoreEntropyAbsorbing(logScore, z, x, sigma);
    return tf.mul(tf.mul(l, tf.reshape(schedule.dsigmaTensor(t), [-1, 1])), padMask) as tf.Tensor2D;
  });
}

/** SEDD's bound (baselines.md §3): z_t masks each token with probability 1 - e^{-sigma(t)}; the DWDSE per token. */
export function seddElboScorer(options: { schedule: SigmaSchedule; vocabSize: number }): ElboScorer {
  const { schedule, vocabSize } = options;
  return {
    name: `sedd-absorbing(${schedule.name})`,
    noise: (x, t, rng) => sampleMdlmForward(schedule, vocabSize, x, t, rng),
    elbo: (logits, x, z, t, padMask) => seddPerToken(schedule, logits, x, z, t, padMask),
  };
}

/**
 * SeddSampler on the DiT's raw outputs: each call's outputs become log-scores at sigma(t) before the step (the
 * trained network is a raw-score {@link Denoiser}, SeddSampler wants log-scores).
 */
class SeddRawSampler implements Sampler {
  readonly name: string;
  constructor(private readonly inner: SeddSampler) {
    this.name = inner.name;
  }

  private scores(denoise: Denoiser): Denoiser {
    const s = this.inner.schedule;
    return (tokens, t) => tf.tidy(() => seddLogScore("absorbing", denoise(tokens, t), tokens, s.sigmaTensor(t) as tf.Tensor1D));
  }

  sample(denoise: Denoiser, request: SampleRequest): SampleResult {
    return this.inner.sample(this.scores(denoise), request);
  }

  step(denoise: Denoiser, state: SampleBatch, t: number, s: number, rng: SeededRng | number): SampleBatch {
    return this.inner.step(this.scores(denoise), state, t, s, rng);
  }
}

/** The SEDD (absorbing) method over V tokens ([MASK] = V). */
export function seddMethod(o: SeddObjective, ctx: MethodContext): Method {
  const V = ctx.vocabSize;
  const schedule = seddSchedule(o);
  const scorer = seddElboScorer({ schedule, vocabSize: V });
  return {
    kind: "sedd",
    modelKind: "dit",
    inputSize: V + 1,
    outputSize: V + 1,
    clusters: null,
    // Training and validation both use the score entropy (it is the bound; nothing is clipped).
    loss: diffusionLoss(ctx.times, scorer.noise, (raw, b, z, t) =>
      tf.tidy(() => tf.div(tf.sum(seddPerToken(schedule, raw, b.tokens, z, t, b.mask)), tf.maximum(tf.sum(b.mask), 1)) as tf.Scalar),
    ),
    initParams: () => undefined, // a random [MASK] row (see src/methods/mdlm.ts)
    scorer,
    sampler: (options = {}) => new SeddRawSampler(new SeddSampler({ graph: "absorbing", schedule, vocabSize: V, predictor: o.predictor, steps: options.steps })),
  };
}
