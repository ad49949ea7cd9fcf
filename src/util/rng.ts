// A small seeded pseudo-random generator (xoshiro128** seeded through splitmix32) with the draws
// the processes, samplers and tests need: uniforms, integers, normals, Gumbels, categoricals.
/**
 * Seeded PRNG. Same seed, same stream, on every platform (pure 32-bit integer arithmetic).
 * Use it everywhere randomness must be reproducible; never `Math.random` in library code or tests.
 */
export class SeededRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` is any finite number (its low 32 bits and the high part are mixed in). */
  constructor(seed = 0) {
    if (typeof seed !== "number" || !Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    let x = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    const next = (): number => {
      // splitmix32 step
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in the open interval (0, 1): safe to take logs of. */
  uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Box-Muller). */
  normal(): number {
    const u = this.uniformOpen();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Standard Gumbel draw, -log(-log u). */
  gumbel(): number {
    return -Math.log(-Math.log(this.uniformOpen()));
  }

  /**
   * Index drawn from unnormalised non-negative weights `p[offset .. offset+length)`
   * (inverse CDF; the last positive entry absorbs rounding). Returns an index relative to `offset`.
   */
  categorical(p: ArrayLike<number>, offset = 0, length = p.length - offset): number {
    let total = 0;
    for (let i = 0; i < length; i++) total += p[offset + i];
    if (!(total > 0) || !Number.isFinite(total)) throw new RangeError(`categorical weights must be finite, >= 0 and not all 0 (sum ${total})`);
    const u = this.uniform() * total;
    let acc = 0;
    let last = -1;
    for (let i = 0; i < length; i++) {
      const w = p[offset + i];
      if (w > 0) last = i;
      acc += w;
      if (u < acc) return i;
    }
    return last;
  }

  /** An independent generator derived from this one (consumes two draws). */
  fork(): SeededRng {
    return new SeededRng(this.nextUint32() * 4294967296 + this.nextUint32());
  }

  /** Fills a Float32Array with uniforms in [0, 1). */
  uniformArray(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A generator from `seed` (an `SeededRng` passes through, so functions can take either). */
export function toSeededRng(seedOrRng: number | SeededRng): SeededRng {
  return seedOrRng instanceof SeededRng ? seedOrRng : new SeededRng(seedOrRng);
}
