// SEDD's reverse steps (Lou et al. 2024, `sampling.py`, `graph_lib.py`): Euler (tau-leaping) and analytic
// (Tweedie) step probabilities, the final denoise, and a seeded sampling loop over a score function.
import { tf } from "../engine/tf";
import { SeededRng, toSeededRng } from "../processes/rng";
import { SigmaSchedule } from "../schedules/sedd";
import { SeddGraph, seddNumStates } from "../losses/sedd";
import { drawCategoricalRows } from "./gidd";

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

/** Options of {@link seddSample}. */
export interface SeddSampleOptions {
  graph: SeddGraph;
  schedule: SigmaSchedule;
  /** Real vocabulary size V. */
  vocabSize: number;
  batch: number;
  length: number;
  /** Number of steps S on `linspace(1, eps, S + 1)` (default 128). */
  steps?: number;
  /** `'euler'` (default) or `'analytic'`. */
  predictor?: "euler" | "analytic";
  /** Final time (default 1e-5). */
  eps?: number;
  /** Run the final denoise step (default true). */
  denoise?: boolean;
  /** Starting state `[B, L]` (default: all MASK for absorbing, uniform draws for uniform). */
  init?: tf.Tensor2D;
}

/**
 * SEDD sampling loop (`get_pc_sampler`): start at the limit, take S predictor steps from t = 1 to eps, then the
 * final denoise. Tokens at each position move independently given the scores (tau-leaping). Returns `[B, L]` int32.
 */
export function seddSample(scoreFn: SeddScoreFn, options: SeddSampleOptions, rng: SeededRng | number): tf.Tensor2D {
  const { graph, schedule, vocabSize: V, batch: B, length: L } = options;
  const S = seddNumStates(graph, V);
  const steps = options.steps ?? 128;
  const eps = options.eps ?? 1e-5;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be an integer >= 1, got ${steps}`);
  if (!(eps > 0 && eps < 1)) throw new RangeError(`eps must be in (0, 1), got ${eps}`);
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(L) || L < 1) throw new RangeError(`batch and length must be integers >= 1, got ${B}, ${L}`);
  const predictor = options.predictor ?? "euler";
  if (predictor !== "euler" && predictor !== "analytic") throw new RangeError(`predictor must be 'euler' or 'analytic', got ${String(predictor)}`);
  const g = toSeededRng(rng);
  let x: tf.Tensor2D;
  if (options.init !== undefined) {
    if (options.init.shape[0] !== B || options.init.shape[1] !== L) throw new RangeError(`init must be [${B}, ${L}], got [${options.init.shape}]`);
    x = tf.clone(options.init);
  } else if (graph === "absorbing") {
    x = tf.fill([B, L], V, "int32") as tf.Tensor2D;
  } else {
    const u = new Int32Array(B * L).map(() => g.int(V));
    x = tf.tensor2d(u, [B, L], "int32");
  }
  const dt = (1 - eps) / steps;
  for (let i = 0; i < steps; i++) {
    const t = 1 - i * dt;
    const probs = tf.tidy(() => {
      const ls = scoreFn(x, schedule.sigma(t));
      if (ls.shape[2] !== S) throw new RangeError(`scoreFn must return ${S} states, got ${ls.shape[2]}`);
      return predictor === "euler"
        ? seddEulerProbs(graph, ls, x, dt * schedule.dsigma(t))
        : seddAnalyticProbs(graph, ls, x, schedule.sigma(t) - schedule.sigma(Math.max(0, t - dt)));
    });
    const next = drawCategoricalRows(probs, g);
    probs.dispose();
    x.dispose();
    x = next;
  }
  if (options.denoise ?? true) {
    const sEps = schedule.sigma(eps);
    const probs = tf.tidy(() => seddDenoiseProbs(graph, scoreFn(x, sEps), x, sEps));
    const next = drawCategoricalRows(probs, g);
    probs.dispose();
    x.dispose();
    x = next;
  }
  return x;
}
