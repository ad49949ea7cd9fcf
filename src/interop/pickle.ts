// A data-only reader of Python pickles (protocols 0-5) for PyTorch checkpoints: it builds plain values (numbers,
// strings, lists, tuples, dicts), tensor references (torch._utils._rebuild_tensor_v2 and friends, storages through
// persistent ids) and OrderedDicts, and never runs anything. Every other class or function a pickle names is kept as
// an inert `PyObject` record (its qualified name, arguments and state), so a caller can refuse it by name.
// Nothing a pickle contains can make this reader call code: there is no table of callables beyond the few builders
// below, each of which only rearranges data.

/** A Python tuple (kept apart from lists so shapes and strides read as tuples). */
export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

/** A Python dict or collections.OrderedDict, in insertion order; `attrs` holds state set by BUILD (`_metadata`). */
export class PyDict {
  readonly map = new Map<PickleKey, PickleValue>();
  attrs: PickleValue = null;
  constructor(readonly ordered = false) {}
  get(key: PickleKey): PickleValue | undefined {
    return this.map.get(key);
  }
}

/** A name a pickle refers to (`module.qualname`) that this reader does not build: a class or function, never called. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance or call result the reader does not build: kept inert as the callable's name, its arguments and state. */
export class PyObject {
  state: PickleValue = null;
  constructor(readonly callable: PyGlobal, readonly args: PickleValue[]) {}
}

/** A storage of a torch.save archive: element type and key of its `data/<key>` entry. */
export class TorchStorage {
  constructor(readonly key: string, readonly dtype: TorchDtype, readonly numel: number) {}
}

/** A tensor of a torch.save archive: a strided view of a storage (materialised by the archive reader). */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** Element types of torch storages, by their class names (`torch.FloatStorage` -> "float32"). */
export type TorchDtype = "float32" | "float16" | "bfloat16" | "float64" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: "float32",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  DoubleStorage: "float64",
  LongStorage: "int64",
  IntStorage: "int32",
  ShortStorage: "int16",
  CharStorage: "int8",
  ByteStorage: "uint8",
  BoolStorage: "bool",
};

/** Bytes per element of a storage dtype. */
export const DTYPE_BYTES: Record<TorchDtype, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

export type PickleKey = string | number | bigint | boolean | null;
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | PyObject
  | TorchStorage
  | TorchTensor;

/** Resolves a persistent id (torch.save: `('storage', StorageClass, key, location, numel)`). */
export type PersistentLoad = (pid: PickleValue) => PickleValue;

class Mark {}
const MARK = new Mark();
type StackItem = PickleValue | Mark;

/** A pickle that cannot be read: truncated, malformed, or using an opcode this reader refuses. */
export class PickleError extends Error {}

const MAX_MEMO = 50_000_000;

/**
 * Reads one pickle from `bytes`. `persistentLoad` resolves persistent ids (torch storages); without it a persistent
 * id is an error. Throws PickleError naming the byte offset for anything malformed or truncated.
 */
