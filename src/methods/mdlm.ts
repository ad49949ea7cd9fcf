// MDLM (baselines.md §1): absorbing [MASK] diffusion with the log-linear schedule, the SUBS loss, its unclipped ELBO
// and the ddpm-cache sampler. [MASK] = V; the model has V + 1 input rows and output columns.
import { sampleMdlmForward } from "../processes/forward";
import { LogLinearSchedule } from "../schedules/log-linear";
import type { Schedule } from "../schedules/schedule";
import { mdlmLoss } from "../losses/mdlm";
import { MdlmSampler } from "../samplers/mdlm-sampler";
import { diffusionLoss, elboPerToken } from "./diffusion-loss";
import type { ElboScorer, Method, MethodContext } from "./types";

/** The MDLM objective's config. */
export interface MdlmObjective {
  kind: "mdlm";
}

/** The MDLM objective's fields (beyond `kind`: none). */
export function parseMdlmObjective(): MdlmObjective {
  return { kind: "mdlm" };
}

/** MDLM's ELBO (baselines.md §1): z_t masks each token with probability 1 - alpha_t. */
export function mdlmElboScorer(options: { schedule: Schedule; vocabSize: number }): ElboScorer {
  const { schedule, vocabSize } = options;
  return {
    name: `mdlm(${schedule.name})`,
    noise: (x, t, rng) => sampleMdlmForward(schedule, vocabSize, x, t, rng),
    elbo: (logits, x, z, t, padMask) => elboPerToken(mdlmLoss(logits, x, z, t, { schedule, vocabSize, padMask })),
  };
}

/** The MDLM method over V tokens. */
export function mdlmMethod(_o: MdlmObjective, ctx: MethodContext): Method {
  const V = ctx.vocabSize;
  const schedule = new LogLinearSchedule();
  const scorer = mdlmElboScorer({ schedule, vocabSize: V });
  return {
    kind: "mdlm",
    modelKind: "dit",
    inputSize: V + 1, // tokens and [MASK] = V; the loss removes the MASK column (SUBS)
    outputSize: V + 1,
    clusters: null,
    loss: diffusionLoss(ctx.times, scorer.noise, (logits, b, z, t, training) => {
      const r = mdlmLoss(logits, b.tokens, z, t, { schedule, vocabSize: V, padMask: b.mask });
      return training ? r.trainLoss : r.elbo;
    }),
    // A random [MASK] row, as in the MDLM reference: MDLM's loss lives only at [MASK] positions, so a zero row
    // (HDLM's init, hdlm.md §1.4) would give them a zero hidden state, zero head gradients and a unigram model.
    initParams: () => undefined,
    scorer,
    sampler: (options = {}) => new MdlmSampler({ vocabSize: V, ...options }),
  };
}
