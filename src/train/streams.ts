// Counter-based random streams: every random draw of training step k comes from a generator seeded by
// hash(seed, k, stream), so a resumed run draws exactly what an uninterrupted one would (no hidden RNG state).
import { SeededRng } from "../util/rng";

/** Named random streams of a training step. */
export const STREAM = { data: 1, time: 2, noise: 3, eval: 4, sample: 5 } as const;

/** Mixes 32-bit words into one 32-bit unsigned integer (murmur3-style). */
export function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul((w >>> 0) ^ Math.floor(w / 4294967296), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The generator of `stream` at training step `step` for run seed `seed`. */
export function streamRng(seed: number, step: number, stream: number): SeededRng {
  return new SeededRng(hash32(seed, step, stream));
}
