// Validation of the decoding settings (decoding.md §1-§2): kernel size, top-k, κ, block length and steps.
// Each check throws one RangeError line that names the field and the value it got.

/** Throws naming `field` unless `value` is an integer >= `min`. */
function checkInt(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) throw new RangeError(`${field} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/** K of the box filter (decoding.md §1 step 2): an odd positive integer. */
export function checkKernelSize(kernelSize: unknown, field = "kernelSize"): number {
  if (typeof kernelSize !== "number" || !Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new RangeError(`${field} must be an odd positive integer (the box filter is centred), got ${String(kernelSize)}`);
  }
  return kernelSize;
}

/** The reference's kernel for a block length B: B made odd (+1 if even), decoding.md §1 "Kernel size". */
export function kernelFromBlock(blockLength: number): number {
  checkInt(blockLength, "blockLength", 1);
  return blockLength % 2 === 0 ? blockLength + 1 : blockLength;
}

/** k of the top-k candidates (decoding.md §1 step 4): an integer >= 1. */
export function checkTopK(topK: unknown, field = "topK"): number {
  return checkInt(topK, field, 1);
}

/** κ = convMult of s_i = tanh(κ u_i) (decoding.md §1 step 3): a finite number > 0. */
export function checkConvMult(convMult: unknown, field = "convMult"): number {
  if (typeof convMult !== "number" || !Number.isFinite(convMult) || convMult <= 0) throw new RangeError(`${field} must be a finite number > 0, got ${String(convMult)}`);
  return convMult;
}

/** n of a top-n selection: an integer >= 0. */
export function checkCount(n: unknown, field = "n"): number {
  return checkInt(n, field, 0);
}

/**
 * Semi-AR sizes (decoding.md §2): B must divide the generation length, and the steps must split evenly over the
 * blocks (the reference asserts `L % B == 0` and `S % blocks == 0`). Returns the number of blocks and steps per block.
 */
export function checkBlockLayout(genLength: unknown, blockLength: unknown, steps: unknown): { numBlocks: number; stepsPerBlock: number } {
  const L = checkInt(genLength, "genLength", 1);
  const B = checkInt(blockLength, "blockLength", 1);
  const S = checkInt(steps, "steps", 1);
  if (L % B !== 0) throw new RangeError(`blockLength must divide genLength (${L}), got ${B}`);
  const numBlocks = L / B;
  if (S % numBlocks !== 0) throw new RangeError(`steps must be a multiple of the number of blocks (${L}/${B} = ${numBlocks}), got ${S}`);
  return { numBlocks, stepsPerBlock: S / numBlocks };
}

/** Reverse-step times 0 <= s < t <= 1, naming the one that is wrong. */
export function checkStepTimes(t: unknown, s: unknown): void {
  if (typeof t !== "number" || !(t > 0 && t <= 1)) throw new RangeError(`t must be a number in (0, 1], got ${String(t)}`);
  if (typeof s !== "number" || !(s >= 0 && s < t)) throw new RangeError(`s must be a number in [0, t = ${t}), got ${String(s)}`);
}

/** Batch layout of a flat [batch * length] array, naming `field` when the sizes disagree. */
export function checkLayout(size: number, batch: number, length: number, field: string): void {
  checkInt(batch, "batch", 1);
  checkInt(length, "length", 1);
  if (size !== batch * length) throw new RangeError(`${field} must hold batch * length = ${batch} * ${length} = ${batch * length} entries, got ${size}`);
}
