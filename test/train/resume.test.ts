// kill -9 during `hdlm train`, then `--resume`: the final params (bit-for-bit) and metrics.jsonl (byte-for-byte)
// equal those of an uninterrupted run with the same config and seed.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { spawn, ChildProcess } from "child_process";
import { initEngine } from "../../src/engine";
import { readCheckpoint, train, loadConfig } from "../../src/train";
import { REPO, OWT_SMALL, tmpDir } from "./helpers";

before(async () => {
  await initEngine();
});

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", path.join(REPO, "src", "cli", "main.ts"), ...args], { cwd: REPO, env: process.env, stdio: ["ignore", "ignore", "pipe"] });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("kill -9 after a checkpoint, then --resume, matches an uninterrupted run exactly", async () => {
  const dir = tmpDir("hdlm-resume-");
  const steps = 40;
  const raw = (runDir: string) => ({
    preset: "tiny", seed: 3, objective: { kind: "ar" }, runDir, steps, batchSize: 4, logEvery: 1, evalEvery: 15, checkpointEvery: 5, evalBatches: 1,
    data: { files: [OWT_SMALL], vocabSize: 256 },
  });
  const cfgFile = path.join(dir, "killed.json");
  const runKilled = path.join(dir, "killed");
  fs.writeFileSync(cfgFile, JSON.stringify(raw(runKilled)));

  // 1. Start, wait for the first checkpoint, kill -9.
  const child = cli(["train", "--config", cfgFile]);
  const done = exited(child);
  const ckpt = path.join(runKilled, "checkpoint.bin");
  let waited = 0;
  while (!fs.existsSync(ckpt) && child.exitCode === null && waited < 120000) {
    await sleep(5);
    waited += 5;
  }
  child.kill("SIGKILL");
  const first = await done;
  assert.equal(first.signal, "SIGKILL", `the child ended before it was killed: ${first.stderr}`);
  const killedAt = readCheckpoint(ckpt).meta.step as number;
  assert.ok(killedAt >= 5 && killedAt < steps, `checkpoint at step ${killedAt}`);

  // 2. Resume to the end.
  const resumed = await exited(cli(["train", "--config", cfgFile, "--resume"]));
  assert.equal(resumed.code, 0, resumed.stderr);

  // 3. The same config, uninterrupted, in this process.
  const runFull = path.join(dir, "full");
  const fullFile = path.join(dir, "full.json");
  fs.writeFileSync(fullFile, JSON.stringify(raw(runFull)));
  await train(loadConfig(fullFile), { progress: false });

  const a = readCheckpoint(path.join(runKilled, "checkpoint.bin"));
  const b = readCheckpoint(path.join(runFull, "checkpoint.bin"));
  assert.equal(a.meta.step, steps);
  assert.deepEqual(Object.keys(a.tensors), Object.keys(b.tensors));
  for (const name of Object.keys(a.tensors)) {
    const same = a.tensors[name].data.every((x, i) => Object.is(x, b.tensors[name].data[i]));
    assert.ok(same, `${name} differs between the resumed and the uninterrupted run (killed at step ${killedAt})`);
  }
  const ma = fs.readFileSync(path.join(runKilled, "metrics.jsonl"), "utf8");
  const mb = fs.readFileSync(path.join(runFull, "metrics.jsonl"), "utf8");
  assert.equal(ma.trim().split("\n").length, steps + 3); // 40 train lines + val at 15, 30, 40
  const la = ma.split("\n");
  const lb = mb.split("\n");
  const firstDiff = la.findIndex((l, i) => l !== lb[i]);
  assert.equal(firstDiff, -1, `metrics differ first at line ${firstDiff + 1} (killed at step ${killedAt}):\n${la[firstDiff]}\n${lb[firstDiff]}`);
  assert.equal(ma, mb);
});
