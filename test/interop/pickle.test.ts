// The data-only unpickler against Python's own pickles (protocols 0-5, written by python3 in the test) and the
// torch.save archive reader against python3-torch (strided views, offsets, float16/bfloat16/float64 storages);
// malformed and hostile pickles fail with PickleError or come back as inert, named objects (nothing is called).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { unpickle, findForeign, PyDict, PyTuple, PyObject, PickleError, PickleValue, readTorchArchive, TorchTensor } from "../../src/interop";

const PY = process.env.HDLM_PYTHON ?? "/usr/bin/python3"; // Debian's python3-torch
const noPython = fs.existsSync(PY) && spawnSync(PY, ["-c", "pass"]).status === 0 ? false : `${PY} is not available`;
const noTorch = noPython || (spawnSync(PY, ["-c", "import torch"]).status === 0 ? false : "python3-torch is not installed (apt-get install python3-torch)");
if (noTorch) process.stderr.write(`test/interop/pickle: torch-archive test SKIPPED: ${noTorch}\n`);

function py(code: string): Buffer {
  const r = spawnSync(PY, ["-c", code], { maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A pickled value as plain JSON: tuples {tuple: [...]}, dicts objects, big ints strings, bytes {bytes: [...]}. */
function plain(v: PickleValue): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "bigint") return { int: v.toString() };
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof PyTuple) return { tuple: v.items.map(plain) };
  if (v instanceof PyDict) return Object.fromEntries([...v.map].map(([k, x]) => [String(k), plain(x)]));
  if (v instanceof PyObject) return { object: v.callable.qualified };
  return { other: String(v) };
}

const OBJ = `{'a': [1, -2, 255, 65535, 2**31 - 1, -2**31, 2**40, -2**70, 2.5, -0.0, None, True, False], 'b': ('héllo', 'Ω\\u2603\\U0001F600', ()), 'c': b'\\x00\\x01\\xff', 'd': {7: (3,), 'e': [[], {}]}, 's': sorted({3, 1})}`;
const EXPECT = {
  a: [1, -2, 255, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, { int: (-(2n ** 70n)).toString() }, 2.5, -0, null, true, false],
  b: { tuple: ["héllo", "Ω\u2603\u{1F600}", { tuple: [] }] },
  c: { bytes: [0, 1, 255] },
  d: { "7": { tuple: [3] }, e: [[], {}] },
  s: [1, 3],
};

for (const proto of [0, 1, 2, 3, 4, 5]) {
  test(`Python pickle protocol ${proto}: plain containers, numbers, strings and bytes read back exactly`, { skip: noPython }, () => {
    const bytes = py(`import pickle, sys; sys.stdout.buffer.write(pickle.dumps(${OBJ}, protocol=${proto}))`);
    assert.deepEqual(plain(unpickle(bytes)), EXPECT);
  });
}

test("shared and self-referencing objects through the memo", { skip: noPython }, () => {
  const v = unpickle(py("import pickle, sys; a = [1]; a.append(a); sys.stdout.buffer.write(pickle.dumps({'x': a, 'y': a}, protocol=2))")) as PyDict;
  const x = v.get("x") as PickleValue[];
  assert.equal(v.get("y"), x);
  assert.equal(x[1], x);
  assert.equal(findForeign(v, "root"), null); // cycles are visited once
});

test("classes and functions are kept inert and named; nothing is called", { skip: noPython }, () => {
  const bytes = py("import pickle, sys, os, collections; sys.stdout.buffer.write(pickle.dumps({'od': collections.OrderedDict(a=1), 'fn': os.getcwd, 'd': collections.Counter('ab')}, protocol=2))");
  const v = unpickle(bytes) as PyDict;
  assert.ok(v.get("od") instanceof PyDict);
  assert.equal(findForeign(v.get("od")!, "od"), null);
  assert.deepEqual(findForeign(v, "root"), { path: 'root["fn"]', name: "posix.getcwd" });
  const counter = v.get("d");
  assert.ok(counter instanceof PyObject && counter.callable.qualified === "collections.Counter");
});

