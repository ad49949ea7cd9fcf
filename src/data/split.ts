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

/** The split a document with text hash `hash` belongs to: validation with probability `validationFraction`. */
export function splitOf(hash: number, validationFraction: number, seed = 0): "train" | "validation" {
  if (!(validationFraction >= 0 && validationFraction <= 1)) {
    throw new Error(`validationFraction must be in [0, 1], got ${validationFraction}`);
  }
  // murmur3 finaliser of (hash xor seed-derived key): a well-mixed uniform 32-bit value.
  let z = (hash ^ Math.imul((seed >>> 0) + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z = (z ^ (z >>> 16)) >>> 0;
  return z / 4294967296 < validationFraction ? "validation" : "train";
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
