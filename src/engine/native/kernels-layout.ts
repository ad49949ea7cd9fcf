// Native data-movement kernels: Transpose (any permutation, 4-byte dtypes), GatherV2 (batchDims 0) and
// UnsortedSegmentSum (scatter-add, the gradient of tf.gather; the cpu kernel is unusable for large vocabularies).
import { tf } from "../tf";
import { Addon, allocF32, allocI32, dims } from "./addon";
import { KernelArgs, KernelFn, any4, f32, i32, output, sizeOf } from "./storage";

/** Transposes a float32/int32 tensor natively; null when the dtype is not 4-byte. */
export function nativeTranspose(addon: Addon, backend: tf.KernelBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo | null {
  const xv = any4(backend, x);
  if (xv === null || perm.length !== x.shape.length) return null;
  const shape = perm.map((p) => x.shape[p]);
  const out = x.dtype === "float32" ? allocF32(xv.length) : allocI32(xv.length);
  if (xv.length > 0) addon.transpose(xv, out, dims(x.shape), dims(perm));
  return output(backend, shape, x.dtype, out);
}

/** Transpose kernel. */
export function transposeKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const perm = (args.attrs as { perm?: number[] } | undefined)?.perm;
    if (perm === undefined) return fallback(args);
    return nativeTranspose(addon, args.backend, x, perm) ?? fallback(args);
  };
}

/** GatherV2 kernel (batchDims = 0, int32 indices in range; otherwise the JS kernel runs and reports errors). */
export function gatherKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as { axis?: number; batchDims?: number };
    const xv = any4(args.backend, x);
    const iv = i32(args.backend, indices);
    if (xv === null || iv === null || (attrs.batchDims ?? 0) !== 0) return fallback(args);
    let axis: number;
    try {
      axis = tf.util.parseAxisParam(attrs.axis ?? 0, x.shape)[0];
    } catch {
      return fallback(args);
    }
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const n = sizeOf(shape);
    const out = x.dtype === "float32" ? allocF32(n) : allocI32(n);
    if (n > 0 && !addon.gather(xv, iv, out, outer, x.shape[axis], inner)) return fallback(args);
    return output(args.backend, shape, x.dtype, out);
  };
}

/** UnsortedSegmentSum kernel (float32 data, int32 ids covering the leading dims; ids out of range are dropped). */
export function segmentSumKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = Number((args.attrs as { numSegments?: number } | undefined)?.numSegments);
    const xv = f32(args.backend, x);
    const iv = i32(args.backend, segmentIds);
    const lead = segmentIds.shape.length;
    if (xv === null || iv === null || !Number.isInteger(numSegments) || numSegments < 0 || !tf.util.arraysEqual(x.shape.slice(0, lead), segmentIds.shape)) {
      return fallback(args);
    }
    const innerShape = x.shape.slice(lead);
    const inner = sizeOf(innerShape);
    const out = new Float32Array(numSegments * inner);
    if (out.length > 0 && iv.length > 0) addon.segmentSum(xv, iv, out, numSegments, inner);
    return output(args.backend, [numSegments, ...innerShape], "float32", out);
  };
}
