// Tests of checkpoint files: exact round trip, atomic replacement, and detection of corrupt or truncated files.
// Corruption is simulated by flipping single bytes in the header, the tensor data and the checksum itself.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine, tf } from "../../src/engine";
import { writeCheckpoint, readCheckpoint } from "../../src/train";

before(async () => {
  await initEngine();
});

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-ckpt-"));
}

test("checkpoints round-trip tensors bit-for-bit and metadata exactly", () => {
  const dir = tmp();
  const f = path.join(dir, "checkpoint.bin");
  const a = tf.tensor2d([[1.5, -2.25e-9], [Math.PI, 3e38]]);
  const b = tf.tensor1d([0.1, 0.2, 0.3]);
  writeCheckpoint(f, { a, "x/b": b }, { step: 12, nested: { s: "ok" } });
  const ck = readCheckpoint(f);
  assert.deepEqual(ck.meta, { step: 12, nested: { s: "ok" } });
  assert.deepEqual(ck.tensors.a.shape, [2, 2]);
  assert.deepEqual(ck.tensors.a.data, a.dataSync());
  assert.deepEqual(ck.tensors["x/b"].data, b.dataSync());
  // A second write replaces the file atomically and leaves no temporary behind.
  writeCheckpoint(f, { a }, { step: 13 });
  assert.equal(readCheckpoint(f).meta.step, 13);
  assert.deepEqual(fs.readdirSync(dir), ["checkpoint.bin"]);
  a.dispose();
  b.dispose();
  fs.rmSync(dir, { recursive: true });
});

test("a flipped byte or a truncated file is detected with an error naming the file", () => {
  const dir = tmp();
  const f = path.join(dir, "checkpoint.bin");
  const a = tf.tensor1d(Array.from({ length: 100 }, (_, i) => i / 7));
  writeCheckpoint(f, { a }, { step: 1 });
  const good = fs.readFileSync(f);
  for (const pos of [3, 20, good.length - 100, good.length - 1]) {
    const bad = Buffer.from(good);
    bad[pos] ^= 0x01;
    fs.writeFileSync(f, bad);
    assert.throws(() => readCheckpoint(f), (e: Error) => e.message.includes(`checkpoint ${f} is corrupt`) && e.message.includes("nothing was overwritten"), `byte ${pos}`);
    assert.deepEqual(fs.readFileSync(f), bad, "the corrupt file is left as it was");
  }
  fs.writeFileSync(f, good.subarray(0, good.length - 10));
  assert.throws(() => readCheckpoint(f), /is corrupt/);
  fs.writeFileSync(f, good);
  assert.equal(readCheckpoint(f).meta.step, 1);
  assert.throws(() => readCheckpoint(path.join(dir, "none.bin")), /does not exist/);
  a.dispose();
  fs.rmSync(dir, { recursive: true });
});
