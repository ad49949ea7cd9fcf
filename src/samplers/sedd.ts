// SEDD's reverse steps (Lou et al. 2024, `sampling.py`, `graph_lib.py`): Euler (tau-leaping) and analytic
// (Tweedie) step probabilities, the final denoise, and the SEDD sampler on the shared loop of ./sampler.
import { tf } from "../engine/tf";
import { SeededRng, toSeededRng } from "../util/rng";
import { SigmaSchedule } from "../schedules/sedd";
import { SeddGraph, seddNumStates } from "../losses/sedd";
import { Denoiser, GridSampler, StepGrid, checkSteps, initialState } from "./sampler";

function checkStep(name: string, graph: SeddGraph, logScore: tf.Tensor3D, xt: tf.Tensor2D): number {
  if (graph !== "absorbing" && graph !== "uniform") throw new RangeError(`${name}: graph must be 'absorbing' or 'uniform', got ${String(graph)}`);
  if (logScore.rank !== 3) throw new RangeError(`${name}: logScore must be [B, L, states], got shape [${logScore.shape}]`);
  const [B, L, S] = logScore.shape;
  if (xt.rank !== 2 || xt.shape[0] !== B || xt.shape[1] !== L) throw new RangeError(`${name}: xt must be [${B}, ${L}], got [${xt.shape}]`);
  return S;
}

/**
 * Euler (tau-leaping) step probabilities `[B, L, S]` (baselines.md §3): `onehot(x) + rateScale R` with reverse
 * rates `R_y = Q(y, x) s_y` (y != x) and `R_x = -sum R_y`; `rateScale = dt * dsigma(t)`. Absorbing: a MASK moves to
 * y with probability `rateScale s_y`, clean tokens stay. Rows sum to 1; entries are >= 0 only for small dt
 * (draws treat negatives as 0, as SEDD's Gumbel draw effectively does).
 */
export function seddEulerProbs(graph: SeddGraph, logScore: tf.Tensor3D, xt: tf.Tensor2D, rateScale: number): tf.Tensor3D {
  const S = checkStep("seddEulerProbs", graph, logScore, xt);
  if (!(rateScale >= 0) || !Number.isFinite(rateScale)) throw new RangeError(`rateScale (dt * dsigma) must be a finite number >= 0, got ${rateScale}`);
  return tf.tidy(() => {
    const hot = tf.oneHot(tf.cast(xt, "int32"), S);
    const score = tf.exp(logScore);
    let weights: tf.Tensor; // Q(y, x) for y != x
    if (graph === "absorbing") {
      const isMask = tf.expandDims(tf.cast(tf.equal(xt, S - 1), "float32"), -1);
      weights = tf.mul(isMask, tf.sub(1, hot));
    } else {
      weights = tf.mul(1 / S, tf.sub(1, hot));
    }
    // Zero weights first so that inf scores at impossible moves cannot make NaN.
    const rate = tf.where(tf.greater(weights, 0), tf.mul(weights, score), tf.zerosLike(score));
    const out = tf.sub(rate, tf.mul(hot, tf.sum(rate, -1, true)));
    return tf.add(hot, tf.mul(rateScale, out)) as tf.Tensor3D;
  });
}

/**
 * Analytic (Tweedie) step probabilities `[B, L, S]` for a step with `deltaSigma = sigma(t) - sigma(s)`
 * (baselines.md §3): staggered score times the transposed transition. Absorbing: staggered score `s e^{dS}` plus
 * `(1 - e^{dS}) sum s` at MASK; transposed transition from MASK `e^{-dS}` on MASK plus `1 - e^{-dS}` everywhere,
 * from a clean token `e^{-dS}` on itself. Uniform (`graph_lib.Uniform`): staggered `s e^{dS} + ((e^{-dS} - 1)/(S e^{-dS})) sum s`,
 * transposed transition `(1 - e^{-dS})/S` off the diagonal and the rest on it.
 * Rows are normalised.
 */
export function seddAnalyticProbs(graph: SeddGraph, logScore: tf.Tensor3D, xt: tf.Tensor2D, deltaSigma: number): tf.Tensor3D {
  const S = checkStep("seddAnalyticProbs", graph, logScore, xt);
  if (!(deltaSigma >= 0) || !Number.isFinite(deltaSigma)) throw new RangeError(`deltaSigma must be a finite number >= 0, got ${deltaSigma}`);
  return tf.tidy(() => {
    const hot = tf.oneHot(tf.cast(xt, "int32"), S);
    const score = tf.exp(logScore);
    let stag: tf.Tensor;
    let trans: tf.Tensor;
    if (graph === "absorbing") {
      const maskRow = tf.reshape(tf.oneHot(tf.tensor1d([S - 1], "int32"), S), [1, 1, S]);
      const extra = tf.mul(-Math.expm1(deltaSigma), tf.sum(score, -1, true));
      stag = tf.add(tf.mul(score, Math.exp(deltaSigma)), tf.mul(extra, maskRow));
      const isMask = tf.expandDims(tf.cast(tf.equal(xt, S - 1), "float32"), -1);
      trans = tf.add(tf.mul(Math.exp(-deltaSigma), hot), tf.mul(isMask, -Math.expm1(-deltaSigma)));
    } else {
      const epow = Math.exp(-deltaSigma);
      stag = tf.add(tf.mul(((epow - 1) / (S * epow)), tf.sum(score, -1, true)), tf.div(score, epow));
      const off = -Math.expm1(-deltaSigma) / S;
      trans = tf.add(tf.mul(off, tf.sub(1, hot)), tf.mul(1 - off * (S - 1), hot));
    }
    // A clean absorbing position only keeps itself: keep impossible moves out of the product (inf * 0).
    const un = tf.maximum(tf.where(tf.greater(trans, 0), tf.mul(stag, trans), tf.zerosLike(trans)), 0);
    return tf.div(un, tf.sum(un, -1, true)) as tf.Tensor3D;
  });
}

