// A small NumPy .npy reader and writer (format v1.0 written; v1/v2/v3 read; C order, little-endian)
// for float32/float64/int32/int64 arrays: cluster maps, centroids and user-supplied embeddings.
import * as fs from "fs";
import { writeFileAtomic } from "../util/fs";

/** Element types hdlm-lab reads and writes in .npy files. */
export type NpyDtype = "float32" | "float64" | "int32" | "int64";

/** Typed-array storage for each dtype (int64 as BigInt64Array: convert with `toInt32`). */
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** An n-dimensional array as stored in a .npy file (C order). */
export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const DESCR: Record<NpyDtype, string> = { float32: "<f4", float64: "<f8", int32: "<i4", int64: "<i8" };
const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  return "int64";
}

/** Serialises an array to .npy v1.0 bytes (header padded so the data starts on a 64-byte boundary). */
export function encodeNpy(data: NpyData, shape: readonly number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RangeError(`npy shape must hold non-negative integers, got [${shape.join(", ")}]`);
  }
  if (count !== data.length) {
    throw new RangeError(`npy shape [${shape.join(", ")}] holds ${count} elements but data has ${data.length}`);
  }
  const dtype = dtypeOf(data);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1; // magic, version, u16 length, header, '\n'
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  if (header.length > 65535) throw new RangeError(`npy header too long (${header.length} bytes) for format v1.0`);
  const pre = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([pre, Buffer.from(header, "latin1"), body]);
}

/** Parses .npy bytes; `where` (usually the file name) prefixes every error message. */
export function decodeNpy(bytes: Uint8Array, where = "npy data"): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw new Error(`${where}: not a .npy file (missing \\x93NUMPY magic); save it with numpy.save`);
  }
  const major = buf[6];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw new Error(`${where}: unsupported .npy format version ${major}.${buf[7]} (expected 1.0, 2.0 or 3.0)`);
  }
  const header = buf.subarray(headerStart, headerStart + headerLen).toString("latin1");
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${where}: malformed .npy header: ${header.trim()}`);
  }
  if (fortran === "True") {
    throw new Error(`${where}: fortran_order arrays are not supported; save with numpy.save(path, np.ascontiguousarray(a))`);
  }
  // '=' (native order) is little-endian on every platform Node supports.
  const norm = descr.replace(/^=/, "<");
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((k) => DESCR[k] === norm);
  if (dtype === undefined) {
    throw new Error(`${where}: dtype '${descr}' is not supported; convert with a.astype('<f4') (or '<i4' / '<i8' for ids)`);
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, "")));
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new Error(`${where}: bad shape (${shapeText}) in .npy header`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLen;
  const nbytes = count * BYTES[dtype];
  if (buf.length - offset < nbytes) {
    throw new Error(`${where}: truncated .npy file: shape (${shape.join(", ")}) needs ${nbytes} data bytes, found ${buf.length - offset}`);
  }
  // Copy into a fresh, aligned ArrayBuffer (a file buffer's offset need not be a multiple of 8).
  const raw = new Uint8Array(nbytes);
  raw.set(buf.subarray(offset, offset + nbytes));
  let data: NpyData;
  switch (dtype) {
    case "float32":
      data = new Float32Array(raw.buffer);
      break;
    case "float64":
      data = new Float64Array(raw.buffer);
      break;
    case "int32":
      data = new Int32Array(raw.buffer);
      break;
    case "int64":
      data = new BigInt64Array(raw.buffer);
      break;
  }
  return { dtype, shape, data };
}

/** Reads a .npy file (errors name the file). */
export function readNpy(file: string): NpyArray {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  return decodeNpy(fs.readFileSync(file), file);
}

/** Writes a .npy v1.0 file atomically (temp file then rename). */
export function writeNpy(file: string, data: NpyData, shape: readonly number[]): void {
  writeFileAtomic(file, encodeNpy(data, shape));
}

/** Converts integer .npy data to Int32Array, with an error naming `where` and the index on overflow. */
export function npyToInt32(array: NpyArray, where = "npy data"): Int32Array {
  const d = array.data;
  if (d instanceof Int32Array) return d;
  if (d instanceof BigInt64Array) {
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v > 2147483647n || v < -2147483648n) throw new RangeError(`${where}: value at index ${i} (${v}) does not fit in int32`);
      out[i] = Number(v);
    }
    return out;
  }
  throw new Error(`${where}: expected an integer array (int32 or int64), got ${array.dtype}`);
}

/** Converts float .npy data to Float32Array (float64 is narrowed). */
export function npyToFloat32(array: NpyArray, where = "npy data"): Float32Array {
  const d = array.data;
  if (d instanceof Float32Array) return d;
  if (d instanceof Float64Array) return Float32Array.from(d);
  throw new Error(`${where}: expected a float array (float32), got ${array.dtype}; convert with a.astype('<f4')`);
}
