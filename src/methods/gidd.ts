// GIDD / GIDD+ (baselines.md §2): mask + uniform interpolating diffusion with the hybrid mixing schedule, trained on
// the KL + IS ELBO (GIDD+: dynamic clipped weights), scored by the unclipped ELBO, sampled ancestrally.
import { tf } from "../engine/tf";
import { sampleGiddForward } from "../processes/gidd-forward";
import { GiddSchedule } from "../schedules/gidd";
import { giddElbo } from "../losses/gidd";
import { GiddSampler } from "../samplers/gidd-sampler";
import { diffusionLoss, elboPerToken } from "./diffusion-loss";
import type { ElboScorer, Method, MethodContext } from "./types";
import { fail, lossWeightClip, number, oneOf, opt, show } from "../util/validate";

/**
 * The GIDD objective's config. `lossWeighting: "dynamic"` is GIDD+ (weights MASK 2, uniform 1, clean
 * (B/V)e^{(γ/2)σ(−t)}, clipped to [minLossWeight, maxLossWeight]); validation always uses the unclipped ELBO weights.
 */
export interface GiddObjective {
  kind: "gidd";
  /** Uniform-noise mass at t = 1/2, in [0, 1) (default 0.1, the GIDD+ runs). */
  pu: number;
  /** Schedule exponent gamma (default 1). */
  gamma: number;
  /** "dynamic" (GIDD+, default) or "elbo" (train on the ELBO weights). */
  lossWeighting: "dynamic" | "elbo";
  /** Clip of the dynamic weights (defaults 0 and 2, the reference). */
  minLossWeight: number;
  maxLossWeight: number;
}

/** The GIDD objective's config fields. */
export const GIDD_FIELDS = ["kind", "pu", "gamma", "lossWeighting", "minLossWeight", "maxLossWeight"] as const;

/** Validates the GIDD objective's fields of `o` (at `path`) and fills the defaults (GIDD+: pu 0.1, dynamic weights). */
export function parseGiddObjective(o: Record<string, unknown>, path: string): GiddObjective {
  const clip = lossWeightClip(o, path);
  if (!(clip.maxLossWeight > clip.minLossWeight)) fail(`${path}.maxLossWeight`, `must be > minLossWeight (${clip.minLossWeight}), got ${clip.maxLossWeight}`);
  return {
    kind: "gidd",
    pu: opt(o, "pu", path, 0.1, (x, p) => {
      if (typeof x !== "number" || !Number.isFinite(x) || x < 0 || x >= 1) fail(p, `must be a number in [0, 1), got ${show(x)}`);
      return x;
    }),
    gamma: opt(o, "gamma", path, 1, (x, p) => number(x, p, 0, 100, true)),
    lossWeighting: opt(o, "lossWeighting", path, "dynamic" as const, (x, p) => oneOf(x, p, ["dynamic", "elbo"] as const)),
    ...clip,
  };
}

/** GIDD's mixing schedule of a `gidd` objective config. */
export function giddSchedule(o: Pick<GiddObjective, "pu" | "gamma">): GiddSchedule {
  return new GiddSchedule({ pu: o.pu, gamma: o.gamma });
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
        return elboPerToken(giddElbo(schedule, { logits: l, x, zt: z, t }, { maskId: vocabSize, padMask }));
      }),
  };
}

/** The GIDD method over V tokens ([MASK] = V). */
export function giddMethod(o: GiddObjective, ctx: MethodContext): Method {
  const V = ctx.vocabSize;
  const schedule = giddSchedule(o);
  const clip = { minWeight: o.minLossWeight, maxWeight: o.maxLossWeight };
  const scorer = giddElboScorer({ schedule, vocabSize: V });
  return {
    kind: "gidd",
    modelKind: "dit",
    inputSize: V + 1,
    outputSize: V + 1,
    clusters: null,
    loss: diffusionLoss(ctx.times, scorer.noise, (logits, b, z, t, training) => {
      // Training: GIDD+ dynamic (clipped) or ELBO weights; validation: always the unclipped ELBO.
      const r = giddElbo(schedule, { logits, x: b.tokens, zt: z, t }, { maskId: V, weighting: training ? o.lossWeighting : "elbo", clip, padMask: b.mask });
      return training ? r.trainLoss : r.elbo;
    }),
    initParams: () => undefined, // random [MASK] row, as in the GIDD reference (see src/methods/mdlm.ts)
    scorer,
    sampler: (options = {}) => new GiddSampler({ schedule, vocabSize: V, ...options }),
  };
}
