// .safetensors files of whole models (8-byte little-endian header length, JSON header {name: {dtype, shape,
// data_offsets}}, raw little-endian bytes): read every tensor once as float32 (F32, F16, BF16, F64), and write F32
// with the `{"format": "pt"}` metadata Hugging Face loaders expect. (src/vocab/safetensors.ts reads one F32 tensor
// per call, re-reading the file, which suits an embedding table but not a model of hundreds of tensors.)
import * as fs from "fs";
import { readWholeFile } from "./files";
import { writeFileAtomic } from "../util/fs";
import { toFloat32 } from "./torch-archive";

/** A float32 tensor with its shape. */
export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

const DTYPES: Record<string, { bytes: number; kind: "float32" | "float16" | "bfloat16" | "float64" }> = {
  F32: { bytes: 4, kind: "float32" },
  F16: { bytes: 2, kind: "float16" },
  BF16: { bytes: 2, kind: "bfloat16" },
  F64: { bytes: 8, kind: "float64" },
};

/** True when the file starts like a .safetensors file (a plausible header length, then `{`). */
export function looksLikeSafetensors(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(9);
    if (fs.readSync(fd, head, 0, 9, 0) < 9) return false;
    const len = Number(head.readBigUInt64LE(0));
    return len > 1 && len < 100_000_000 && head[8] === 0x7b;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Every tensor of a .safetensors file as float32, in header order; `metadata` is the `__metadata__` map. Throws a
 * one-line error naming the file (and the tensor) when the file is truncated, malformed or holds a non-float tensor.
 */
export function readSafetensors(file: string): { tensors: Map<string, F32Tensor>; metadata: Record<string, string> } {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  const bytes = readWholeFile(file);
  if (bytes.length < 8) throw new Error(`${file}: not a .safetensors file (shorter than its 8-byte header length)`);
  const len = Number(bytes.readBigUInt64LE(0));
  if (len < 2 || 8 + len > bytes.length) throw new Error(`${file}: not a .safetensors file, or truncated (header length ${len}, file size ${bytes.length})`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + len).toString("utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: .safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new Error(`${file}: .safetensors header is not a JSON object`);
  const start = 8 + len;
  const tensors = new Map<string, F32Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e.dtype !== "string" || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      throw new Error(`${file}: tensor ${name} needs dtype, shape and data_offsets in the header`);
    }
    const dt = DTYPES[e.dtype];
    if (dt === undefined) throw new Error(`${file}: tensor ${name} has dtype ${e.dtype}; model weights must be F32, F16, BF16 or F64`);
    const shape = e.shape as number[];
    if (!shape.every((s) => Number.isInteger(s) && s >= 0)) throw new Error(`${file}: tensor ${name} has a bad shape ${JSON.stringify(e.shape)}`);
    const [a, b] = e.data_offsets as number[];
    const n = shape.reduce((x, y) => x * y, 1);
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b - a !== n * dt.bytes || start + b > bytes.length) {
      throw new Error(`${file}: tensor ${name} data_offsets [${a}, ${b}] do not match its shape [${shape.join(", ")}] ${e.dtype} or the file size ${bytes.length} (truncated file?)`);
    }
    tensors.set(name, { shape: shape.slice(), data: toFloat32(bytes.subarray(start + a, start + b), dt.kind, n) });
  }
  return { tensors, metadata };
}

/** Writes float32 tensors (in the map's order) to a .safetensors file atomically, with `__metadata__`. */
export function writeSafetensors(file: string, tensors: Map<string, F32Tensor>, metadata: Record<string, string> = { format: "pt" }): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new RangeError(`tensor ${name}: shape [${t.shape.join(", ")}] holds ${count} elements but data has ${t.data.length}`);
    header[name] = { dtype: "F32", shape: t.shape.slice(), data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const parts: Uint8Array[] = [len, Buffer.from(json, "utf8")];
  for (const t of tensors.values()) parts.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  writeFileAtomic(file, parts, { createDir: true });
}
