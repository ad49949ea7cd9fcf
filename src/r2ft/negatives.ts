// R2FT's rule-built rejected continuations (decoding.md §3 "Negatives", reference `q_xt_finetune_repeat`): cut the
// response at c, mask the suffix, and fill [c, c+z) with a short phrase from just before c repeated cyclically.
import { SeededRng, toSeededRng } from "../util/rng";
import { R2ftNegativeOptions, checkR2ftNegativeOptions } from "./config";

/** One training example: the clean sequence and its response span [responseStart, responseEnd). */
export interface R2ftExample {
  x0: ArrayLike<number>;
  responseStart: number;
  responseEnd: number;
}

/** One negative (decoding.md §3): the input x_t, the rejected x_b, the drawn rule parameters and the loss masks. */
export interface R2ftNegative {
  /** x_0 with every position >= c set to MASK (deterministic suffix masking). */
  xt: Int32Array;
  /** x_b: x_t with [c, c+z) filled by the repeated phrase (and possibly one EOS); MASK after the span. */
  rejected: Int32Array;
  /** c ~ U[responseStart, responseEnd). */
  cut: number;
  /** g: the phrase is x_0[c−g : c]. */
  phraseLength: number;
  /** The span length actually written: z ~ U{repeatMin … repeatMax}, clipped at the sequence end. */
  repeatLength: number;
  /** The drawn z before clipping. */
  drawnRepeatLength: number;
  /** rejected[c + j] = phrase[(j + phase) % g]. */
  phase: number;
  /** Where EOS was planted, in [c, c+z−1); −1 if none. */
  eosPosition: number;
  /** 1 on the chosen positions that count: the response positions masked in x_t, [c, responseEnd). */
  chosenMask: Uint8Array;
  /** 1 on the rejected span [c, c+z). */
  rejectedMask: Uint8Array;
}

/**
 * Builds one negative by the rules of decoding.md §3 with a seeded generator:
 * 1. c ~ U[r0, r1); x_t = x_0 with positions >= c set to MASK;
 * 2. g ~ U{1 … min(maxPhrase, c)} (the reference draws U{1 … 14}; capping at c keeps the phrase inside the sequence);
 *    the phrase is x_0[c−g : c];
 * 3. z ~ U{repeatMin … repeatMax}, span [c, min(L, c+z)); x_b there is the phrase repeated cyclically from a random
 *    phase ~ U{0 … g−1};
 * 4. with probability eosP, one position ~ U[c, c+z−1) becomes EOS (never the last span position; no EOS when the
 *    span has a single position).
 * Requires 1 <= r0 < r1 <= L. Draw order: c, g, z, phase, then the EOS coin and position.
 * "High-prior token" negatives (named in the paper) have no rule in the reference code and are left out.
 */
export function buildR2ftNegative(example: R2ftExample, options: R2ftNegativeOptions, seedOrRng: number | SeededRng): R2ftNegative {
  const o = checkR2ftNegativeOptions(options);
  const rng = toSeededRng(seedOrRng);
  const { x0, responseStart: r0, responseEnd: r1 } = example;
  const L = x0.length;
  if (!Number.isInteger(r0) || r0 < 1) throw new RangeError(`responseStart must be an integer >= 1 (the phrase needs a token before the cut), got ${r0}`);
  if (!Number.isInteger(r1) || r1 <= r0 || r1 > L) throw new RangeError(`responseEnd must be an integer in (responseStart = ${r0}, x0.length = ${L}], got ${r1}`);
  for (let i = 0; i < L; i++) if (x0[i] === o.maskId) throw new RangeError(`x0 must not hold the MASK id ${o.maskId}, found at ${i}`);
  const cut = r0 + rng.int(r1 - r0);
  const g = 1 + rng.int(Math.min(o.maxPhrase, cut));
  const z = o.repeatMin + rng.int(o.repeatMax - o.repeatMin + 1);
  const phase = rng.int(g);
  const end = Math.min(L, cut + z);
  const xt = Int32Array.from(x0);
  xt.fill(o.maskId, cut);
  const rejected = xt.slice();
  for (let j = 0; cut + j < end; j++) rejected[cut + j] = x0[cut - g + ((j + phase) % g)];
  let eosPosition = -1;
  if (rng.uniform() < o.eosP && end - 1 > cut) {
    eosPosition = cut + rng.int(end - 1 - cut);
    rejected[eosPosition] = o.eosId;
  }
  const chosenMask = new Uint8Array(L);
  chosenMask.fill(1, cut, r1);
  const rejectedMask = new Uint8Array(L);
  rejectedMask.fill(1, cut, end);
  return { xt, rejected, cut, phraseLength: g, repeatLength: end - cut, drawnRepeatLength: z, phase, eosPosition, chosenMask, rejectedMask };
}

/** A batch of negatives as flat [B * L] arrays (one shared L), ready for tensors and {@link r2ftObjective}. */
export interface R2ftBatch {
  batch: number;
  length: number;
  x0: Int32Array;
  xt: Int32Array;
  rejected: Int32Array;
  chosenMask: Float32Array;
  rejectedMask: Float32Array;
  negatives: R2ftNegative[];
}

/** Builds one negative per example with one generator (examples in order); all x0 must share one length. */
export function buildR2ftBatch(examples: ReadonlyArray<R2ftExample>, options: R2ftNegativeOptions, seedOrRng: number | SeededRng): R2ftBatch {
  if (examples.length === 0) throw new RangeError("examples must hold at least one example");
  const L = examples[0].x0.length;
  const B = examples.length;
  const rng = toSeededRng(seedOrRng);
  const out: R2ftBatch = {
    batch: B,
    length: L,
    x0: new Int32Array(B * L),
    xt: new Int32Array(B * L),
    rejected: new Int32Array(B * L),
    chosenMask: new Float32Array(B * L),
    rejectedMask: new Float32Array(B * L),
    negatives: [],
  };
  examples.forEach((ex, b) => {
    if (ex.x0.length !== L) throw new RangeError(`x0 of example ${b} must have length ${L} like example 0, got ${ex.x0.length}`);
    const neg = buildR2ftNegative(ex, options, rng);
    out.x0.set(Array.from(ex.x0), b * L);
    out.xt.set(neg.xt, b * L);
    out.rejected.set(neg.rejected, b * L);
    out.chosenMask.set(neg.chosenMask, b * L);
    out.rejectedMask.set(neg.rejectedMask, b * L);
    out.negatives.push(neg);
  });
  return out;
}
