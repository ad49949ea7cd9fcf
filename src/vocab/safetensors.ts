// A minimal .safetensors reader/writer for F32 tensors (8-byte little-endian header length,
// JSON header of {name: {dtype, shape, data_offsets}}, then raw bytes): user-supplied embeddings.
import * as fs from "fs";
import { writeFileAtomic } from "../util/fs";

/** One float32 tensor from a .safetensors file. */
export interface SafetensorF32 {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Lists the tensors of a .safetensors file: name -> {dtype, shape}. */
export function listSafetensors(file: string): Record<string, { dtype: string; shape: number[] }> {
  const { header } = readHeader(file);
  const out: Record<string, { dtype: string; shape: number[] }> = {};
  for (const [name, e] of Object.entries(header)) out[name] = { dtype: e.dtype, shape: e.shape };
  return out;
}

function readHeader(file: string): { header: Record<string, HeaderEntry>; bytes: Buffer; dataStart: number } {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  const bytes = fs.readFileSync(file);
  if (bytes.length < 8) throw new Error(`${file}: not a .safetensors file (shorter than its 8-byte header length)`);
  const len = Number(bytes.readBigUInt64LE(0));
  if (len <= 0 || 8 + len > bytes.length) {
    throw new Error(`${file}: not a .safetensors file (header length ${len} exceeds file size ${bytes.length})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.subarray(8, 8 + len).toString("utf8"));
  } catch (err) {
    throw new Error(`${file}: .safetensors header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file}: .safetensors header must be a JSON object`);
  const header: Record<string, HeaderEntry> = {};
  for (const [name, e] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === "__metadata__") continue;
    const entry = e as HeaderEntry;
    if (!entry || typeof entry.dtype !== "string" || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) {
      throw new Error(`${file}: tensor '${name}' needs dtype, shape and data_offsets in the header`);
    }
    header[name] = entry;
  }
  return { header, bytes, dataStart: 8 + len };
}

/**
 * Reads one F32 tensor. With `name` omitted the file must hold exactly one tensor;
 * errors name the file, the tensor and the available names.
 */
export function readSafetensorF32(file: string, name?: string): SafetensorF32 {
  const { header, bytes, dataStart } = readHeader(file);
  const names = Object.keys(header);
  if (name === undefined) {
    if (names.length !== 1) {
      throw new Error(`${file}: holds ${names.length} tensors (${names.join(", ")}); pass tensorName to choose one`);
    }
    name = names[0];
  }
  const e = header[name];
  if (e === undefined) throw new Error(`${file}: no tensor named '${name}'; available: ${names.join(", ")}`);
  if (e.dtype !== "F32") {
    throw new Error(`${file}: tensor '${name}' has dtype ${e.dtype}; only F32 is supported (convert with tensor.float())`);
  }
  const [begin, end] = e.data_offsets;
  const count = e.shape.reduce((a, b) => a * b, 1);
  if (end - begin !== count * 4 || dataStart + end > bytes.length || begin < 0) {
    throw new Error(`${file}: tensor '${name}' data_offsets [${begin}, ${end}] do not match shape [${e.shape.join(", ")}] or the file size`);
  }
  const raw = new Uint8Array(count * 4);
  raw.set(bytes.subarray(dataStart + begin, dataStart + end));
  return { shape: e.shape.slice(), data: new Float32Array(raw.buffer) };
}

/** Writes float32 tensors to a .safetensors file atomically (header padded to 8 bytes). */
export function writeSafetensorsF32(file: string, tensors: Record<string, SafetensorF32>): void {
  const header: Record<string, HeaderEntry> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new RangeError(`tensor '${name}': shape [${t.shape.join(", ")}] holds ${count} elements but data has ${t.data.length}`);
    }
    header[name] = { dtype: "F32", shape: t.shape.slice(), data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const parts = [len, Buffer.from(json, "utf8")];
  for (const t of Object.values(tensors)) parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  writeFileAtomic(file, Buffer.concat(parts));
}
