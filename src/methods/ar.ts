// The autoregressive method: a causal transformer trained on next-token cross-entropy (the AR baseline and the
// generative-PPL scorer). Its likelihood is exact, so it has no ELBO scorer and no diffusion sampler.
import { arForward } from "../models/transformer";
import { causalCrossEntropy } from "../losses/causal";
import type { Method, MethodContext } from "./types";

/** The AR objective's config. */
export interface ArObjective {
  kind: "ar";
}

/** The AR objective's fields (beyond `kind`: none). */
export function parseArObjective(): ArObjective {
  return { kind: "ar" };
}

/** The AR method over V tokens: embedding rows and head columns V. */
export function arMethod(_o: ArObjective, ctx: MethodContext): Method {
  const V = ctx.vocabSize;
  return {
    kind: "ar",
    modelKind: "ar",
    inputSize: V,
    outputSize: V,
    clusters: null,
    loss: (params, model, b) => causalCrossEntropy(arForward(params, model, b.tokens, b.mask), b.tokens, b.mask),
    initParams: () => undefined,
    scorer: null,
    sampler: () => {
      throw new Error("an ar run has an exact likelihood (causal NLL) and no diffusion sampler or ELBO scorer");
    },
  };
}
