// Tests of the .npy and .safetensors readers/writers against files numpy writes and reads.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNpy, writeNpy, npyToInt32, npyToFloat32, readSafetensorF32, writeSafetensorsF32, listSafetensors } from "../../src/vocab";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-npy-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const py = (code: string): string => execFileSync("python3", ["-c", `import numpy as np, json, struct, os\nos.chdir(${JSON.stringify(dir)})\n${code}`], { encoding: "utf8" });

test("npy: reads float32/float64/int32/int64 arrays written by numpy (v1.0 and v2.0 headers)", () => {
  py(`
a = (np.arange(12, dtype=np.float32).reshape(3, 4) / 8 - 0.3).astype(np.float32)
np.save('f4.npy', a)
np.save('f8.npy', a.astype(np.float64))
np.save('i4.npy', np.array([3, -1, 7, 2147483647], dtype=np.int32))
np.save('i8.npy', np.array([5, 0, -9], dtype=np.int64))
np.save('scalar_len0.npy', np.zeros((0, 5), dtype=np.float32))
with open('v2.npy', 'wb') as f:
    np.lib.format.write_array(f, np.arange(6, dtype=np.int32).reshape(2, 3), version=(2, 0))
`);
  const f4 = readNpy(path.join(dir, "f4.npy"));
  assert.equal(f4.dtype, "float32");
  assert.deepEqual(f4.shape, [3, 4]);
  const want = Array.from({ length: 12 }, (_, i) => Math.fround(Math.fround(i / 8) - Math.fround(0.3)));
  assert.deepEqual(Array.from(f4.data as Float32Array), want);
  const f8 = readNpy(path.join(dir, "f8.npy"));
  assert.equal(f8.dtype, "float64");
  assert.deepEqual(Array.from(npyToFloat32(f8)), want);
  assert.deepEqual(Array.from(npyToInt32(readNpy(path.join(dir, "i4.npy")))), [3, -1, 7, 2147483647]);
  const i8 = readNpy(path.join(dir, "i8.npy"));
  assert.equal(i8.dtype, "int64");
  assert.deepEqual(Array.from(npyToInt32(i8)), [5, 0, -9]);
  assert.deepEqual(readNpy(path.join(dir, "scalar_len0.npy")).shape, [0, 5]);
  const v2 = readNpy(path.join(dir, "v2.npy"));
  assert.deepEqual(v2.shape, [2, 3]);
  assert.deepEqual(Array.from(v2.data as Int32Array), [0, 1, 2, 3, 4, 5]);
});

test("npy: files we write are read back by numpy and by us (1-D and 2-D, every dtype)", () => {
  const f = new Float32Array([1.5, -2.25, 3e-8, 7, 0, -0]);
  writeNpy(path.join(dir, "w_f4.npy"), f, [2, 3]);
  writeNpy(path.join(dir, "w_i4.npy"), new Int32Array([4, -5, 6]), [3]);
  writeNpy(path.join(dir, "w_i8.npy"), new BigInt64Array([1n, -2n, 3n]), [3]);
  writeNpy(path.join(dir, "w_f8.npy"), new Float64Array([Math.PI]), [1, 1]);
  const out = py(`
a = np.load('w_f4.npy'); b = np.load('w_i4.npy'); c = np.load('w_i8.npy'); d = np.load('w_f8.npy')
print(json.dumps([str(a.dtype), a.shape, a.ravel().tolist(), str(b.dtype), b.tolist(), str(c.dtype), c.tolist(), str(d.dtype), d.shape, d.ravel().tolist()]))
with open('w_f4.npy', 'rb') as fh: raw = fh.read()
print(raw.index(b'\\n') + 1)
`);
  const [json, headerEnd] = out.trim().split("\n");
  assert.deepEqual(JSON.parse(json), ["float32", [2, 3], Array.from(f), "int32", [4, -5, 6], "int64", [1, -2, 3], "float64", [1, 1], [Math.PI]]);
  assert.equal(Number(headerEnd) % 64, 0, "data starts on a 64-byte boundary");
  const back = readNpy(path.join(dir, "w_f4.npy"));
  assert.deepEqual(Array.from(back.data as Float32Array), Array.from(f));
  // No temp files are left behind by the atomic writes.
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes(".tmp-")), []);
});

