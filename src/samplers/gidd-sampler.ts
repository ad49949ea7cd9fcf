// GIDD's full ancestral sampler (baselines.md §2, dvruette/gidd `GiddSampler`): all MASK start, the HDLM grid, the
// posterior q(z_s | z_t, x̂) at every position (no carry-over: tokens may change again), then a final argmax of MASKs.
import { tf } from "../engine/tf";
import { SeededRng } from "../util/rng";
import { GiddSchedule } from "../schedules/gidd";
import { giddPosterior } from "./gidd";
import { hdlmGrid } from "./hdlm-sampler";
import { checkMinP, checkTemperature, drawTempered } from "./gumbel";
import { GridSampler, StepGrid, checkSteps, checkVocabSize } from "./sampler";
import type { DecodingKind } from "../decoding/decoding-config";

/** Options of {@link GiddSampler}. */
export interface GiddSamplerOptions {
  schedule: GiddSchedule;
  /** V real tokens; MASK is id V (GIDD's V + 1 states). */
  vocabSize: number;
  /** Stochastic steps (default 128, GIDD's evaluation default). */
  steps?: number;
  /** Draws ∝ p^{1/T} (Gumbel-max); 0 = greedy (default 1 = the exact posterior). */
  temperature?: number;
  /** Drop states below minP * (row max) before drawing (default 0 = off). */
  minP?: number;
  /** ε of the grid ts_j = (1 − 2ε) j/N + ε (default 1e-4, as HDLM). */
  tEps?: number;
}

/**
 * GIDD sampler: from all MASK at ts_N = 1 − ε, N steps t -> s each drawing every position from
 * {@link giddPosterior} (clean, uniform-noised and MASK positions alike: no carry-over, so a token may be replaced
 * again, GIDD's self-correction). After the last step any remaining MASK becomes the argmax of x̂ at ts_0.
 */
export class GiddSampler extends GridSampler {
  readonly name: string;
  readonly schedule: GiddSchedule;
  readonly vocabSize: number;
  readonly steps: number;
  readonly temperature: number;
  readonly minP: number;
  readonly tEps: number;

  constructor(options: GiddSamplerOptions) {
    super();
    this.schedule = options.schedule;
    this.vocabSize = checkVocabSize(options.vocabSize);
    this.steps = checkSteps(options.steps ?? 128);
    this.temperature = checkTemperature(options.temperature ?? 1);
    this.minP = checkMinP(options.minP ?? 0);
    this.tEps = options.tEps ?? 1e-4;
    hdlmGrid(this.steps, "hdlm-lab", this.tEps); // validates tEps
    this.name = `gidd(N=${this.steps}, T=${this.temperature}${this.minP > 0 ? `, minP=${this.minP}` : ""})`;
  }

  protected get stateWidth(): number {
    return this.vocabSize + 1;
  }

  protected get reuseModelOutput(): boolean {
    return false;
  }

  timeGrid(): StepGrid {
    return hdlmGrid(this.steps, "hdlm-lab", this.tEps);
  }

  /** 'hdlm-conv' gates GIDD's MASK departures (the same row gate; hdlm-lab's extension). */
  protected override get decodingKinds(): readonly DecodingKind[] {
    return ["hdlm-conv", "confidence", "semi-ar"];
  }

  protected override blockPairs(steps: number): Array<[number, number]> {
    return hdlmGrid(steps, "hdlm-lab", this.tEps).pairs;
  }

  protected stepRows(probs: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number): Float32Array {
    return tf.tidy(() => {
      const xHat = tf.pad(probs, [[0, 0], [0, 0], [0, 1]]) as tf.Tensor3D; // MASK column 0
      return giddPosterior(this.schedule, xHat, tf.tensor2d(z, [B, L], "int32"), t, s, { maskId: this.vocabSize }).dataSync() as Float32Array;
    });
  }

  /** Every position (clean ones too) is drawn from its posterior row with temperature and min-p. */
  protected drawPosition(rows: Float32Array, offset: number, current: number, rng: SeededRng): number {
    const next = drawTempered(rows, offset, this.vocabSize + 1, this.temperature, rng, this.minP);
    return next >= 0 ? next : current;
  }
}
