// Access to the storage of the "native" backend (a MathBackendCPU instance: data in JS typed arrays).
// Kernels read input arrays in place and hand freshly allocated output arrays to the backend.
import { tf } from "../tf";

/** The parts of MathBackendCPU the native kernels use. */
export interface CpuLikeBackend extends tf.KernelBackend {
  data: { get(dataId: object): { values?: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  readSync(dataId: object): tf.backend_util.BackendValues;
}

/** Arguments of a kernel function as TensorFlow.js passes them. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

/** A kernel function (returns one or several tensor infos). */
export type KernelFn = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** The float32 values of `t`, or null when it is not a plain float32 tensor stored as a Float32Array. */
export function f32(backend: tf.KernelBackend, t: tf.TensorInfo | undefined): Float32Array | null {
  if (t === undefined || t.dtype !== "float32") return null;
  const v = (backend as CpuLikeBackend).data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** The int32 values of `t`, or null. */
export function i32(backend: tf.KernelBackend, t: tf.TensorInfo | undefined): Int32Array | null {
  if (t === undefined || t.dtype !== "int32") return null;
  const v = (backend as CpuLikeBackend).data.get(t.dataId).values;
  return v instanceof Int32Array ? v : null;
}

/** The bool values of `t` (one byte each), or null. */
export function u8(backend: tf.KernelBackend, t: tf.TensorInfo | undefined): Uint8Array | null {
  if (t === undefined || t.dtype !== "bool") return null;
  const v = (backend as CpuLikeBackend).data.get(t.dataId).values;
  return v instanceof Uint8Array ? v : null;
}

/** 4-byte values (float32 or int32) of `t`, or null. */
export function any4(backend: tf.KernelBackend, t: tf.TensorInfo | undefined): Float32Array | Int32Array | null {
  return f32(backend, t) ?? i32(backend, t);
}

/** Wraps `values` as the output tensor of a kernel. */
export function output(backend: tf.KernelBackend, shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo {
  return (backend as CpuLikeBackend).makeTensorInfo(shape, dtype, values);
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
