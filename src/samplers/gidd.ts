// GIDD's reverse step t -> s: the posterior q(z_s | z_t, x_hat) over all V states (no carry-over, so tokens can
// change again), an optional min-p truncation, and a seeded categorical draw (dvruette/gidd `GiddSampler`).
import { tf } from "../engine/tf";
import { SeededRng, toSeededRng } from "../util/rng";
import { GiddSchedule, checkVocab } from "../schedules/gidd";
import { checkTime } from "../schedules/schedule";

/** Options of {@link giddPosterior}. */
export interface GiddPosteriorOptions {
  /** Index of MASK among the V states (default V - 1). */
  maskId?: number;
  /** Drop states with probability < minP * (row max), then renormalise (0 = off, the default). */
  minP?: number;
}

/**
 * GIDD posterior (baselines.md §2, GIDD sampler):
 * `q(z_s | z_t, x_hat) ∝ [alpha_{t|s} [z_s = z_t] + beta_{t|s} pi_{t|s}(z_t)] q_s(z_s | x_hat)`, with
 * `alpha_{t|s} = alpha_t/alpha_s`, `beta_{t|s} pi_{t|s} = beta_t pi_t - alpha_{t|s} beta_s pi_s` and
 * `q_s(.|x_hat) = alpha_s x_hat + beta_s pi_s`. Rows sum to 1. `xHat` is `[B, L, V]` probabilities (the MASK
 * entry is ignored and treated as 0); `zt` is `[B, L]` int32; `0 <= s < t <= 1`.
 */
export function giddPosterior(
  schedule: GiddSchedule,
  xHat: tf.Tensor3D,
  zt: tf.Tensor2D,
  t: number,
  s: number,
  options: GiddPosteriorOptions = {},
): tf.Tensor3D {
  checkTime(t, "t");
  checkTime(s, "s");
  if (!(s < t)) throw new RangeError(`s must be < t (a reverse step), got s = ${s}, t = ${t}`);
  if (xHat.rank !== 3) throw new RangeError(`xHat must be [B, L, V] probabilities, got shape [${xHat.shape}]`);
  const [B, L, V] = xHat.shape;
  if (zt.rank !== 2 || zt.shape[0] !== B || zt.shape[1] !== L) throw new RangeError(`zt must be [${B}, ${L}], got [${zt.shape}]`);
  const maskId = options.maskId ?? V - 1;
  checkVocab(V, maskId, "giddPosterior");
  const minP = options.minP ?? 0;
  if (!(minP >= 0 && minP < 1)) throw new RangeError(`minP must be in [0, 1), got ${minP}`);
  const N = V - 1;
  const aT = schedule.alpha(t);
  const aS = schedule.alpha(s);
  const aTS = aT / aS;
  const mT = schedule.maskMass(t);
  const mS = schedule.maskMass(s);
  const uT = schedule.uniformMass(t) / N;
  const uS = schedule.uniformMass(s) / N;
  // beta_{t|s} pi_{t|s} on MASK and on a real token.
  const bpMask = mT - aTS * mS;
  const bpTok = uT - aTS * uS;
  return tf.tidy(() => {
    const maskRow = tf.reshape(tf.oneHot(tf.tensor1d([maskId], "int32"), V), [1, 1, V]);
    const xh = tf.mul(xHat, tf.sub(1, maskRow));
    const betaPiS = tf.add(tf.mul(uS, tf.sub(1, maskRow)), tf.mul(mS, maskRow));
    const qs = tf.add(tf.mul(aS, xh), betaPiS); // [B, L, V]
    const isMask = tf.expandDims(tf.cast(tf.equal(zt, maskId), "float32"), -1); // [B, L, 1]
    const bp = tf.add(tf.mul(isMask, bpMask), tf.mul(tf.sub(1, isMask), bpTok));
    const stay = tf.mul(aTS, tf.oneHot(tf.cast(zt, "int32"), V));
    let un = tf.mul(tf.add(stay, bp), qs);
    un = tf.maximum(un, 0); // rounding can leave -1e-12 where bp is 0 in exact arithmetic
    let p = tf.div(un, tf.sum(un, -1, true));
    if (minP > 0) {
      const keep = tf.greaterEqual(p, tf.mul(minP, tf.max(p, -1, true)));
      const kept = tf.where(keep, p, tf.zerosLike(p));
      p = tf.div(kept, tf.sum(kept, -1, true));
    }
    return p as tf.Tensor3D;
  });
}

/**
 * Draws one state per row from `[B, L, V]` probabilities with a seeded generator; returns `[B, L]` int32.
 * Negative entries (Euler steps with too large a dt) are treated as 0.
 */
export function drawCategoricalRows(probs: tf.Tensor3D, rng: SeededRng | number): tf.Tensor2D {
  if (probs.rank !== 3) throw new RangeError(`probs must be [B, L, V], got shape [${probs.shape}]`);
  const g = toSeededRng(rng);
  const [B, L, V] = probs.shape;
  const data = probs.dataSync();
  const out = new Int32Array(B * L);
  const row = new Float64Array(V);
  for (let i = 0; i < B * L; i++) {
    for (let v = 0; v < V; v++) row[v] = Math.max(0, data[i * V + v]);
    out[i] = g.categorical(row);
  }
  return tf.tensor2d(out, [B, L], "int32");
}

/** One GIDD reverse step t -> s: posterior then a seeded draw. Returns new `[B, L]` int32 states. */
export function giddStep(
  schedule: GiddSchedule,
  xHat: tf.Tensor3D,
  zt: tf.Tensor2D,
  t: number,
  s: number,
  rng: SeededRng | number,
  options: GiddPosteriorOptions = {},
): tf.Tensor2D {
  const p = giddPosterior(schedule, xHat, zt, t, s, options);
  try {
    return drawCategoricalRows(p, rng);
  } finally {
    p.dispose();
  }
}
