// MDLM's ddpm-cache sampler (baselines.md §1, kuleshov-group/mdlm `_sample`, `_ddpm_caching_update`): grid
// linspace(1, 1e-5, S+1), MASK -> token with weight p_θ(v)(t-s) or stay with weight s, cache, final argmax.
import { tf } from "../engine/tf";
import { toSeededRng, SeededRng } from "../processes/rng";
import { mdlmDdpmProbs } from "./posterior-mdlm";
import { checkMinP, checkTemperature, drawGrouped } from "./gumbel";
import { Denoiser, ProbsCache, SampleRequest, SampleResult, Sampler, SampleBatch, checkRequest, checkSteps, initialState, snapshot, argmaxMasked } from "./sampler";

/** Options of {@link MdlmSampler}. */
export interface MdlmSamplerOptions {
  /** V real tokens; MASK is id V. */
  vocabSize: number;
  /** S: steps (default 128, the reference default). */
  steps?: number;
  /** Last grid time (default 1e-5). */
  tMin?: number;
  /** Token draws ∝ p^{1/T} (Gumbel-max); 0 = greedy (default 1; the reference has no temperature). */
  temperature?: number;
  /** Drop tokens below minP * (max) before drawing (default 0 = off). */
  minP?: number;
  /**
   * The model ignores t (MDLM's default `time_conditioning: False`): then x̂ is reused when no position changed
   * in a step, without a network call. Default false, because hdlm-lab's DiT always conditions on t.
   */
  modelIgnoresTime?: boolean;
}

/** t_j = linspace(1, tMin, S+1) (baselines.md §1). */
export function mdlmGrid(steps: number, tMin = 1e-5): number[] {
  checkSteps(steps);
  if (!(tMin > 0 && tMin < 1)) throw new RangeError(`tMin must be a number in (0, 1), got ${tMin}`);
  const dt = (1 - tMin) / steps;
  return Array.from({ length: steps + 1 }, (_, j) => (j === steps ? tMin : 1 - j * dt));
}

/**
 * MDLM ddpm-cache sampler: from all MASK, S steps t -> s = t - dt, each masked position unmasking with probability
 * (t - s)/t to a token drawn from p_θ ({@link mdlmDdpmProbs}); unmasked tokens are copied. If nothing changed and
 * the model ignores t, the last p_θ is reused (cache). Finally every remaining MASK becomes argmax p_θ at tMin.
 */
export class MdlmSampler implements Sampler {
  readonly name: string;
  readonly vocabSize: number;
  readonly steps: number;
  readonly tMin: number;
  readonly temperature: number;
  readonly minP: number;
  readonly modelIgnoresTime: boolean;

  constructor(options: MdlmSamplerOptions) {
    const V = options.vocabSize;
    if (!Number.isInteger(V) || V <= 0) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
    this.vocabSize = V;
    this.steps = checkSteps(options.steps ?? 128);
    this.tMin = options.tMin ?? 1e-5;
    mdlmGrid(this.steps, this.tMin);
    this.temperature = checkTemperature(options.temperature ?? 1);
    this.minP = checkMinP(options.minP ?? 0);
    this.modelIgnoresTime = options.modelIgnoresTime ?? false;
    this.name = `mdlm-ddpm${this.modelIgnoresTime ? "-cache" : ""}(S=${this.steps}, T=${this.temperature})`;
  }

  sample(denoise: Denoiser, request: SampleRequest): SampleResult {
    const { B, L } = checkRequest(request);
    const V = this.vocabSize;
    const rng = toSeededRng(request.seed ?? 0);
    const z = initialState(B, L, V, V, request.prompt);
    const ts = mdlmGrid(this.steps, this.tMin);
    const cache = new ProbsCache(this.modelIgnoresTime);
    const emit = (step: number, t: number) => request.onStep?.(step, t, snapshot(z, B, L));
    try {
      emit(0, ts[0]);
      let changed = true;
      for (let j = 0; j < this.steps; j++) {
        const probs = cache.get(denoise, z, B, L, ts[j], V, changed);
        changed = this.transition(probs, z, B, L, ts[j], ts[j + 1], rng);
        emit(j + 1, ts[j + 1]);
      }
      const probs = cache.get(denoise, z, B, L, this.tMin, V, changed);
      argmaxMasked(probs, z, V);
      emit(this.steps + 1, 0);
    } finally {
      cache.dispose();
    }
    return { tokens: snapshot(z, B, L), steps: this.steps, modelCalls: cache.modelCalls, cacheHits: cache.cacheHits };
  }

  /** One ddpm step t -> s of a host state (for notebooks and tests); `state` is not modified. */
  step(denoise: Denoiser, state: SampleBatch, t: number, s: number, rng: SeededRng | number): SampleBatch {
    const z = state.data.slice();
    for (let i = 0; i < z.length; i++) if (!(z[i] >= 0 && z[i] <= this.vocabSize)) throw new RangeError(`state holds ${z[i]} at flat index ${i}; ids must lie in [0, ${this.vocabSize}]`);
    const probs = new ProbsCache(false).get(denoise, z, state.batch, state.length, t, this.vocabSize, true);
    try {
      this.transition(probs, z, state.batch, state.length, t, s, toSeededRng(rng));
    } finally {
      probs.dispose();
    }
    return snapshot(z, state.batch, state.length);
  }

  private transition(probs: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number, rng: SeededRng): boolean {
    const V = this.vocabSize;
    const W = V + 1;
    const rows = tf.tidy(() => mdlmDdpmProbs(probs, tf.tensor2d(z, [B, L], "int32"), t, s, V).dataSync() as Float32Array);
    let changed = false;
    for (let i = 0; i < B * L; i++) {
      if (z[i] < V) continue; // copied
      const next = drawGrouped(rows, i * W, V, V, 0, this.temperature, rng, this.minP);
      if (next !== z[i]) changed = true;
      z[i] = next;
    }
    return changed;
  }
}