test("npy: bad files give errors naming the file and the fix", () => {
  py(`
np.save('fortran.npy', np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
np.save('u8.npy', np.ones(3, dtype=np.uint8))
open('junk.npy', 'wb').write(b'hello world, not numpy')
np.save('trunc.npy', np.ones(100, dtype=np.float32))
`);
  const trunc = path.join(dir, "trunc.npy");
  fs.truncateSync(trunc, fs.statSync(trunc).size - 8);
  assert.throws(() => readNpy(path.join(dir, "fortran.npy")), /fortran\.npy: fortran_order arrays are not supported/);
  assert.throws(() => readNpy(path.join(dir, "u8.npy")), /u8\.npy: dtype '\|u1' is not supported/);
  assert.throws(() => readNpy(path.join(dir, "junk.npy")), /junk\.npy: not a \.npy file/);
  assert.throws(() => readNpy(trunc), /trunc\.npy: truncated \.npy file/);
  assert.throws(() => readNpy(path.join(dir, "missing.npy")), /missing\.npy: file not found/);
  assert.throws(() => npyToInt32(readNpy(path.join(dir, "f4.npy")), "f4.npy"), /f4\.npy: expected an integer array/);
  assert.throws(() => writeNpy(path.join(dir, "x.npy"), new Float32Array(5), [2, 3]), /shape \[2, 3\] holds 6 elements but data has 5/);
  const big = path.join(dir, "big.npy");
  writeNpy(big, new BigInt64Array([1n, 2n ** 40n]), [2]);
  assert.throws(() => npyToInt32(readNpy(big), big), /big\.npy: value at index 1 \(1099511627776\) does not fit in int32/);
});

test("safetensors: reads an F32 tensor written by hand in python, and round-trips our writer", () => {
  py(`
emb = (np.arange(10, dtype=np.float32).reshape(5, 2) * 0.5).astype('<f4')
other = np.array([1, 2, 3], dtype='<f4')
header = {'__metadata__': {'format': 'pt'}, 'emb': {'dtype': 'F32', 'shape': [5, 2], 'data_offsets': [0, 40]},
          'other': {'dtype': 'F32', 'shape': [3], 'data_offsets': [40, 52]}}
h = json.dumps(header).encode()
with open('two.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h); f.write(emb.tobytes()); f.write(other.tobytes())
h1 = json.dumps({'w': {'dtype': 'F16', 'shape': [2], 'data_offsets': [0, 4]}}).encode()
with open('f16.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(h1))); f.write(h1); f.write(np.ones(2, dtype='<f2').tobytes())
`);
  const two = path.join(dir, "two.safetensors");
  assert.deepEqual(listSafetensors(two), { emb: { dtype: "F32", shape: [5, 2] }, other: { dtype: "F32", shape: [3] } });
  const emb = readSafetensorF32(two, "emb");
  assert.deepEqual(emb.shape, [5, 2]);
  assert.deepEqual(Array.from(emb.data), Array.from({ length: 10 }, (_, i) => i * 0.5));
  assert.deepEqual(Array.from(readSafetensorF32(two, "other").data), [1, 2, 3]);
  assert.throws(() => readSafetensorF32(two), /two\.safetensors: holds 2 tensors \(emb, other\); pass tensorName/);
  assert.throws(() => readSafetensorF32(two, "nope"), /no tensor named 'nope'; available: emb, other/);
  assert.throws(() => readSafetensorF32(path.join(dir, "f16.safetensors")), /tensor 'w' has dtype F16; only F32 is supported/);
  const mine = path.join(dir, "mine.safetensors");
  writeSafetensorsF32(mine, { a: { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } });
  const check = py(`
raw = open('mine.safetensors', 'rb').read(); n = struct.unpack('<Q', raw[:8])[0]; h = json.loads(raw[8:8+n])
print(json.dumps([n % 8, h['a'], np.frombuffer(raw[8+n:], dtype='<f4').tolist()]))`);
  assert.deepEqual(JSON.parse(check), [0, { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] }, [1, 2, 3, 4]]);
  assert.deepEqual(Array.from(readSafetensorF32(mine).data), [1, 2, 3, 4]);
});
