// GIDD forward noising (baselines.md §2): z_t ~ q_t(. | x) = alpha_t x + (t/C_t) MASK + (c_t/C_t) uniform over the
// V real tokens, drawn per position with a seeded generator on int32 tensors (MASK is id V).
import { tf } from "../engine/tf";
import { checkTime } from "../schedules/schedule";
import type { GiddSchedule } from "../schedules/gidd";
import { SeededRng, toSeededRng } from "../util/rng";

/**
 * Samples GIDD's z_t for clean tokens x [B, L] (int32, ids in [0, V)) at one time per sequence t ([B] or a number):
 * per position one uniform u: x if u < alpha_t, MASK (= V) if u < alpha_t + t/C_t, else a real token drawn uniformly
 * from all V (x included, as `q_t` spreads c_t/C_t over the V − 1 non-MASK states of the V + 1 = GIDD's "V"). Returns
 * [B, L] int32 ids in [0, V].
 */
export function sampleGiddForward(schedule: GiddSchedule, vocabSize: number, x: tf.Tensor2D, t: tf.Tensor1D | number, seedOrRng: number | SeededRng): tf.Tensor2D {
  const V = vocabSize;
  if (!Number.isInteger(V) || V < 1) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
  if (x.rank !== 2) throw new RangeError(`x must be a [B, L] int32 tensor, got shape [${x.shape}]`);
  if (x.dtype !== "int32") throw new TypeError(`x must have dtype int32, got ${x.dtype}`);
  const rng = toSeededRng(seedOrRng);
  const [B, L] = x.shape;
  let times: ArrayLike<number>;
  if (typeof t === "number") times = new Float64Array(B).fill(checkTime(t));
  else {
    if (t.rank !== 1 || t.shape[0] !== B) throw new RangeError(`t must have shape [${B}] (one time per sequence), got [${t.shape}]`);
    times = t.dataSync();
    for (let b = 0; b < B; b++) checkTime(times[b], `t[${b}]`);
  }
  const xs = x.dataSync() as Int32Array;
  for (let i = 0; i < xs.length; i++) if (xs[i] < 0 || xs[i] >= V) throw new RangeError(`x holds ${xs[i]} at flat index ${i}; clean tokens must lie in [0, ${V})`);
  const out = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const a = schedule.alpha(times[b]);
    const am = a + schedule.maskMass(times[b]);
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      const u = rng.uniform();
      out[i] = u < a ? xs[i] : u < am ? V : rng.int(V);
    }
  }
  return tf.tensor2d(out, [B, L], "int32");
}
