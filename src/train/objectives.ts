// The trainer's objective: the method of `config.objective` from the registry (src/methods), over the training data's
// vocabulary, with its cluster map resolved from the training tokens (HDLM) and t drawn as the config says.
import { TimeSampler } from "../schedules/time-sampler";
import { makeMethod, resolveClusters } from "../methods/registry";
import type { Method } from "../methods/types";
import type { TrainConfig } from "./config";
import type { TokenData } from "./text-data";

/** The trainer's objective is a method (src/methods/types.ts). */
export type Objective = Method;

/** The objective for `config.objective` over the corpus vocabulary of `data`. */
export function makeObjective(config: TrainConfig, data: TokenData): Objective {
  const times = new TimeSampler({ method: config.timeSampling, eps: config.tEps, rescale: "symmetric" });
  const clusters = resolveClusters(config.objective, data, config.seed);
  return makeMethod(config.objective, { vocabSize: data.vocabSize, clusters, times });
}
