// Writing one tensor as a torch.save file (the zip format of PyTorch >= 1.6): what `torch.save(tensor, path)` writes
// and `torch.load(path, weights_only=True)` reads. The reference HDLM repository stores its cluster maps and
// centroids this way (`semantic_cluster_dict_<model>_<n>.pt`: int64 [V+1]; `semantic_centroids_<model>_<n>.pt`:
// float32 [n, d]). The pickle is the fixed six-opcode program torch itself emits for a tensor, written here rather
// than by a general pickler: no Python-side pickling library exists for Node, and this one object is all we write.
import { zipSync } from "fflate";
import { writeFileAtomic } from "../util/fs";

/** A tensor to save: int64 (from exact integers) or float32, row-major. */
export type SavedTensor =
  | { dtype: "int64"; shape: number[]; data: ArrayLike<number> }
  | { dtype: "float32"; shape: number[]; data: Float32Array };

const STORAGE: Record<SavedTensor["dtype"], string> = { int64: "LongStorage", float32: "FloatStorage" };

/** Pickle protocol-2 opcodes for the few value kinds the tensor program needs. */
class PickleWriter {
  private readonly parts: number[] = [];

  op(...codes: number[]): this {
    this.parts.push(...codes);
    return this;
  }

  global(module: string, name: string): this {
    return this.op(0x63, ...Buffer.from(`${module}\n${name}\n`, "latin1")); // GLOBAL
  }

  str(s: string): this {
    const b = Buffer.from(s, "utf8");
    return this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24, ...b); // BINUNICODE
  }

  int(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`pickle int must be in [0, 2^31), got ${n}`);
    if (n < 0x100) return this.op(0x4b, n); // BININT1
    if (n < 0x10000) return this.op(0x4d, n & 0xff, n >> 8); // BININT2
    return this.op(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24); // BININT
  }

  /** A tuple of ints: MARK, the ints, TUPLE. */
  intTuple(xs: number[]): this {
    this.op(0x28);
    for (const x of xs) this.int(x);
    return this.op(0x74);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/**
 * The pickle of `torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict())` with the storage
 * as persistent id `('storage', torch.<Kind>Storage, '0', 'cpu', numel)`, as torch.save writes it.
 */
export function tensorPickle(dtype: SavedTensor["dtype"], shape: number[]): Uint8Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const w = new PickleWriter().op(0x80, 2); // PROTO 2
  w.global("torch._utils", "_rebuild_tensor_v2");
  w.op(0x28); // MARK (the call's argument tuple)
  w.op(0x28).str("storage").global("torch", STORAGE[dtype]).str("0").str("cpu").int(numel).op(0x74); // persistent id tuple
  w.op(0x51); // BINPERSID
  w.int(0).intTuple(shape).intTuple(stride);
  w.op(0x89); // NEWFALSE (requires_grad)
  w.global("collections", "OrderedDict").op(0x29, 0x52); // EMPTY_TUPLE, REDUCE: OrderedDict()
  w.op(0x74, 0x52, 0x2e); // TUPLE, REDUCE, STOP
  return w.bytes();
}

/** Little-endian storage bytes of the tensor (int64 from exact integers). */
function storageBytes(t: SavedTensor): Uint8Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new RangeError(`tensor of shape [${t.shape.join(", ")}] needs ${n} values, got ${t.data.length}`);
  if (t.dtype === "float32") return new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + 4 * n));
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const v = t.data[i];
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64 tensor value ${i} is not an exact integer: ${v}`);
    out[i] = BigInt(v);
  }
  return new Uint8Array(out.buffer);
}

/**
 * Writes `tensor` to `file` (atomically) as `torch.save` does: a stored (uncompressed) zip with `<archive>/data.pkl`,
 * `<archive>/byteorder`, `<archive>/data/0` and `<archive>/version`. `archive` defaults to the file's base name.
 */
export function writeTorchTensor(file: string, tensor: SavedTensor, archive?: string): void {
  const name = archive ?? (file.split(/[\\/]/).pop() ?? "archive").replace(/\.[^.]*$/, "");
  const zip = zipSync(
    {
      [`${name}/data.pkl`]: tensorPickle(tensor.dtype, tensor.shape),
      [`${name}/byteorder`]: new TextEncoder().encode("little"),
      [`${name}/data/0`]: storageBytes(tensor),
      [`${name}/version`]: new TextEncoder().encode("3\n"),
    },
    { level: 0 },
  );
  writeFileAtomic(file, zip);
}