export function unpickle(bytes: Uint8Array, persistentLoad?: PersistentLoad): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder("utf-8", { fatal: true });
  const latin1 = new TextDecoder("latin1");
  let pos = 0;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo = new Map<number, PickleValue>();

  const fail = (why: string): never => {
    throw new PickleError(`${why} at byte ${pos} of ${bytes.length}`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) fail("truncated pickle");
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail("length too large");
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("truncated pickle (no end of line)");
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array): string => {
    try {
      return dec.decode(b);
    } catch {
      return fail("invalid UTF-8 string");
    }
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) fail("stack underflow");
    const v = stack.pop()!;
    if (v instanceof Mark) fail("unexpected MARK");
    return v as PickleValue;
  };
  const top = (): PickleValue => {
    if (stack.length === 0) fail("stack underflow");
    const v = stack[stack.length - 1];
    if (v instanceof Mark) fail("unexpected MARK");
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const items = stack;
    if (metastack.length === 0) fail("no MARK on the stack");
    stack = metastack.pop()!;
    for (const it of items) if (it instanceof Mark) fail("nested MARK");
    return items as PickleValue[];
  };
  const key = (k: PickleValue): PickleKey => {
    if (k === null || typeof k === "string" || typeof k === "number" || typeof k === "bigint" || typeof k === "boolean") return k;
    if (k instanceof PyTuple) return `(${k.items.map((x) => (x instanceof PyTuple ? "(...)" : String(key(x)))).join(", ")})`;
    return fail(`unsupported dict key (${describe(k)})`);
  };
  const setItems = (d: PickleValue, kv: PickleValue[]): void => {
    if (kv.length % 2 !== 0) fail("odd number of dict items");
    if (d instanceof PyDict) for (let i = 0; i < kv.length; i += 2) d.map.set(key(kv[i]), kv[i + 1]);
    else if (d instanceof PyObject) {
      // __setitem__ on an object this reader does not build: keep the items inert in its state
      const st = d.state instanceof PyDict ? d.state : (d.state = new PyDict());
      for (let i = 0; i < kv.length; i += 2) st.map.set(key(kv[i]), kv[i + 1]);
    } else fail(`SETITEM on ${describe(d)}`);
  };
  const appendItems = (l: PickleValue, items: PickleValue[]): void => {
    if (Array.isArray(l)) for (const it of items) l.push(it);
    else if (l instanceof PyObject) l.args.push(...items);
    else fail(`APPEND on ${describe(l)}`);
  };
  const memoPut = (i: number, v: PickleValue): void => {
    if (memo.size >= MAX_MEMO) fail("memo too large");
    memo.set(i, v);
  };
  const memoGet = (i: number): PickleValue => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored`);
    return memo.get(i)!;
  };
  const push = (v: PickleValue): void => {
    stack.push(v);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("pickle protocol above 5");
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        need(4);
        push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(longFrom(take(u8())));
        break;
      case 0x8b: // LONG4
        push(longFrom(take(u32())));
        break;
      case 0x49: {
        // INT (text): also 00/01 booleans of protocol 0
        const s = line();
        if (s === "00" || s === "01") push(s === "01");
        else if (/^-?\d+$/.test(s)) push(smallInt(BigInt(s)));
        else fail(`bad INT ${JSON.stringify(s)}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, "");
        if (!/^-?\d+$/.test(s)) fail(`bad LONG ${JSON.stringify(s)}`);
        push(smallInt(BigInt(s)));
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        if (Number.isNaN(v)) fail("bad FLOAT");
        push(v);
        break;
      }
      case 0x58: // BINUNICODE
        push(utf8(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(take(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape: latin-1 text with \uXXXX and \UXXXXXXXX escapes)
        push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string | undefined, b: string | undefined) => String.fromCodePoint(parseInt(a ?? b ?? "0", 16))));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        push(latin1.decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(take(u8())));
        break;
      case 0x53: {
        // STRING (quoted text)
        const s = line();
        if (s.length < 2 || (s[0] !== "'" && s[0] !== '"') || s[s.length - 1] !== s[0]) fail("bad STRING");
        push(s.slice(1, -1));
        break;
      }
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        push(take(u64()).slice());
        break;
      case 0x96: // BYTEARRAY8
        push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x8f: // EMPTY_SET (kept as a list)
        push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        push(popMark());
        break;
      case 0x70: // PUT
        memoPut(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memoPut(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, top());
        break;
      case 0x67: // GET
        push(memoGet(Number(line())));
        break;
      case 0x68: // BINGET
        push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        push(new PyGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings");
        push(new PyGlobal(module as string, name as string));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (persistentLoad === undefined) fail("persistent id outside a torch archive");
        push(persistentLoad!(pid));
        break;
      }
      case 0x50: // PERSID (text ids are not used by torch.save)
        fail("text persistent id (PERSID) is not supported");
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) fail("REDUCE arguments are not a tuple");
        push(call(fn, (args as PyTuple).items, fail));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail("NEWOBJ arguments are not a tuple");
        push(call(cls, (args as PyTuple).items, fail));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail("NEWOBJ_EX arguments are not a tuple");
        push(call(cls, [...(args as PyTuple).items, kwargs], fail));
        break;
      }
      case 0x62: {
        // BUILD: set state; only ever stored, never applied through a __setstate__
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) obj.attrs = state;
        else if (obj instanceof PyObject) obj.state = state;
        else if (obj instanceof TorchTensor) {
          // tensors with Python attributes (torch >= 2 pickles their __dict__): the data is what matters
        } else fail(`BUILD on ${describe(obj)}`);
        break;
      }
      case 0x69: // INST
      case 0x6f: // OBJ
        fail("INST/OBJ (protocol-0 class instantiation) is not supported");
        break;
      case 0x82:
      case 0x83:
      case 0x84: // EXT1/2/4
        fail("extension-registry opcodes are not supported");
        break;
      case 0x97:
      case 0x98: // NEXT_BUFFER, READONLY_BUFFER
        fail("out-of-band buffers are not supported");
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, "0")}`);
    }
  }
}

function smallInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function longFrom(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return smallInt(v);
}

/** Short description of a value for error messages. */
export function describe(v: PickleValue | undefined): string {
  if (v === undefined) return "nothing";
  if (v === null) return "None";
  if (Array.isArray(v)) return "a list";
  if (v instanceof PyTuple) return "a tuple";
  if (v instanceof PyDict) return "a dict";
  if (v instanceof PyGlobal) return `a reference to ${v.qualified}`;
  if (v instanceof PyObject) return `an object built by ${v.callable.qualified}`;
  if (v instanceof TorchStorage) return "a torch storage";
  if (v instanceof TorchTensor) return `a tensor [${v.shape.join(", ")}]`;
  if (v instanceof Uint8Array) return "bytes";
  return typeof v;
}

function ints(v: PickleValue, what: string, fail: (why: string) => never): number[] {
  if (!(v instanceof PyTuple) && !Array.isArray(v)) return fail(`${what} is not a tuple`);
  const items = v instanceof PyTuple ? v.items : v;
  return items.map((x) => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0) fail(`${what} holds ${describe(x)}, not a non-negative integer`);
    return x as number;
  });
}

/**
 * The few callables this reader builds (they only rearrange data); every other callable gives an inert PyObject.
 */
function call(fn: PickleValue, args: PickleValue[], fail: (why: string) => never): PickleValue {
  if (!(fn instanceof PyGlobal)) {
    if (fn instanceof PyObject) return new PyObject(fn.callable, args); // a call of an inert object: still inert
    return fail(`call of ${describe(fn)}`);
  }
  switch (fn.qualified) {
    case "collections.OrderedDict":
      if (args.length !== 0) return new PyObject(fn, args);
      return new PyDict(true);
    case "builtins.dict":
    case "__builtin__.dict":
      if (args.length !== 0) return new PyObject(fn, args);
      return new PyDict();
    case "builtins.list":
    case "__builtin__.list":
    case "builtins.set":
    case "__builtin__.set":
    case "builtins.frozenset":
      if (args.length === 0) return [];
      if (args.length === 1 && Array.isArray(args[0])) return (args[0] as PickleValue[]).slice();
      return new PyObject(fn, args);
    case "_codecs.encode":
      // protocol-2 bytes: _codecs.encode(text, 'latin1')
      if (args.length === 2 && typeof args[0] === "string" && args[1] === "latin1") {
        const s = args[0] as string;
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
        return out;
      }
      return new PyObject(fn, args);
    case "torch._utils._rebuild_tensor_v2":
    case "torch._utils._rebuild_tensor": {
      // (storage, storage_offset, size, stride, requires_grad?, backward_hooks?, metadata?)
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof TorchStorage)) return fail(`${fn.qualified} of ${describe(storage)}, not a storage`);
      if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) return fail(`${fn.qualified}: bad storage offset`);
      const shape = ints(size, "tensor size", fail);
      const strides = ints(stride, "tensor stride", fail);
      if (shape.length !== strides.length) return fail(`${fn.qualified}: size and stride differ in length`);
      let last = offset;
      for (let i = 0; i < shape.length; i++) if (shape[i] > 0) last += (shape[i] - 1) * strides[i];
      if (shape.every((s) => s > 0) && last >= storage.numel) return fail(`tensor [${shape.join(", ")}] reads past its storage of ${storage.numel} elements`);
      return new TorchTensor(storage, offset, shape, strides);
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state": {
      if (!(args[0] instanceof TorchTensor)) return fail(`${fn.qualified} of ${describe(args[0])}, not a tensor`);
      return args[0];
    }
    case "torch._tensor._rebuild_from_type_v2": {
      // (func, new_type, args, state): only plain tensors and parameters
      const [inner, newType, innerArgs] = args;
      const t = newType instanceof PyGlobal ? newType.qualified : "";
      if (t !== "torch.Tensor" && t !== "torch.nn.parameter.Parameter" && t !== "torch._tensor.Tensor") return new PyObject(fn, args);
      if (!(innerArgs instanceof PyTuple)) return fail(`${fn.qualified}: arguments are not a tuple`);
      return call(inner, innerArgs.items, fail);
    }
    default:
      return new PyObject(fn, args);
  }
}

/** The storage a torch.save persistent id names: `('storage', torch.<Type>Storage, key, location, numel)`. */
export function torchStoragePid(pid: PickleValue, fail: (why: string) => never): TorchStorage {
  if (!(pid instanceof PyTuple) || pid.items[0] !== "storage" || pid.items.length < 5) return fail(`persistent id ${describe(pid)} is not a torch storage`);
  const [, cls, key, , numel] = pid.items;
  if (!(cls instanceof PyGlobal) || cls.module !== "torch" || STORAGE_DTYPES[cls.name] === undefined) {
    return fail(`storage type ${cls instanceof PyGlobal ? cls.qualified : describe(cls)} is not a torch storage class`);
  }
  if (typeof key !== "string" || !/^[A-Za-z0-9_]+$/.test(key)) return fail(`storage key ${describe(key)} is not a plain name`);
  if (typeof numel !== "number" || !Number.isInteger(numel) || numel < 0) return fail(`storage size ${describe(numel)} is not a count`);
  return new TorchStorage(key, STORAGE_DTYPES[cls.name], numel);
}

/**
 * The first value under `v` that is not plain data (a PyGlobal or PyObject), with its path (`state_dict['x']`), or
 * null. Iterative (a hostile pickle may nest a million lists); shared and cyclic values are visited once.
 */
export function findForeign(v: PickleValue, path: string): { path: string; name: string } | null {
  // nodes[i] = [parent index, path segment]; the path is rebuilt only for the value found
  const nodes: [number, string][] = [[-1, path]];
  const stack: [PickleValue, number][] = [[v, 0]];
  const seen = new Set<object>();
  const pathOf = (i: number): string => {
    const segs: string[] = [];
    for (let j = i; j >= 0 && segs.length < 64; j = nodes[j][0]) segs.push(nodes[j][1]);
    return (segs.length === 64 ? "..." : "") + segs.reverse().join("");
  };
  const child = (x: PickleValue, parent: number, seg: string): void => {
    if (x === null || typeof x !== "object" || x instanceof Uint8Array || seen.has(x)) return;
    nodes.push([parent, seg]);
    stack.push([x, nodes.length - 1]);
  };
  while (stack.length > 0) {
    const [x, i] = stack.pop()!;
    if (x === null || typeof x !== "object" || x instanceof Uint8Array || seen.has(x)) continue;
    seen.add(x);
    if (x instanceof PyGlobal) return { path: pathOf(i), name: x.qualified };
    if (x instanceof PyObject) return { path: pathOf(i), name: x.callable.qualified };
    if (Array.isArray(x) || x instanceof PyTuple) {
      const items = Array.isArray(x) ? x : x.items;
      for (let k = items.length - 1; k >= 0; k--) child(items[k], i, `[${k}]`);
    } else if (x instanceof PyDict) {
      const entries = [...x.map];
      for (let k = entries.length - 1; k >= 0; k--) {
        const [key, val] = entries[k];
        child(val, i, `[${JSON.stringify(typeof key === "bigint" ? String(key) : key)}]`);
      }
    }
  }
  return null;
}
