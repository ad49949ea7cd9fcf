// Tests of the shared atomic file write: content (string, bytes, chunks), the missing-folder error, createDir,
// replacing an existing file, and no temporary file left behind on success or failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeFileAtomic } from "../../src/util";

test("writeFileAtomic writes strings, bytes and chunk lists, replaces old content, and leaves no temp files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-atomic-"));
  const f = path.join(dir, "a.json");
  writeFileAtomic(f, "old content that is longer\n");
  writeFileAtomic(f, "new\n");
  assert.equal(fs.readFileSync(f, "utf8"), "new\n");
  writeFileAtomic(f, Uint8Array.from([1, 2, 3]), { fsync: true });
  assert.deepEqual(Array.from(fs.readFileSync(f)), [1, 2, 3]);
  writeFileAtomic(f, [Buffer.from("ab"), Uint8Array.from([99]), Buffer.from("")]);
  assert.equal(fs.readFileSync(f, "utf8"), "abc");
  assert.deepEqual(fs.readdirSync(dir), ["a.json"]);
  fs.rmSync(dir, { recursive: true });
});

test("writeFileAtomic: a missing folder is an error naming it unless createDir; a failed rename removes the temp file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-atomic-"));
  const deep = path.join(dir, "x", "y", "b.txt");
  assert.throws(() => writeFileAtomic(deep, "z"), new RegExp(`cannot write .*b\\.txt: folder .*y does not exist`));
  writeFileAtomic(deep, "z", { createDir: true });
  assert.equal(fs.readFileSync(deep, "utf8"), "z");
  // Renaming a file over a non-empty folder fails: the error propagates and no temp file stays.
  const target = path.join(dir, "occupied");
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, "keep"), "k");
  assert.throws(() => writeFileAtomic(target, "data"));
  assert.deepEqual(fs.readdirSync(dir).sort(), ["occupied", "x"]);
  fs.rmSync(dir, { recursive: true });
});
