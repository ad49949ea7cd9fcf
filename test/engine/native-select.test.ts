// Backend selection with the native pack: auto-selection picks "native" when the addon is built, and a pack that
// fails during registration (here: an invalid HDLM_THREADS) falls back to wasm with the reason in the report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { skipNative } from "./native-helpers";

const root = path.resolve(__dirname, "..", "..");

function selectIn(env: Record<string, string>): { backend: string; line: string; stderr: string } {
  const script = `const { initEngine, describeEngine } = require("./src/engine");
initEngine().then((r) => { console.log(JSON.stringify({ backend: r.backend, line: describeEngine(r) })); process.exit(0); },
  (e) => { console.log(JSON.stringify({ backend: "error", line: String(e && e.message) })); process.exit(0); });`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, env: { ...process.env, HDLM_BACKEND: "", ...env }, encoding: "utf8", timeout: 120_000 });
  const last = (r.stdout || "").trim().split("\n").pop() ?? "";
  try {
    return { ...(JSON.parse(last) as { backend: string; line: string }), stderr: r.stderr };
  } catch {
    return { backend: "none", line: last, stderr: r.stderr };
  }
}

test("auto-selection picks the native backend and names its kernels and threads", { skip: skipNative }, () => {
  const r = selectIn({ HDLM_THREADS: "2" });
  assert.equal(r.backend, "native", `${r.line} ${r.stderr}`);
  assert.match(r.line, /threads 2/);
  assert.match(r.line, /BatchMatMul/);
  assert.match(r.line, /fused ops: layerNorm, geluTanh, attention \(rotary, padding\/causal mask\), linearBias/);
});

test("a native pack that fails to register falls back to wasm and says why", { skip: skipNative }, () => {
  const r = selectIn({ HDLM_THREADS: "zero" });
  assert.equal(r.backend, "wasm", `${r.line} ${r.stderr}`);
  assert.doesNotMatch(r.line, /fused ops/);
  assert.match(r.line, /skipped .*native \(native pack failed its self-check: HDLM_THREADS must be a positive integer, got zero\)/);
});
