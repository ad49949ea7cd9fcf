// Native BatchMatMul and _FusedMatMul: OpenBLAS sgemm with all transpose flags and broadcast batch dims.
// Non-float32 inputs and unsupported fused activations defer to the JS (cpu) kernels.
import { tf } from "../tf";
import { Addon, BIN, UN, allocF32, dims } from "./addon";
import { KernelArgs, KernelFn, f32, output, sizeOf } from "./storage";

/** Batch offsets (elements) of each output batch into an operand with batch shape `own`, or null when they are i * matrixSize. */
function batchOffsets(own: number[], outBatch: number[], matrixSize: number): Float64Array | null {
  const total = sizeOf(outBatch);
  if (sizeOf(own) === total) return null;
  const offs = new Float64Array(total);
  const rank = outBatch.length;
  const ownPad = new Array<number>(rank - own.length).fill(1).concat(own);
  const strides = new Array<number>(rank);
  let acc = matrixSize;
  for (let j = rank - 1; j >= 0; j--) {
    strides[j] = ownPad[j] === 1 ? 0 : acc;
    acc *= ownPad[j];
  }
  for (let i = 0; i < total; i++) {
    let rem = i;
    let off = 0;
    for (let j = rank - 1; j >= 0; j--) {
      const idx = rem % outBatch[j];
      rem = Math.floor(rem / outBatch[j]);
      off += idx * strides[j];
    }
    offs[i] = off;
  }
  return offs;
}

/** Computes op(a) x op(b) into a new float32 output, or returns null when the inputs are not float32. */
export function nativeMatmul(addon: Addon, backend: tf.KernelBackend, a: tf.TensorInfo, b: tf.TensorInfo, transA: boolean, transB: boolean): { shape: number[]; values: Float32Array } | null {
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (av === null || bv === null || a.shape.length < 2 || b.shape.length < 2) return null;
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transA ? a.shape[ar - 1] : a.shape[ar - 2];
  const k = transA ? a.shape[ar - 2] : a.shape[ar - 1];
  const k2 = transB ? b.shape[br - 1] : b.shape[br - 2];
  const n = transB ? b.shape[br - 2] : b.shape[br - 1];
  if (k !== k2) return null; // let the JS kernel throw its message
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  let outBatch: number[];
  try {
    outBatch = tf.backend_util.assertAndGetBroadcastShape(aBatch, bBatch);
  } catch {
    return null;
  }
  const batch = sizeOf(outBatch);
  const shape = [...outBatch, m, n];
  const size = batch * m * n;
  if (size === 0) return { shape, values: new Float32Array(0) };
  if (k === 0) return { shape, values: new Float32Array(size) };
  const values = allocF32(size);
  addon.matmul(av, bv, values, batch, m, n, k, transA ? 1 : 0, transB ? 1 : 0, batchOffsets(aBatch, outBatch, m * k), batchOffsets(bBatch, outBatch, k * n));
  return { shape, values };
}

/** BatchMatMul kernel. */
export function batchMatMulKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const r = nativeMatmul(addon, args.backend, a, b, Boolean(attrs.transposeA), Boolean(attrs.transposeB));
    if (r === null) return fallback(args);
    return output(args.backend, r.shape, "float32", r.values);
  };
}

const FUSED_ACTIVATIONS: Record<string, number | null> = { linear: null, relu: UN.Relu, sigmoid: UN.Sigmoid, elu: UN.Elu };

/** _FusedMatMul kernel: matmul, then bias (broadcast add), then linear/relu/sigmoid/elu. */
export function fusedMatMulKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string };
    const act = attrs.activation ?? "linear";
    if (a === undefined || b === undefined || preluActivationWeights !== undefined || !(act in FUSED_ACTIVATIONS)) return fallback(args);
    const biasV = bias === undefined ? null : f32(args.backend, bias);
    if (bias !== undefined && biasV === null) return fallback(args);
    const r = nativeMatmul(addon, args.backend, a, b, Boolean(attrs.transposeA), Boolean(attrs.transposeB));
    if (r === null) return fallback(args);
    let values = r.values;
    let shape = r.shape;
    if (bias !== undefined && biasV !== null) {
      let outShape: number[];
      try {
        outShape = tf.backend_util.assertAndGetBroadcastShape(shape, bias.shape);
      } catch {
        return fallback(args);
      }
      const sum = allocF32(sizeOf(outShape));
      if (sum.length > 0) addon.binary(BIN.Add, values, biasV, sum, dims(outShape), dims(shape), dims(bias.shape));
      values = sum;
      shape = outShape;
    }
    const op = FUSED_ACTIVATIONS[act];
    if (op !== null && values.length > 0) addon.unary(op, values, values, 0);
    return output(args.backend, shape, "float32", values);
  };
}
