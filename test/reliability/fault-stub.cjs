// A write stub at the file-system boundary, for machines where a small tmpfs cannot be mounted: loaded with
// `node --require`, it makes writes under HDLM_FAULT_DIR fail like a full disk (ENOSPC after half of the bytes of
// the Nth temporary checkpoint file) or a read-only folder (EROFS when the Nth temporary checkpoint file is opened).
// HDLM_FAULT=enospc|erofs, HDLM_FAULT_DIR=<run folder>, HDLM_FAULT_AT=N (1-based count of checkpoint writes).
"use strict";
const fs = require("fs");
const path = require("path");
const kind = process.env.HDLM_FAULT;
const dir = path.resolve(process.env.HDLM_FAULT_DIR || "/nonexistent");
const at = Number(process.env.HDLM_FAULT_AT || "2");
let opened = 0;
const doomed = new Set();
const fail = (code, syscall, file) => {
  const msg = code === "ENOSPC" ? "no space left on device" : "read-only file system";
  const e = new Error(`${code}: ${msg}, ${syscall}${file ? ` '${file}'` : ""}`);
  e.code = code;
  e.errno = code === "ENOSPC" ? -28 : -30;
  e.syscall = syscall;
  return e;
};
const openSync = fs.openSync;
fs.openSync = function (file, flags, ...rest) {
  const p = path.resolve(String(file));
  const isCkptTmp = path.dirname(p) === dir && /^\.checkpoint\.bin\.tmp-/.test(path.basename(p));
  if (isCkptTmp) opened++;
  if (isCkptTmp && opened >= at && kind === "erofs") throw fail("EROFS", "open", p);
  const fd = openSync.call(this, file, flags, ...rest);
  if (isCkptTmp && opened >= at && kind === "enospc") doomed.add(fd);
  return fd;
};
const writeSync = fs.writeSync;
fs.writeSync = function (fd, buffer, ...rest) {
  if (doomed.has(fd) && typeof buffer !== "string" && buffer.length > 1) {
    writeSync.call(this, fd, buffer.subarray(0, Math.floor(buffer.length / 2)));
    throw fail("ENOSPC", "write");
  }
  return writeSync.call(this, fd, buffer, ...rest);
};
const closeSync = fs.closeSync;
fs.closeSync = function (fd) {
  doomed.delete(fd);
  return closeSync.call(this, fd);
};
