// A scatter-add UnsortedSegmentSum (the gradient of tf.gather) for backends that lack a usable one.
// wasm has none at all; cpu's loops over every segment with full-size temporaries (unusable for V = 8192).
import { tf } from "./tf";

/** Scatter-add `x` rows into `numSegments` rows by `segmentIds` (ids outside [0, numSegments) are dropped). */
export function unsortedSegmentSumData(
  x: Float32Array | Int32Array,
  xShape: number[],
  ids: Int32Array | Float32Array,
  numSegments: number,
): Float32Array | Int32Array {
  const idCount = ids.length;
  const inner = xShape.length === 0 ? 1 : x.length / Math.max(1, idCount);
  const out = x instanceof Int32Array ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  if (idCount === 0) return out;
  for (let i = 0; i < idCount; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
  return out;
}

/** Registers the scatter-add kernel under `UnsortedSegmentSum` for `backendName` (replacing any existing one). */
export function registerSegmentSum(backendName: string): void {
  if (tf.getKernel("UnsortedSegmentSum", backendName) !== undefined) tf.unregisterKernel("UnsortedSegmentSum", backendName);
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as { x: tf.Tensor; segmentIds: tf.Tensor };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const b = backend as tf.KernelBackend & { readSync(id: object): tf.backend_util.BackendValues; makeTensorInfo?: unknown };
      const xv = b.readSync(x.dataId) as Float32Array | Int32Array;
      const iv = b.readSync(segmentIds.dataId) as Int32Array | Float32Array;
      // Ids index the leading dims of x that segmentIds covers.
      const out = unsortedSegmentSumData(xv, x.shape, iv, numSegments);
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const dtype = x.dtype === "int32" ? "int32" : "float32";
      const dataId = b.write(out, outShape, dtype);
      return { dataId, shape: outShape, dtype };
    },
  });
}
