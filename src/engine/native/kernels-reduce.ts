// Native reductions (Sum, Max, Min, Prod, Mean over any axes) and Softmax over the last axis.
// Reduced axes that are not one contiguous block are first moved last with the native transpose.
import { tf } from "../tf";
import { Addon, RED, allocF32, dims } from "./addon";
import { KernelArgs, KernelFn, f32, output, sizeOf } from "./storage";

/** Kernel names of the reductions made native. */
export const REDUCE_KERNELS = ["Sum", "Max", "Min", "Prod", "Mean"] as const;
type ReduceName = (typeof REDUCE_KERNELS)[number];

/** A reduction kernel; float32 only, non-empty reduced extent. */
export function reduceKernel(addon: Addon, name: ReduceName, fallback: KernelFn): KernelFn {
  const op = name === "Mean" ? RED.Sum : RED[name];
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as { axis?: number | number[] | null; reductionIndices?: number | number[] | null; keepDims?: boolean };
    let xv = f32(args.backend, x);
    if (xv === null) return fallback(args);
    let axes: number[];
    try {
      // Max names its axes `reductionIndices`; a null/undefined axis means every axis (as in the JS kernels).
      const axis = name === "Max" ? attrs.reductionIndices : attrs.axis;
      axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
    } catch {
      return fallback(args);
    }
    const rank = x.shape.length;
    const isReduced = new Array<boolean>(rank).fill(false);
    for (const a of axes) isReduced[a] = true;
    let r = 1;
    for (let j = 0; j < rank; j++) if (isReduced[j]) r *= x.shape[j];
    if (r === 0 && name !== "Sum") return fallback(args);
    const keptShape = x.shape.filter((_, j) => !isReduced[j]);
    const outShape = attrs.keepDims ? x.shape.map((d, j) => (isReduced[j] ? 1 : d)) : keptShape;
    const n = sizeOf(keptShape);
    // Layout [outer, R, inner]: the reduced axes (ignoring size-1 dims) must be contiguous, else transpose them last.
    const nonUnit = [...Array(rank).keys()].filter((j) => x.shape[j] !== 1);
    const redPos = nonUnit.filter((j) => isReduced[j]);
    let outer = 1;
    let inner = 1;
    let contiguous = true;
    if (redPos.length > 0) {
      const first = nonUnit.indexOf(redPos[0]);
      const last = nonUnit.indexOf(redPos[redPos.length - 1]);
      contiguous = last - first + 1 === redPos.length;
      if (contiguous) {
        for (const j of nonUnit.slice(0, first)) outer *= x.shape[j];
        for (const j of nonUnit.slice(last + 1)) inner *= x.shape[j];
      }
    } else {
      outer = n;
    }
    let temp: Float32Array | null = null;
    if (!contiguous) {
      const perm = [...[...Array(rank).keys()].filter((j) => !isReduced[j]), ...[...Array(rank).keys()].filter((j) => isReduced[j])];
      temp = allocF32(xv.length);
      addon.transpose(xv, temp, dims(x.shape), dims(perm));
      xv = temp;
      outer = n;
      inner = 1;
    }
    const out = allocF32(n);
    if (n > 0) {
      if (r === 0) out.fill(0);
      else addon.reduce(op, xv, out, outer, r, inner);
    }
    if (name === "Mean") {
      const s = 1 / r;
      for (let i = 0; i < n; i++) out[i] *= s;
    }
    return output(args.backend, outShape, "float32", out);
  };
}

/** Softmax over the last axis (the only axis tf.softmax allows). */
export function softmaxKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { logits } = args.inputs as { logits: tf.TensorInfo };
    const dim = (args.attrs as { dim?: number } | undefined)?.dim ?? -1;
    const xv = f32(args.backend, logits);
    const rank = logits.shape.length;
    if (xv === null || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(args);
    const cols = logits.shape[rank - 1];
    const out = allocF32(xv.length);
    if (xv.length > 0) addon.softmax(xv, out, xv.length / cols, cols, 0);
    return output(args.backend, logits.shape.slice(), "float32", out);
  };
}
