// Reading a torch.save file (the zip format of PyTorch >= 1.6, which Lightning .ckpt files use): `<root>/data.pkl`
// is a pickle whose tensors point at storages stored as `<root>/data/<key>` entries. The zip is read with fflate; the
// pickle with the data-only reader of ./pickle (nothing in it is executed). Tensors stay lazy views until asked for.
import * as fs from "fs";
import { readWholeFile } from "./files";
import { unzipSync } from "fflate";
import { unpickle, PickleValue, PickleError, TorchTensor, TorchStorage, DTYPE_BYTES, torchStoragePid } from "./pickle";

/** A loaded torch.save archive: the pickled object and a way to read its tensors as float32. */
export interface TorchArchive {
  readonly file: string;
  readonly root: PickleValue;
  /** The tensor's values as float32 (row-major, its shape), converting float16/bfloat16/float64. */
  float32(t: TorchTensor, what: string): Float32Array;
  /** The tensor's values as int32 (row-major, its shape) from an integer tensor; values outside int32 are an error. */
  integers(t: TorchTensor, what: string): Int32Array;
}

/** A one-line error naming the file. */
function bad(file: string, why: string): Error {
  return new Error(`${file}: ${why}`);
}

/** Reads `file` as a torch.save zip archive; throws a one-line error naming the file when it is not one. */
export function readTorchArchive(file: string): TorchArchive {
  if (!fs.existsSync(file)) throw bad(file, "file not found");
  const bytes = readWholeFile(file);
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw bad(file, "is a legacy (pre-1.6, non-zip) torch.save file; re-save it with torch.save(obj, path) from PyTorch >= 1.6");
  }
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw bad(file, "is not a PyTorch checkpoint (not a zip archive)");
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pklName: string | null = null;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(u8, {
      filter: (f) => {
        if (/^[^/]+\/data\.pkl$/.test(f.name) && pklName === null) pklName = f.name;
        return /^[^/]+\/(data\.pkl|byteorder)$/.test(f.name);
      },
    });
  } catch (e) {
    throw bad(file, `is not a readable zip archive (${(e as Error).message}); the file may be truncated`);
  }
  if (pklName === null || entries[pklName] === undefined) throw bad(file, "is a zip archive but not a torch.save checkpoint (no <name>/data.pkl)");
  const rootDir = (pklName as string).slice(0, -"data.pkl".length);
  const order = entries[`${rootDir}byteorder`];
  if (order !== undefined && new TextDecoder().decode(order).trim() !== "little") throw bad(file, "stores big-endian tensors; only little-endian checkpoints are read");
  const storages = new Map<string, TorchStorage>();
  let root: PickleValue;
  try {
    root = unpickle(entries[pklName], (pid) => {
      const s = torchStoragePid(pid, (why) => {
        throw new PickleError(why);
      });
      const prev = storages.get(s.key);
      if (prev !== undefined) return prev;
      storages.set(s.key, s);
      return s;
    });
  } catch (e) {
    if (e instanceof PickleError) throw bad(file, `${pklName} is not a readable checkpoint pickle (${e.message})`);
    throw e;
  }
  // Storage bytes are unzipped on first use (all at once: fflate scans the archive once per call).
  let data: Record<string, Uint8Array> | null = null;
  const storageBytes = (s: TorchStorage): Uint8Array => {
    if (data === null) {
      const wanted = new Set([...storages.keys()].map((k) => `${rootDir}data/${k}`));
      try {
        data = unzipSync(u8, { filter: (f) => wanted.has(f.name) });
      } catch (e) {
        throw bad(file, `cannot read tensor data (${(e as Error).message}); the file may be truncated`);
      }
    }
    const b = data[`${rootDir}data/${s.key}`];
    if (b === undefined) throw bad(file, `storage ${s.key} is missing from the archive (truncated file?)`);
    if (b.length < s.numel * DTYPE_BYTES[s.dtype]) throw bad(file, `storage ${s.key} holds ${b.length} bytes, fewer than its ${s.numel} ${s.dtype} elements`);
    return b;
  };
  return {
    file,
    root,
    float32(t: TorchTensor, what: string): Float32Array {
      const s = t.storage;
      if (!(s.dtype === "float32" || s.dtype === "float16" || s.dtype === "bfloat16" || s.dtype === "float64")) {
        throw bad(file, `parameter ${what} is a ${s.dtype} tensor, not a floating-point one`);
      }
      const src = toFloat32(storageBytes(s), s.dtype, s.numel);
      return gatherStrided(src, t.offset, t.shape, t.stride);
    },
    integers(t: TorchTensor, what: string): Int32Array {
      const s = t.storage;
      const reader = INT_READERS[s.dtype];
      if (reader === undefined) throw bad(file, `${what} is a ${s.dtype} tensor, not an integer one`);
      const b = storageBytes(s);
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const src = new Int32Array(s.numel);
      for (let i = 0; i < s.numel; i++) {
        const v = reader(view, i);
        if (v < -0x80000000 || v > 0x7fffffff) throw bad(file, `${what} holds ${v} at storage index ${i}, outside int32`);
        src[i] = v;
      }
      return gatherStrided(src, t.offset, t.shape, t.stride, new Int32Array(t.shape.reduce((a, c) => a * c, 1)));
    },
  };
}

/** Element readers of the little-endian integer storages. */
const INT_READERS: Partial<Record<TorchStorage["dtype"], (v: DataView, i: number) => number>> = {
  int64: (v, i) => Number(v.getBigInt64(8 * i, true)),
  int32: (v, i) => v.getInt32(4 * i, true),
  int16: (v, i) => v.getInt16(2 * i, true),
  int8: (v, i) => v.getInt8(i),
  uint8: (v, i) => v.getUint8(i),
};

/** Elements of a little-endian storage as float32. */
export function toFloat32(b: Uint8Array, dtype: "float32" | "float16" | "bfloat16" | "float64", n: number): Float32Array {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(n);
  if (dtype === "float32") {
    new Uint8Array(out.buffer).set(b.subarray(0, 4 * n)); // little-endian host (x86, arm64)
  } else if (dtype === "float64") {
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
  } else if (dtype === "bfloat16") {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** The row-major copy of the strided view (offset, shape, stride) of `src`. */
export function gatherStrided<T extends Float32Array | Int32Array>(src: T, offset: number, shape: number[], stride: number[], into?: T): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = into ?? (new Float32Array(n) as T);
  if (n === 0) return out;
  // contiguous fast path
  let contiguous = true;
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= shape[i];
  }
  if (contiguous) {
    out.set(src.subarray(offset, offset + n));
    return out;
  }
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let p = offset;
    for (let i = 0; i < shape.length; i++) p += idx[i] * stride[i];
    out[k] = src[p];
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}
