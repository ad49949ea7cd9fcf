// Recycles large float32 output buffers of the native backend: fresh multi-MB typed arrays cost zeroing, page faults
// and GC; a freed tensor's buffer is reused for the next output of the same length. Set HDLM_NATIVE_POOL=0 to disable.
import { tf } from "../tf";
import { CpuLikeBackend } from "./storage";

/** Outputs at least this large (bytes) are pooled. */
export const POOL_MIN_BYTES = 1 << 20;
/** At most this many bytes are kept in the pool (beyond it, freed buffers are left to the GC). */
export const POOL_MAX_BYTES = 768 << 20;

const enabled = process.env.HDLM_NATIVE_POOL !== "0";
const free = new Map<number, Float32Array[]>();
let freeBytes = 0;
/** Live references (tensor entries in the backend storage) to each pooled buffer, views included. */
const refs = new WeakMap<ArrayBufferLike, number>();
const poolable = new WeakSet<ArrayBufferLike>();
let hits = 0;
let misses = 0;

/** A float32 array of `n` elements for a kernel that overwrites every element (contents are not zeroed). */
export function takeF32(n: number): Float32Array {
  if (!enabled || n * 4 < POOL_MIN_BYTES) return new Float32Array(n);
  const list = free.get(n);
  const a = list?.pop();
  if (a !== undefined) {
    freeBytes -= a.byteLength;
    hits++;
    return a;
  }
  misses++;
  const fresh = new Float32Array(n);
  poolable.add(fresh.buffer);
  return fresh;
}

function release(buf: ArrayBufferLike): void {
  if (freeBytes + buf.byteLength > POOL_MAX_BYTES) return;
  const a = new Float32Array(buf);
  const list = free.get(a.length);
  if (list === undefined) free.set(a.length, [a]);
  else list.push(a);
  freeBytes += buf.byteLength;
}

function valuesOf(entry: unknown): ArrayBufferLike | null {
  const v = (entry as { values?: unknown } | undefined)?.values;
  return ArrayBuffer.isView(v) && poolable.has(v.buffer) ? v.buffer : null;
}

/**
 * Hooks the backend's storage so that pooled buffers are counted per tensor entry (views of a buffer count too) and
 * returned to the pool when the last entry is deleted; `readSync` hands out copies of pooled buffers, so arrays
 * returned by `dataSync()` never change after their tensor is disposed.
 */
export function attachPool(backend: tf.KernelBackend): void {
  if (!enabled) return;
  const b = backend as CpuLikeBackend & { data: { set(id: object, v: unknown): void; delete(id: object): boolean; has(id: object): boolean } };
  const data = b.data;
  const set = data.set.bind(data);
  const del = data.delete.bind(data);
  data.set = (id: object, v: unknown): void => {
    if (data.has(id)) {
      const old = valuesOf(data.get(id));
      if (old !== null) refs.set(old, (refs.get(old) ?? 1) - 1);
    }
    const buf = valuesOf(v);
    if (buf !== null) refs.set(buf, (refs.get(buf) ?? 0) + 1);
    set(id, v);
  };
  data.delete = (id: object): boolean => {
    const buf = data.has(id) ? valuesOf(data.get(id)) : null;
    const r = del(id);
    if (buf !== null) {
      const left = (refs.get(buf) ?? 1) - 1;
      refs.set(buf, left);
      if (left <= 0) release(buf);
    }
    return r;
  };
  const readSync = b.readSync.bind(b);
  b.readSync = (id: object) => {
    const v = readSync(id);
    return ArrayBuffer.isView(v) && poolable.has(v.buffer) ? (v as Float32Array).slice() : v;
  };
}

/** Pool statistics (for benchmarks and tests). */
export function poolStats(): { enabled: boolean; hits: number; misses: number; freeBytes: number } {
  return { enabled, hits, misses, freeBytes };
}
