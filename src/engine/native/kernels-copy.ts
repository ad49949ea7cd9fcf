// Block-copy kernels of the native backend: Slice, SplitV, PadV2 and Concat as runs of contiguous TypedArray copies (the cpu
// kernels copy element by element through TensorBuffer.get, ~20 s for one [1024, 8257] -> [1024, 8192] slice).
import { tf } from "../tf";
import { allocF32 } from "./addon";
import { CpuLikeBackend, KernelArgs, KernelFn, output, sizeOf } from "./storage";

type Flat = Float32Array | Int32Array | Uint8Array;

/** The values of `t` as a 1- or 4-byte typed array (float32, int32, bool), or null (strings, complex). */
function flat(backend: tf.KernelBackend, t: tf.TensorInfo): Flat | null {
  const v = (backend as CpuLikeBackend).data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array ? v : null;
}

/** A fresh output array like `like` with n elements (float32 large ones from the buffer pool: contents arbitrary). */
function alloc(like: Flat, n: number): Flat {
  if (like instanceof Float32Array) return allocF32(n);
  return like instanceof Int32Array ? new Int32Array(n) : new Uint8Array(n);
}

/** Row-major strides of a shape. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Copies the box `size` at `srcBegin` of `src` (shape srcShape) to `dstBegin` of `dst` (shape dstShape), all of rank r.
 * Trailing axes copied whole in both arrays merge into one contiguous run, so a slice of the last axis of an [N, V]
 * matrix is N `set(subarray)` calls.
 */
export function copyBox(src: Flat, srcShape: readonly number[], srcBegin: readonly number[], dst: Flat, dstShape: readonly number[], dstBegin: readonly number[], size: readonly number[]): void {
  const r = size.length;
  if (sizeOf(size) === 0) return;
  if (r === 0) {
    dst[0] = src[0];
    return;
  }
  const ss = strides(srcShape);
  const ds = strides(dstShape);
  // k: the outermost axis of the contiguous run (axes after k are whole in src and dst).
  let k = r - 1;
  while (k > 0 && size[k] === srcShape[k] && size[k] === dstShape[k]) k--;
  const run = size[k] * ss[k];
  let so = 0;
  let dof = 0;
  for (let a = 0; a < r; a++) {
    so += srcBegin[a] * ss[a];
    dof += dstBegin[a] * ds[a];
  }
  const idx = new Array<number>(k).fill(0);
  const nOuter = sizeOf(size.slice(0, k));
  for (let o = 0; o < nOuter; o++) {
    if (run >= 16) dst.set(src.subarray(so, so + run), dof);
    else for (let j = 0; j < run; j++) dst[dof + j] = src[so + j];
    // odometer over the outer axes 0..k-1
    for (let a = k - 1; a >= 0; a--) {
      idx[a]++;
      so += ss[a];
      dof += ds[a];
      if (idx[a] < size[a]) break;
      so -= size[a] * ss[a];
      dof -= size[a] * ds[a];
      idx[a] = 0;
    }
  }
}

/** Slice kernel (any rank; begin/size as tfjs's slice_util parses them). */
export function sliceKernel(fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const xv = flat(args.backend, x);
    if (xv === null) return fallback(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
    const out = alloc(xv, sizeOf(s));
    copyBox(xv, x.shape, b, out, s, s.map(() => 0), s);
    return output(args.backend, s, x.dtype, out);
  };
}

/** SplitV kernel: every piece is one box copy along `axis`. */
export function splitKernel(fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const xv = flat(args.backend, x);
    if (xv === null) return fallback(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = x.shape.map(() => 0);
    return sizes.map((n) => {
      const s = x.shape.slice();
      s[ax] = n;
      const out = alloc(xv, sizeOf(s));
      copyBox(xv, x.shape, begin, out, s, s.map(() => 0), s);
      begin[ax] += n;
      return output(args.backend, s, x.dtype, out);
    });
  };
}

/** PadV2 kernel (constant padding): fill, then one box copy of the input. */
export function padKernel(fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const xv = flat(args.backend, x);
    const { paddings, constantValue } = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
    if (xv === null || paddings.length !== x.shape.length) return fallback(args);
    const s = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const out = alloc(xv, sizeOf(s));
    out.fill(xv instanceof Uint8Array ? (constantValue ? 1 : 0) : constantValue);
    copyBox(xv, x.shape, x.shape.map(() => 0), out, s, paddings.map((p) => p[0]), x.shape);
    return output(args.backend, s, x.dtype, out);
  };
}

/** Concat kernel: one box copy per input at its offset along `axis` (inputs of one dtype; others go to the JS kernel). */
export function concatKernel(fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const xs = Array.from(args.inputs as unknown as ArrayLike<tf.TensorInfo>);
    if (xs.length === 0) return fallback(args);
    const vals = xs.map((x) => flat(args.backend, x));
    if (vals.some((v) => v === null) || xs.some((x) => x.dtype !== xs[0].dtype || x.shape.length !== xs[0].shape.length)) return fallback(args);
    const ax = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, xs[0].shape)[0];
    const s = xs[0].shape.slice();
    s[ax] = xs.reduce((acc, x) => acc + x.shape[ax], 0);
    for (const x of xs) for (let a = 0; a < s.length; a++) if (a !== ax && x.shape[a] !== s[a]) return fallback(args);
    const out = alloc(vals[0] as Flat, sizeOf(s));
    const at = s.map(() => 0);
    xs.forEach((x, i) => {
      copyBox(vals[i] as Flat, x.shape, x.shape.map(() => 0), out, s, at, x.shape);
      at[ax] += x.shape[ax];
    });
    return output(args.backend, s, xs[0].dtype, out);
  };
}
