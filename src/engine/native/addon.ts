// The compiled OpenBLAS addon (native/hdlm_native.cc): its typed interface, its path and its loader.
// Every entry point writes into output typed arrays allocated here in JavaScript (see `alloc`).
import * as path from "path";
import * as fs from "fs";
import { takeF32 } from "./buffer-pool";

/** Op codes of `binary` (must match `BinOp` in native/hdlm_native.cc). */
export const BIN = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6, Pow: 7,
  Greater: 8, GreaterEqual: 9, Less: 10, LessEqual: 11, Equal: 12, NotEqual: 13,
} as const;

/** Op codes of `unary` (must match `UnOp` in native/hdlm_native.cc). */
export const UN = {
  Exp: 0, Log: 1, Tanh: 2, Sqrt: 3, Rsqrt: 4, Neg: 5, Square: 6, Abs: 7, Sigmoid: 8, Relu: 9,
  Reciprocal: 10, Log1p: 11, Step: 12, Elu: 13, GeluTanh: 14,
} as const;

/** Op codes of `reduce` (must match `RedOp` in native/hdlm_native.cc). */
export const RED = { Sum: 0, Max: 1, Min: 2, Prod: 3 } as const;

type F32 = Float32Array;
type Any4 = Float32Array | Int32Array;
type Dims = Float64Array;

/** The functions exported by hdlm_native.node. */
export interface Addon {
  matmul(a: F32, b: F32, out: F32, batch: number, m: number, n: number, k: number, transA: number, transB: number, aOff: Dims | null, bOff: Dims | null): void;
  binary(op: number, a: F32, b: F32, out: F32 | Uint8Array, outShape: Dims, aShape: Dims, bShape: Dims): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  transpose(x: Any4, out: Any4, shape: Dims, perm: Dims): void;
  reduce(op: number, x: F32, out: F32, outer: number, r: number, inner: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number, log: number): void;
  segmentSum(x: F32, ids: Int32Array, out: F32, numSegments: number, inner: number): void;
  gather(x: Any4, idx: Int32Array, out: Any4, outer: number, axisDim: number, inner: number): boolean;
  select(cond: Uint8Array, t: Any4, e: Any4, out: Any4, inner: number): void;
  layerNorm(x: F32, gamma: F32, beta: F32, out: F32, xhat: F32, rstd: F32, rows: number, cols: number, eps: number): void;
  layerNormGrad(dy: F32, xhat: F32, rstd: F32, gamma: F32, dx: F32, dgamma: F32, dbeta: F32, rows: number, cols: number): void;
  geluGrad(x: F32, dy: F32, dx: F32): void;
  linearBias(x: F32, w: F32, bias: F32, out: F32, m: number, k: number, n: number): void;
  linearBiasGrad(x: F32, w: F32, dy: F32, dx: F32, dw: F32, db: F32, m: number, k: number, n: number): void;
  attention(qkv: F32, out: F32, probs: F32, b: number, t: number, h: number, dh: number, scale: number, cos?: F32 | null, sin?: F32 | null, keyBias?: F32 | null, causal?: number): void;
  attentionGrad(qkv: F32, probs: F32, dout: F32, dqkv: F32, b: number, t: number, h: number, dh: number, scale: number, cos?: F32 | null, sin?: F32 | null, keyBias?: F32 | null, causal?: number): void;
  adam(param: F32, m: F32, v: F32, grad: F32, lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number): void;
  crossEntropy(logits: F32, targets: Int32Array, weights: F32, out: F32, lse: F32, rows: number, cols: number): void;
  crossEntropyGrad(logits: F32, targets: Int32Array, weights: F32, lse: F32, dy: F32, dlogits: F32, rows: number, cols: number): void;
  modulate(x: F32, shift: F32, scale: F32, out: F32, b: number, t: number, d: number): void;
  modulateGrad(x: F32, scale: F32, dy: F32, dx: F32, dshift: F32, dscale: F32, b: number, t: number, d: number): void;
  gatedResidual(x: F32, h: F32, gate: F32, out: F32, b: number, t: number, d: number): void;
  gatedResidualGrad(h: F32, gate: F32, dy: F32, dh: F32, dgate: F32, b: number, t: number, d: number): void;
  clusterLse(logits: F32, targets: Int32Array, rowCluster: Int32Array | null, memberOffsets: Int32Array | null, members: Int32Array | null, stats: F32, rows: number, width: number, vocab: number): void;
  clusterLseGrad(logits: F32, targets: Int32Array, rowCluster: Int32Array | null, memberOffsets: Int32Array | null, members: Int32Array | null, stats: F32, dstats: F32, dlogits: F32, rows: number, width: number, vocab: number): void;
  giddKl(logits: F32, x: Int32Array, z: Int32Array, coef: F32, stats: F32, rows: number, width: number, maskId: number): void;
  giddKlGrad(logits: F32, x: Int32Array, z: Int32Array, coef: F32, stats: F32, dstats: F32, dlogits: F32, rows: number, width: number, maskId: number): void;
  sumSquares(x: F32): number;
  adamw(param: F32, m: F32, v: F32, grad: F32, paramOut: F32, mOut: F32, vOut: F32, gradScale: number, decay: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, sqrtBc2: number, eps: number, stepSize: number): void;
  setThreads(n: number): number;
  setBlasThreads(n: number): number;
  threads(): number;
  blasInfo(): string;
}

/** Path of the compiled addon (built by `npm run build:native`, or at `npm install`). */
export function addonPath(): string {
  return path.resolve(__dirname, "..", "..", "..", "build", "Release", "hdlm_native.node");
}

let cached: Addon | { error: string } | null = null;

/** Loads the addon once; returns the reason when it is missing or does not load. */
export function loadAddon(): Addon | { error: string } {
  if (cached !== null) return cached;
  const p = addonPath();
  if (!fs.existsSync(p)) {
    cached = { error: `native addon not built (${p} missing; run \`npm run build:native\`, needs g++ and libopenblas-dev)` };
    return cached;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    cached = require(p) as Addon;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    cached = { error: `native addon at ${p} does not load (${msg}); rebuild it with \`npm run build:native\`` };
  }
  return cached;
}

/**
 * A Float32Array of `n` elements for a kernel output that the kernel overwrites completely.
 * Large ones come from the buffer pool (buffer-pool.ts), so their contents are arbitrary.
 */
export function allocF32(n: number): Float32Array {
  return takeF32(n);
}

/** An Int32Array of `n` elements for a kernel output. */
export function allocI32(n: number): Int32Array {
  return new Int32Array(n);
}

/** A shape as the Float64Array the addon reads. */
export function dims(shape: readonly number[]): Float64Array {
  return Float64Array.from(shape);
}
