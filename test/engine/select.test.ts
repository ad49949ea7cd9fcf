// Backend selection: fallback without tfjs-node, the HDLM_BACKEND override, and one-line errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { initEngine, describeEngine, engineLabel, tf } from "../../src/engine";

const root = path.resolve(__dirname, "..", "..");

function runWith(env: Record<string, string>): { code: number | null; out: string; err: string } {
  const script = `require("./src/engine").initEngine().then(r => console.log(JSON.stringify(r)), e => { console.error(e.message); process.exit(2); })`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("auto selection falls past missing tfjs-node to a working backend and reports why", async () => {
  const r = await initEngine();
  assert.ok(["tensorflow", "native", "wasm", "cpu"].includes(r.backend));
  assert.equal(tf.getBackend(), r.backend);
  // Only auto-selection tries tfjs-node first; a forced backend (HDLM_BACKEND=wasm in the wasm test run) skips nothing.
  const forced = (process.env.HDLM_BACKEND ?? "") !== "";
  if (r.backend !== "tensorflow" && !forced) assert.ok(r.skipped.some((s) => s.backend === "tensorflow" && /tfjs-node/.test(s.reason)));
  assert.match(describeEngine(r), /^backend \w+ \(tfjs 4\.22\.0\), threads \d+/);
  assert.equal(engineLabel({ ...r, backend: "native", threads: 1 }), "native backend, 1 thread");
  assert.equal(engineLabel({ ...r, backend: "wasm", threads: 2 }), "wasm backend, 2 threads");
});

test("HDLM_BACKEND forces a backend", () => {
  const r = runWith({ HDLM_BACKEND: "cpu" });
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out.trim().split("\n").pop()!).backend, "cpu");
});

test("HDLM_BACKEND=nonsense fails with one clear line", () => {
  const r = runWith({ HDLM_BACKEND: "nonsense" });
  assert.equal(r.code, 2);
  assert.match(r.err.trim(), /^HDLM_BACKEND=nonsense is not a backend; use one of tensorflow, native, wasm, cpu/);
});

test("forcing an unavailable backend names it and the fix", () => {
  const r = runWith({ HDLM_BACKEND: "tensorflow" });
  if (r.code === 0) return; // tfjs-node is installed on this machine: nothing to check
  assert.equal(r.code, 2);
  assert.match(r.err, /HDLM_BACKEND=tensorflow is not available here .*unset HDLM_BACKEND/);
});
