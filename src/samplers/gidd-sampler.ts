// GIDD's full ancestral sampler (baselines.md §2, dvruette/gidd `GiddSampler`): all MASK start, the HDLM grid, the
// posterior q(z_s | z_t, x̂) at every position (no carry-over: tokens may change again), then a final argmax of MASKs.
import { tf } from "../engine/tf";
import { toSeededRng, SeededRng } from "../processes/rng";
import { GiddSchedule } from "../schedules/gidd";
import { giddPosterior } from "./gidd";
import { hdlmGrid } from "./hdlm-sampler";
import { checkMinP, checkTemperature, drawTempered } from "./gumbel";
import { Denoiser, ProbsCache, SampleRequest, SampleResult, Sampler, SampleBatch, checkRequest, checkSteps, initialState, snapshot, argmaxMasked } from "./sampler";

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
export class GiddSampler implements Sampler {
  readonly name: string;
  readonly schedule: GiddSchedule;
  readonly vocabSize: number;
  readonly steps: number;
  readonly temperature: number;
  readonly minP: number;
  readonly tEps: number;

  constructor(options: GiddSamplerOptions) {
    const V = options.vocabSize;
    if (!Number.isInteger(V) || V <= 0) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
    this.schedule = options.schedule;
    this.vocabSize = V;
    this.steps = checkSteps(options.steps ?? 128);
    this.temperature = checkTemperature(options.temperature ?? 1);
    this.minP = checkMinP(options.minP ?? 0);
    this.tEps = options.tEps ?? 1e-4;
    hdlmGrid(this.steps, "hdlm-lab", this.tEps); // validates tEps
    this.name = `gidd(N=${this.steps}, T=${this.temperature}${this.minP > 0 ? `, minP=${this.minP}` : ""})`;
  }

  sample(denoise: Denoiser, request: SampleRequest): SampleResult {
    const { B, L } = checkRequest(request);
    const V = this.vocabSize;
    const rng = toSeededRng(request.seed ?? 0);
    const z = initialState(B, L, V, V, request.prompt);
    const fixed = request.prompt === undefined ? null : initialState(B, L, V, V, request.prompt).map((id) => (id < V ? 1 : 0));
    const { pairs, final, start } = hdlmGrid(this.steps, "hdlm-lab", this.tEps);
    const cache = new ProbsCache(false);
    const emit = (step: number, t: number) => request.onStep?.(step, t, snapshot(z, B, L));
    try {
      emit(0, start);
      pairs.forEach(([t, s], j) => {
        this.transition(cache.get(denoise, z, B, L, t, V, true), z, B, L, t, s, rng, fixed);
        emit(j + 1, s);
      });
      argmaxMasked(cache.get(denoise, z, B, L, final, V, true), z, V);
      emit(pairs.length + 1, 0);
    } finally {
      cache.dispose();
    }
    return { tokens: snapshot(z, B, L), steps: pairs.length, modelCalls: cache.modelCalls, cacheHits: 0 };
  }

  /** One reverse step t -> s of a host state (ids in [0, V]); `state` is not modified. */
  step(denoise: Denoiser, state: SampleBatch, t: number, s: number, rng: SeededRng | number): SampleBatch {
    const z = state.data.slice();
    for (let i = 0; i < z.length; i++) if (!(z[i] >= 0 && z[i] <= this.vocabSize)) throw new RangeError(`state holds ${z[i]} at flat index ${i}; ids must lie in [0, ${this.vocabSize}]`);
    const probs = new ProbsCache(false).get(denoise, z, state.batch, state.length, t, this.vocabSize, true);
    try {
      this.transition(probs, z, state.batch, state.length, t, s, toSeededRng(rng), null);
    } finally {
      probs.dispose();
    }
    return snapshot(z, state.batch, state.length);
  }

  /** Draws z_s in place at every position not fixed by the prompt. */
  private transition(probs: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number, rng: SeededRng, fixed: Uint8Array | Int32Array | null): void {
    const V = this.vocabSize;
    const W = V + 1;
    const rows = tf.tidy(() => {
      const xHat = tf.pad(probs, [[0, 0], [0, 0], [0, 1]]) as tf.Tensor3D; // MASK column 0
      return giddPosterior(this.schedule, xHat, tf.tensor2d(z, [B, L], "int32"), t, s, { maskId: V }).dataSync() as Float32Array;
    });
    for (let i = 0; i < B * L; i++) {
      if (fixed !== null && fixed[i] === 1) continue;
      const next = drawTempered(rows, i * W, W, this.temperature, rng, this.minP);
      if (next >= 0) z[i] = next;
    }
  }
}
