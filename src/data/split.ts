// Deterministic train/validation split by document: a hash of the document text, mixed with a seed,
// decides the split, so it is stable across runs, file orders and machines, and disjoint by construction.

/** 32-bit FNV-1a hash of a string's UTF-16 code units (fast; stored per document in the token cache). */
export function textHash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A well-mixed uniform value in [0, 1) of a document's text hash and a seed: which band of it a document falls in decides its split. */
export function splitValue(hash: number, seed = 0): number {
  // murmur3 finaliser of (hash xor seed-derived key): a well-mixed uniform 32-bit value.
  let z = (hash ^ Math.imul((seed >>> 0) + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z = (z ^ (z >>> 16)) >>> 0;
  return z / 4294967296;
}

/**
 * The split a document with text hash `hash` belongs to: validation with probability `validationFraction`, then
 * (the next band of the same uniform value) held-out with probability `heldoutFraction` (default 0), else train.
 */
export function splitOf(hash: number, validationFraction: number, seed = 0, heldoutFraction = 0): "train" | "validation" | "heldout" {
  if (!(validationFraction >= 0 && validationFraction <= 1)) {
    throw new Error(`validationFraction must be in [0, 1], got ${validationFraction}`);
  }
  if (!(heldoutFraction >= 0 && validationFraction + heldoutFraction <= 1)) {
    throw new Error(`heldoutFraction must be in [0, 1 - validationFraction], got ${heldoutFraction}`);
  }
  const u = splitValue(hash, seed);
  return u < validationFraction ? "validation" : u < validationFraction + heldoutFraction ? "heldout" : "train";
}

/** Unicode code points of a string (what Python's `len` counts; data/SOURCES.md "chars"). */
export function codePointCount(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = text.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}