/**
 * Final denoise probabilities (baselines.md §3): Tweedie with `deltaSigma = sigma(eps)`; for the absorbing graph
 * the MASK column is dropped (so no MASK can be drawn) and rows renormalised. Returns `[B, L, V]` over real tokens.
 */
export function seddDenoiseProbs(graph: SeddGraph, logScore: tf.Tensor3D, xt: tf.Tensor2D, sigmaEps: number): tf.Tensor3D {
  return tf.tidy(() => {
    const p = seddAnalyticProbs(graph, logScore, xt, sigmaEps);
    if (graph === "uniform") return p;
    const [B, L, S] = p.shape;
    const real = tf.slice(p, [0, 0, 0], [B, L, S - 1]);
    const z = tf.sum(real, -1, true);
    // A row with no mass on real tokens (impossible with a real model) falls back to uniform.
    const safe = tf.where(tf.greater(z, 0), tf.div(real, tf.maximum(z, 1e-30)), tf.fill(real.shape, 1 / (S - 1)));
    return safe as tf.Tensor3D;
  });
}

/** A score model: log-scores `[B, L, states]` at noise level sigma (SEDD conditions on sigma, not t). */
export type SeddScoreFn = (xt: tf.Tensor2D, sigma: number) => tf.Tensor3D;

/**
 * A score function as a {@link Denoiser} for {@link SeddSampler}: the sampler passes the time t of each sequence
 * (one shared time per call), the score function gets sigma(t).
 */
export function seddDenoiser(scoreFn: SeddScoreFn, schedule: SigmaSchedule): Denoiser {
  return (tokens, t) => scoreFn(tokens, schedule.sigma(t.dataSync()[0]));
}

/** Options of {@link SeddSampler}. */
export interface SeddSamplerOptions {
  graph: SeddGraph;
  schedule: SigmaSchedule;
  /** Real vocabulary size V (absorbing: MASK is id V). */
  vocabSize: number;
  /** Number of steps S on `linspace(1, eps, S + 1)` (default 128). */
  steps?: number;
  /** `'euler'` (default) or `'analytic'`. */
  predictor?: "euler" | "analytic";
  /** Final time (default 1e-5). */
  eps?: number;
  /** Run the final denoise step (default true; without it an absorbing sample may keep MASK ids). */
  denoise?: boolean;
  /** Start state, B*L ids (default: all MASK for absorbing, uniform draws for uniform; a prompt overrides it). */
  init?: ArrayLike<number>;
}

/**
 * SEDD sampler (`get_pc_sampler`) on the shared loop: start at the limit, S predictor steps from t = 1 to eps, each
 * position drawn from its Euler (tau-leaping) or analytic (Tweedie) row given the model's log-scores, then the
 * final Tweedie denoise (a draw, not an argmax). The {@link Denoiser} returns log-scores `[B, L, states]` at time t
 * (wrap a sigma-conditioned score function with {@link seddDenoiser}).
 */
export class SeddSampler extends GridSampler {
  readonly name: string;
  readonly graph: SeddGraph;
  readonly schedule: SigmaSchedule;
  readonly vocabSize: number;
  readonly steps: number;
  readonly predictor: "euler" | "analytic";
  readonly eps: number;
  readonly denoise: boolean;
  private readonly init: Int32Array | null;
  private readonly scratch: Float64Array;

