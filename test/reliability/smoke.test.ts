// The reliability suite's smoke run (the full run is `npm run reliability`; see scripts/reliability.ts): the whole
// bad-inputs corpus through the real CLI, the disk faults during checkpointing, kill -9 at 3 seeded steps with
// --resume (bit for bit), and a 50-step soak of the tiny preset.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { BAD_CASES, runBadInputs } from "./bad-inputs";
import { runDiskFaults } from "./disk-faults";
import { runKillResume } from "./kill-resume";
import { runSoak } from "./soak";
import { tmpDir } from "./harness";

const root = tmpDir("hdlm-reliability-smoke-");
after(() => fs.rmSync(root, { recursive: true, force: true }));

test(`bad inputs: all ${BAD_CASES.length} cases exit non-zero with one line naming the file or field, no stack trace, nothing changed`, async () => {
  const rs = await runBadInputs(path.join(root, "bad"), 3);
  const failed = rs.filter((r) => !r.ok).map((r) => `${r.id}: ${r.problems.join("; ")}\n    line: ${r.line}`);
  assert.deepEqual(failed, []);
  // Every kind of input the issue lists is in the corpus.
  assert.deepEqual([...new Set(rs.map((r) => r.kind))].sort(), ["checkpoint", "cluster map", "config", "data file", "notebook", "token cache"]);
});

test("disk faults: a full disk and a read-only run folder during checkpointing keep the previous checkpoint; --resume then matches", async () => {
  const rs = await runDiskFaults(path.join(root, "disk"), undefined, { stubs: false });
  const ran = rs.filter((r) => r.skipped === null);
  assert.ok(ran.length >= 2, `ran: ${rs.map((r) => `${r.id} ${r.skipped ?? "ran"}`).join(", ")}`);
  for (const r of ran) {
    assert.ok(r.ok, `${r.id}: ${r.problems.join("; ")}\n    line: ${r.line}`);
    assert.match(r.line, /checkpoint\.bin: (ENOSPC|EROFS)/);
  }
});

test("kill -9 at 3 seeded steps, --resume each time: final params and metrics equal an uninterrupted run bit for bit", async () => {
  const r = await runKillResume(path.join(root, "kill"), { kills: 3, steps: 40, seed: 14, objective: { kind: "mdlm" } });
  assert.ok(r.ok, r.problems.join("\n"));
  assert.equal(r.kills.length, 3);
  assert.ok(r.kills.every((k) => k.reached >= k.at), JSON.stringify(r.kills));
});

test("soak (50 steps of the tiny preset): flat tensor count, bounded RSS", async () => {
  const r = await runSoak(path.join(root, "soak"), 50, { maxHeapSlopeKiBPerStep: 64, maxRssGrowthMiB: 64 });
  assert.ok(r.ok, r.problems.join("\n"));
  assert.equal(r.tensorsMin, r.tensorsMax);
});

test("the one-line check itself rejects a stack trace, two error lines, exit 0 and a line that names nothing", async () => {
  const { checkOneLineError } = await import("./harness");
  const base = { signal: null, stdout: "", ms: 1 };
  assert.deepEqual(checkOneLineError({ ...base, code: 1, stderr: "hdlm train: starting\nhdlm: x.json: config.steps must be an integer\n" }, ["config.steps"]).problems, []);
  assert.ok(checkOneLineError({ ...base, code: 1, stderr: "hdlm: boom\n    at Object.<anonymous> (/x/node_modules/y.js:1:1)\n" }, ["boom"]).problems.some((p) => /stack trace/.test(p)));
  assert.ok(checkOneLineError({ ...base, code: 1, stderr: "hdlm: a\nhdlm: b\n" }, ["a"]).problems.some((p) => /2 error lines/.test(p)));
  assert.ok(checkOneLineError({ ...base, code: 0, stderr: "hdlm: a\n" }, ["a"]).problems.includes("exit status 0"));
  assert.ok(checkOneLineError({ ...base, code: 1, stderr: "hdlm: ENOSPC: no space left on device, write\n" }, ["checkpoint.bin"]).problems.some((p) => /lacks checkpoint\.bin/.test(p)));
});

test("a checkpoint write removes the temporary files of killed writers (dead pid), never a live writer's", async () => {
  const { spawn, spawnSync } = await import("child_process");
  const { writeCheckpoint, readCheckpoint } = await import("../../src/train/checkpoint");
  const { tf } = await import("../../src/engine/tf");
  const dir = path.join(root, "stale");
  fs.mkdirSync(dir, { recursive: true });
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
  const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  try {
    const deadTmp = path.join(dir, `.checkpoint.bin.tmp-${dead}-1`);
    const liveTmp = path.join(dir, `.checkpoint.bin.tmp-${live.pid}-1`);
    fs.writeFileSync(deadTmp, "half a checkpoint");
    fs.writeFileSync(liveTmp, "a checkpoint being written");
    writeCheckpoint(path.join(dir, "checkpoint.bin"), { w: tf.tensor1d([1, 2, 3]) }, { step: 1 });
    assert.equal(fs.existsSync(deadTmp), false);
    assert.equal(fs.existsSync(liveTmp), true);
    assert.equal(readCheckpoint(path.join(dir, "checkpoint.bin")).meta.step, 1);
  } finally {
    live.kill("SIGKILL");
  }
});
