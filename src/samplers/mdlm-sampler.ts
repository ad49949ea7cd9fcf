// MDLM's ddpm-cache sampler (baselines.md §1, kuleshov-group/mdlm `_sample`, `_ddpm_caching_update`): grid
// linspace(1, 1e-5, S+1), MASK -> token with weight p_θ(v)(alpha_s - alpha_t) or stay with weight 1 - alpha_s, cache,
// final argmax; the step itself is the shared loop of ./sampler.
import { tf } from "../engine/tf";
import { SeededRng } from "../util/rng";
import { mdlmDdpmProbs } from "./posterior-mdlm";
import { checkMinP, checkTemperature, drawGrouped } from "./gumbel";
import { Schedule } from "../schedules/schedule";
import { GridSampler, StepGrid, checkSteps, checkVocabSize } from "./sampler";
import type { DecodingAccess } from "./decoded-step";
import type { DecodingKind } from "../decoding/decoding-config";

/** Options of {@link MdlmSampler}. */
export interface MdlmSamplerOptions {
  /** V real tokens; MASK is id V. */
  vocabSize: number;
  /**
   * The masking schedule alpha_t of the reverse steps (default {@link LINEAR_MASKING}, alpha_t = 1 - t, the MDLM
   * reference sampler's and today's behaviour; pass the training schedule, e.g. LogLinearSchedule, to match it).
   */
  schedule?: MaskingSchedule;
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

/** A masking schedule as the MDLM sampler reads it: alpha_t, the probability that a token is still clean. */
export type MaskingSchedule = Pick<Schedule, "name" | "alpha">;

/**
 * alpha_t = 1 - t, the MDLM reference sampler's implicit schedule (it uses t itself as the mask probability) and
 * {@link MdlmSampler}'s default. Training's {@link LogLinearSchedule} has alpha_t = 1 - (1 - eps) t with eps = 1e-3.
 */
export const LINEAR_MASKING: MaskingSchedule = Object.freeze({ name: "linear", alpha: (t: number) => 1 - t });

/**
 * MDLM ddpm-cache sampler: from all MASK, S steps t -> s = t - dt, each masked position unmasking with probability
 * (alpha_s - alpha_t)/(1 - alpha_t) ((t - s)/t for the default alpha_t = 1 - t) to a token drawn from p_θ
 * ({@link mdlmDdpmProbs}); unmasked tokens are copied. If nothing changed and the model ignores t, the last p_θ is
 * reused (cache). Finally every remaining MASK becomes argmax p_θ at tMin.
 */
export class MdlmSampler extends GridSampler {
  readonly name: string;
  readonly vocabSize: number;
  readonly schedule: MaskingSchedule;
  readonly steps: number;
  readonly tMin: number;
  readonly temperature: number;
  readonly minP: number;
  readonly modelIgnoresTime: boolean;

  constructor(options: MdlmSamplerOptions) {
    super();
    this.vocabSize = checkVocabSize(options.vocabSize);
    this.schedule = options.schedule ?? LINEAR_MASKING;
    this.steps = checkSteps(options.steps ?? 128);
    this.tMin = options.tMin ?? 1e-5;
    mdlmGrid(this.steps, this.tMin);
    this.temperature = checkTemperature(options.temperature ?? 1);
    this.minP = checkMinP(options.minP ?? 0);
    this.modelIgnoresTime = options.modelIgnoresTime ?? false;
    const sched = this.schedule === LINEAR_MASKING ? "" : `, ${this.schedule.name}`;
    this.name = `mdlm-ddpm${this.modelIgnoresTime ? "-cache" : ""}(S=${this.steps}, T=${this.temperature}${sched})`;
  }

  protected get stateWidth(): number {
    return this.vocabSize + 1;
  }

  protected get reuseModelOutput(): boolean {
    return this.modelIgnoresTime;
  }

  timeGrid(): StepGrid {
    const ts = mdlmGrid(this.steps, this.tMin);
    return { start: ts[0], pairs: ts.slice(0, -1).map((t, j): [number, number] => [t, ts[j + 1]]), final: this.tMin };
  }

  /** The mask probability 1 - alpha_t (exactly t for the default schedule). */
  maskProbability(t: number): number {
    return this.schedule === LINEAR_MASKING ? t : 1 - this.schedule.alpha(t);
  }

  protected override get decodingKinds(): readonly DecodingKind[] {
    return ["conv", "hdlm-conv", "confidence", "semi-ar"];
  }

  protected override blockPairs(steps: number): Array<[number, number]> {
    const ts = mdlmGrid(steps, this.tMin);
    return ts.slice(0, -1).map((t, j): [number, number] => [t, ts[j + 1]]);
  }

  /** Adds the paper's SUBS step ('conv'): the gated step runs on the mask probabilities 1 − α at t and s. */
  protected override decodingAccess(): DecodingAccess {
    return { ...super.decodingAccess(), convTimes: (t, s) => [this.maskProbability(t), this.maskProbability(s)] };
  }

  protected stepRows(probs: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number): Float32Array {
    const V = this.vocabSize;
    return tf.tidy(() => mdlmDdpmProbs(probs, tf.tensor2d(z, [B, L], "int32"), this.maskProbability(t), this.maskProbability(s), V).dataSync() as Float32Array);
  }

  protected drawPosition(rows: Float32Array, offset: number, current: number, rng: SeededRng): number {
    return drawGrouped(rows, offset, current, this.vocabSize, 0, this.temperature, rng, this.minP);
  }
}
