// Checkpoint files: named float32 tensors + JSON metadata, SHA-256 checksummed, written atomically (temp + rename).
// Layout: "HDLMCKPT" | u32 version | u32 header length | header JSON | tensor bytes | sha256 of everything before.
import * as fs from "fs";
import { createHash } from "crypto";
import { tf } from "../engine/tf";
import { removeStaleTemps, writeFileAtomic } from "../util/fs";

const MAGIC = Buffer.from("HDLMCKPT", "ascii");
const VERSION = 1;

/** A loaded checkpoint: metadata and named float32 arrays with their shapes. */
export interface CheckpointData {
  meta: Record<string, unknown>;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

/**
 * Writes `tensors` and `meta` to `file` atomically: the bytes go to a temporary file in the same folder, are
 * fsynced, then renamed over `file`, so a crash leaves either the old checkpoint or the new one, never a torn one.
 */
export function writeCheckpoint(file: string, tensors: Record<string, tf.Tensor>, meta: Record<string, unknown>): void {
  const entries: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== "float32") throw new Error(`checkpoint tensor "${name}" must be float32, got ${t.dtype}`);
    const data = t.dataSync() as Float32Array;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name, shape: t.shape.slice(), offset, length: data.length });
    chunks.push(Buffer.from(buf)); // copy: the backend may reuse the memory
    offset += buf.length;
  }
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries }), "utf8");
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32LE(VERSION, 0);
  fixed.writeUInt32LE(header.length, 4);
  const body = Buffer.concat([MAGIC, fixed, header, ...chunks]);
  const digest = createHash("sha256").update(body).digest();
  // A run killed inside an earlier write left its temporary file here; the checkpoint itself was never torn.
  removeStaleTemps(file);
  writeFileAtomic(file, [body, digest], { createDir: true, fsync: true });
}

function corrupt(file: string, why: string): Error {
  return new Error(`checkpoint ${file} is corrupt: ${why}. It was not loaded and nothing was overwritten; delete it (or restore a good copy) and start again without --resume`);
}

/** Reads and verifies a checkpoint; throws a one-line error naming the file if it is missing, truncated or corrupt. */
export function readCheckpoint(file: string): CheckpointData {
  if (!fs.existsSync(file)) throw new Error(`checkpoint ${file} does not exist (nothing to resume; run without --resume)`);
  const buf = fs.readFileSync(file);
  if (buf.length < MAGIC.length + 8 + 32) throw corrupt(file, `only ${buf.length} bytes`);
  const body = buf.subarray(0, buf.length - 32);
  const stored = buf.subarray(buf.length - 32);
  const actual = createHash("sha256").update(body).digest();
  if (!actual.equals(stored)) throw corrupt(file, `SHA-256 mismatch (stored ${stored.toString("hex").slice(0, 16)}..., computed ${actual.toString("hex").slice(0, 16)}...)`);
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt(file, "not an hdlm checkpoint (bad magic)");
  const version = body.readUInt32LE(8);
  if (version !== VERSION) throw new Error(`checkpoint ${file} has version ${version}; this hdlm-lab reads version ${VERSION}`);
  const headerLen = body.readUInt32LE(12);
  const start = 16 + headerLen;
  if (start > body.length) throw corrupt(file, "header length exceeds file size");
  let header: { meta: Record<string, unknown>; tensors: TensorEntry[] };
  try {
    header = JSON.parse(body.subarray(16, start).toString("utf8")) as typeof header;
  } catch (err) {
    throw corrupt(file, `header is not valid JSON (${(err as Error).message})`);
  }
  const entryOk = (e: TensorEntry): boolean =>
    e !== null && typeof e === "object" && typeof e.name === "string" && Array.isArray(e.shape) && e.shape.every((d) => Number.isInteger(d) && d >= 0) &&
    Number.isInteger(e.offset) && e.offset >= 0 && Number.isInteger(e.length) && e.length >= 0;
  if (header === null || typeof header !== "object" || typeof header.meta !== "object" || header.meta === null || !Array.isArray(header.tensors) || !header.tensors.every(entryOk)) {
    throw corrupt(file, "header lacks a meta object or a valid tensor list");
  }
  const tensors: CheckpointData["tensors"] = {};
  for (const e of header.tensors) {
    const from = start + e.offset;
    const bytes = body.subarray(from, from + 4 * e.length);
    if (bytes.length !== 4 * e.length) throw corrupt(file, `tensor "${e.name}" is truncated`);
    const data = new Float32Array(e.length);
    Buffer.from(data.buffer).set(bytes);
    tensors[e.name] = { shape: e.shape, data };
  }
  return { meta: header.meta, tensors };
}

/**
 * Assigns the checkpoint tensors `<prefix>/<name>` to the variables of `vars` (same names and shapes); throws naming
 * the file and the first missing or mis-shaped tensor.
 */
export function restoreTensors(ck: CheckpointData, prefix: string, vars: Record<string, tf.Variable>, file: string): void {
  for (const [n, v] of Object.entries(vars)) {
    const t = ck.tensors[`${prefix}/${n}`];
    if (t === undefined || t.shape.join(",") !== v.shape.join(",")) throw new Error(`checkpoint ${file} lacks ${prefix}/${n} with shape [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, "float32")));
  }
}