test("malformed pickles: truncated, unknown memo, refused opcodes, stray MARK", () => {
  const ok = [0x80, 0x02, 0x5d, 0x71, 0x00, 0x4b, 0x05, 0x61, 0x2e]; // [5]
  assert.deepEqual(unpickle(new Uint8Array(ok)), [5]);
  for (let cut = 1; cut < ok.length; cut++) assert.throws(() => unpickle(new Uint8Array(ok.slice(0, cut))), PickleError, `cut at ${cut}`);
  assert.throws(() => unpickle(new Uint8Array([0x80, 0x02, 0x68, 0x09, 0x2e])), /memo key 9/);
  assert.throws(() => unpickle(new Uint8Array([0x28, ...Buffer.from("iposix\nsystem\n"), 0x2e])), /INST/);
  assert.throws(() => unpickle(new Uint8Array([0x80, 0x02, 0x82, 0x01, 0x2e])), /extension/);
  assert.throws(() => unpickle(new Uint8Array([0x80, 0x02, 0x28, 0x2e])), PickleError);
  assert.throws(() => unpickle(new Uint8Array([0x80, 0x02, 0xff])), /unknown opcode 0xff/);
  assert.throws(() => unpickle(new Uint8Array([0x80, 0x02, 0x4e, 0x51, 0x2e])), /persistent id/);
});

test("a million nested lists: read and searched without recursion; a foreign name deep inside is found", () => {
  const N = 1_000_000;
  const bytes = new Uint8Array(2 + N + 3 + (N - 1) + 1 + 14);
  let p = 0;
  bytes[p++] = 0x80;
  bytes[p++] = 0x02;
  for (let i = 0; i < N; i++) bytes[p++] = 0x5d; // EMPTY_LIST
  for (const c of Buffer.from("cos\nsystem\n")) bytes[p++] = c; // the innermost item: a GLOBAL
  bytes[p++] = 0x61; // APPEND it to the innermost list
  for (let i = 0; i < N - 1; i++) bytes[p++] = 0x61; // APPEND each list into its parent
  bytes[p++] = 0x2e;
  const v = unpickle(bytes.subarray(0, p));
  const f = findForeign(v, "root");
  assert.equal(f?.name, "os.system");
  assert.ok(f!.path.startsWith("...") && f!.path.endsWith("[0][0]"), f!.path.slice(0, 40));
});

test("torch.save archive: strided views, offsets, shared storages and float16/bfloat16/float64 as float32", { skip: noTorch }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-pickle-"));
  const file = path.join(dir, "t.pt");
  try {
    py(`import torch
base = torch.arange(10, dtype=torch.float32)
torch.save({
  't': torch.arange(12, dtype=torch.float32).reshape(3, 4).t(),
  'off': base[3:7], 'same': base,
  'h': torch.tensor([1.5, -2.25, 65504.0, 1e-7], dtype=torch.float16),
  'bf': torch.tensor([1.0, -3.5, 0.15625], dtype=torch.bfloat16),
  'f64': torch.tensor([[1/3]], dtype=torch.float64),
  'p': torch.nn.Parameter(torch.ones(2)),
  'n': torch.tensor(7),
}, '${file}')`);
    const ar = readTorchArchive(file);
    const root = ar.root as PyDict;
    const get = (k: string) => ar.float32(root.get(k) as TorchTensor, k);
    assert.deepEqual((root.get("t") as TorchTensor).shape, [4, 3]);
    assert.deepEqual(Array.from(get("t")), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(Array.from(get("off")), [3, 4, 5, 6]);
    assert.equal((root.get("off") as TorchTensor).storage, (root.get("same") as TorchTensor).storage);
    assert.deepEqual(Array.from(get("h")), [1.5, -2.25, 65504, Math.fround(1.1920928955078125e-7)]);
    assert.deepEqual(Array.from(get("bf")), [1, -3.5, 0.15625]);
    assert.deepEqual(Array.from(get("f64")), [Math.fround(1 / 3)]);
    assert.deepEqual(Array.from(get("p")), [1, 1]);
    assert.throws(() => get("n"), /n is a int64 tensor, not a floating-point one/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
