// `npm run bench -- --smoke` (what CI runs): tiny matmul table and training step on every available backend,
// with numpy/PyTorch references when present; it must finish and end with the two ratio lines (speed is not asserted).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

test("bench --smoke runs and ends with the training and matmul ratio lines", () => {
  const root = path.resolve(__dirname, "..", "..");
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/index.ts", "--smoke"], { cwd: root, encoding: "utf8", timeout: 240_000, env: { ...process.env, HDLM_BACKEND: "" } });
  assert.equal(r.status, 0, `bench exited with ${r.status}: ${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[lines.length - 2], /^training ratio vs PyTorch: (\d+\.\d{3}|n\/a)$/);
  assert.match(lines[lines.length - 1], /^matmul ratio vs OpenBLAS: (\d+\.\d{3}|n\/a)$/);
  assert.match(r.stdout, /matmul GFLOP\/s/);
  assert.match(r.stdout, /reference training step: B2 T8 D16 H2 L2 V32/);
  // The DiT section times the PyTorch twin at the native backend's thread count (or says in one line why not).
  assert.match(r.stdout, /^ {2}PyTorch \(reference model and DiT twin\) runs \d+ threads?: /m);
  assert.match(r.stdout, /^ {2}PyTorch twin (of the DiT \(interop\/twin_train\.py\): .* \d+ threads?,|skipped: )/m);
  assert.match(r.stdout, /^dit ratio vs PyTorch: (\d+\.\d{3}|n\/a)$/m);
  assert.match(r.stdout, /^PyTorch twin hdlm step \/ mdlm step: (\d+\.\d{3}|n\/a)$/m);
  // Peak RSS is measured per engine in its own process: one row per trained tfjs backend with a positive MiB figure.
  assert.match(r.stdout, /^peak RSS, one engine per process, \d+ training steps each/m);
  const rss = [...r.stdout.matchAll(/^tfjs (\w+) +(\d+) +(\d+) +(\d+\.\d{2}|n\/a)$/gm)];
  assert.ok(rss.length >= 2 && rss.every((m) => Number(m[2]) > 0 && Number(m[2]) >= Number(m[3])), `expected per-engine peak RSS rows in:\n${r.stdout}`);
  // Every backend trained the same tiny model from the same seed: equal last losses (to the printed 4 decimals).
  const losses = [...r.stdout.matchAll(/^tfjs (\w+) .* (\d+\.\d{4})$/gm)].map((m) => m[2]);
  assert.ok(losses.length >= 2, `expected at least two tfjs backends in:\n${r.stdout}`);
  assert.equal(new Set(losses).size, 1, `backends disagree on the loss: ${losses}`);
});