  constructor(options: SeddSamplerOptions) {
    super();
    this.graph = options.graph;
    this.vocabSize = options.vocabSize;
    const S = seddNumStates(this.graph, this.vocabSize);
    this.schedule = options.schedule;
    this.steps = checkSteps(options.steps ?? 128);
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps > 0 && this.eps < 1)) throw new RangeError(`eps must be in (0, 1), got ${this.eps}`);
    this.predictor = options.predictor ?? "euler";
    if (this.predictor !== "euler" && this.predictor !== "analytic") throw new RangeError(`predictor must be 'euler' or 'analytic', got ${String(this.predictor)}`);
    this.denoise = options.denoise ?? true;
    this.init = options.init === undefined ? null : Int32Array.from(options.init);
    this.scratch = new Float64Array(S);
    this.name = `sedd-${this.graph}-${this.predictor}(S=${this.steps})`;
  }

  protected get stateWidth(): number {
    return seddNumStates(this.graph, this.vocabSize);
  }

  protected get reuseModelOutput(): boolean {
    return false;
  }

  /** The model output is log-scores, not token probabilities (no clean guess). */
  protected override get outputIsProbs(): boolean {
    return false;
  }

  timeGrid(): StepGrid {
    const dt = (1 - this.eps) / this.steps;
    const pairs = Array.from({ length: this.steps }, (_, i): [number, number] => [1 - i * dt, Math.max(0, 1 - i * dt - dt)]);
    return { start: 1, pairs, final: this.denoise ? this.eps : null };
  }

  protected override modelOutput(denoise: Denoiser, z: Int32Array, B: number, L: number, t: number): tf.Tensor3D {
    const S = this.stateWidth;
    return tf.tidy(() => {
      const out = denoise(tf.tensor2d(z, [B, L], "int32"), tf.fill([B], t, "float32") as tf.Tensor1D);
      if (out.rank !== 3 || out.shape[0] !== B || out.shape[1] !== L || out.shape[2] !== S) throw new RangeError(`scoreFn must return [${B}, ${L}, ${S}] log-scores, got [${out.shape}]`);
      return out;
    });
  }

  protected override initial(B: number, L: number, rng: SeededRng, prompt?: ArrayLike<number>): Int32Array {
    const V = this.vocabSize;
    let z: Int32Array;
    if (this.init !== null) {
      if (this.init.length !== B * L) throw new RangeError(`init must hold B*L = ${B * L} ids, got ${this.init.length}`);
      z = this.init.slice();
    } else if (this.graph === "absorbing") z = new Int32Array(B * L).fill(V);
    else z = new Int32Array(B * L).map(() => rng.int(V));
    const fixed = initialState(B, L, V, V, prompt);
    for (let i = 0; i < z.length; i++) if (fixed[i] < V) z[i] = fixed[i];
    return z;
  }

  protected stepRows(logScore: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number): Float32Array {
    const dt = (1 - this.eps) / this.steps;
    return tf.tidy(() => {
      const x = tf.tensor2d(z, [B, L], "int32");
      const p =
        this.predictor === "euler"
          ? seddEulerProbs(this.graph, logScore, x, dt * this.schedule.dsigma(t))
          : seddAnalyticProbs(this.graph, logScore, x, this.schedule.sigma(t) - this.schedule.sigma(s));
      return p.dataSync() as Float32Array;
    });
  }

  /** A categorical draw from the row (negative Euler entries count as 0). */
  protected drawPosition(rows: Float32Array, offset: number, _current: number, rng: SeededRng): number {
    return drawClamped(rows, offset, this.scratch.length, this.scratch, rng);
  }

  /** Every free position is drawn from the Tweedie denoise at sigma(eps) over the real tokens. */
  protected override finalize(logScore: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, rng: SeededRng, fixed: Uint8Array | null): void {
    const V = this.vocabSize;
    const rows = tf.tidy(() => seddDenoiseProbs(this.graph, logScore, tf.tensor2d(z, [B, L], "int32"), this.schedule.sigma(t)).dataSync() as Float32Array);
    for (let i = 0; i < B * L; i++) if (fixed === null || fixed[i] === 0) z[i] = drawClamped(rows, i * V, V, this.scratch, rng);
  }
}

function drawClamped(rows: Float32Array, offset: number, width: number, scratch: Float64Array, rng: SeededRng): number {
  for (let v = 0; v < width; v++) scratch[v] = Math.max(0, rows[offset + v]);
  return rng.categorical(scratch, 0, width);
}

/** Options of {@link seddSample}. */
export interface SeddSampleOptions extends Omit<SeddSamplerOptions, "init"> {
  batch: number;
  length: number;
  /** Starting state `[B, L]` (default: all MASK for absorbing, uniform draws for uniform). */
  init?: tf.Tensor2D;
}

/**
 * SEDD sampling as a free function (kept for its callers): {@link SeddSampler} with a sigma-conditioned score
 * function. Returns `[B, L]` int32.
 */
export function seddSample(scoreFn: SeddScoreFn, options: SeddSampleOptions, rng: SeededRng | number): tf.Tensor2D {
  const { batch: B, length: L } = options;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(L) || L < 1) throw new RangeError(`batch and length must be integers >= 1, got ${B}, ${L}`);
  if (options.init !== undefined && (options.init.shape[0] !== B || options.init.shape[1] !== L)) throw new RangeError(`init must be [${B}, ${L}], got [${options.init.shape}]`);
  const init = options.init === undefined ? undefined : options.init.dataSync();
  const sampler = new SeddSampler({ ...options, init });
  const r = sampler.sample(seddDenoiser(scoreFn, options.schedule), { batch: B, length: L, seed: toSeededRng(rng) });
  return tf.tensor2d(r.tokens.data, [B, L], "int32");
}
