// Tempered categorical draws for the samplers: Gumbel-max over log-weights / T (draws ∝ p^{1/T}), greedy
// argmax at T = 0, and min-p truncation; plus the grouped "event then destination" draw of one reverse step.
import { SeededRng } from "../util/rng";

/** Throws naming `temperature` unless it is a finite number >= 0 (0 = greedy argmax). */
export function checkTemperature(temperature: number): number {
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0) {
    throw new RangeError(`temperature must be a finite number >= 0 (0 = greedy), got ${temperature}`);
  }
  return temperature;
}

/** Throws naming `minP` unless 0 <= minP < 1 (0 = off). */
export function checkMinP(minP: number): number {
  if (typeof minP !== "number" || !(minP >= 0 && minP < 1)) throw new RangeError(`minP must be a number in [0, 1) (0 = off), got ${minP}`);
  return minP;
}

/**
 * Index (relative to `offset`) drawn from the unnormalised weights `w[offset .. offset+length)` with
 * probability ∝ w^{1/T}: `argmax_i (log w_i / T + Gumbel_i)` (hdlm.md §6, "Sampling from probabilities with
 * temperature T"; the reference's `add_gumbel_noise`). T = 0 is the plain argmax. With `minP > 0` entries below
 * `minP * max(w)` are dropped first (as the GIDD sampler's min-p). Entries <= 0 are never drawn; returns -1 if
 * every entry is <= 0. `exclude` (relative index) is skipped as if its weight were 0.
 */
export function drawTempered(w: ArrayLike<number>, offset: number, length: number, temperature: number, rng: SeededRng, minP = 0, exclude = -1): number {
  let max = 0;
  let arg = -1;
  for (let i = 0; i < length; i++) {
    if (i === exclude) continue;
    const v = w[offset + i];
    if (v > max) {
      max = v;
      arg = i;
    }
  }
  if (arg < 0 || temperature === 0) return arg;
  const floor = minP > 0 ? minP * max : 0;
  let best = -Infinity;
  let pick = arg;
  const invT = 1 / temperature;
  for (let i = 0; i < length; i++) {
    if (i === exclude) continue;
    const v = w[offset + i];
    if (!(v > 0) || v < floor) continue;
    const score = Math.log(v) * invT + rng.gumbel();
    if (score > best) {
      best = score;
      pick = i;
    }
  }
  return pick;
}

/** Index (relative to `offset`) of the largest entry of `w[offset .. offset+length)`; -1 if all are <= 0. */
export function argmaxPositive(w: ArrayLike<number>, offset: number, length: number): number {
  let max = 0;
  let arg = -1;
  for (let i = 0; i < length; i++) {
    if (w[offset + i] > max) {
      max = w[offset + i];
      arg = i;
    }
  }
  return arg;
}

/**
 * One position's reverse-step draw from its posterior row `row[offset .. offset+width)` over the ids
 * 0..V-1 tokens, V MASK, V+1..V+n clusters (n = 0 for MDLM). First the event is drawn from the row's masses
 * (stay on `current`, move to a token, move to a cluster) exactly; then the destination within the chosen group
 * is drawn with temperature and min-p ({@link drawTempered}). With T = 1 and minP = 0 this is an exact draw
 * from the row; temperature only sharpens the destination distributions (x̂, P_θ/Q_θ, x̃(.|k)), never the
 * schedule's stay/move probabilities, as in the reference sampler.
 */
export function drawGrouped(
  row: ArrayLike<number>,
  offset: number,
  current: number,
  V: number,
  n: number,
  temperature: number,
  rng: SeededRng,
  minP = 0,
): number {
  if (current < V) return current; // clean tokens are carried over, never re-sampled (hdlm.md §6 step 1)
  let toToken = 0;
  for (let v = 0; v < V; v++) toToken += Math.max(0, row[offset + v]);
  const stay = Math.max(0, row[offset + current]);
  let toCluster = 0;
  for (let k = 0; k < n; k++) {
    const id = V + 1 + k;
    if (id !== current) toCluster += Math.max(0, row[offset + id]);
  }
  const total = toToken + stay + toCluster;
  if (!(total > 0)) return current;
  const u = rng.uniform() * total;
  if (u < stay) return current;
  if (u < stay + toToken && toToken > 0) {
    const v = drawTempered(row, offset, V, temperature, rng, minP);
    return v < 0 ? current : v;
  }
  if (toCluster > 0) {
    const k = drawTempered(row, offset + V + 1, n, temperature, rng, minP, current > V ? current - V - 1 : -1);
    return k < 0 ? current : V + 1 + k;
  }
  const v = drawTempered(row, offset, V, temperature, rng, minP);
  return v < 0 ? current : v;
}
