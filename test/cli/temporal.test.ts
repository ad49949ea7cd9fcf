// `hdlm temporal --run <dir>`: prints oscillation, voting per weighting and TSE statistics for a task model and for a
// TCR policy; bad arguments and a malformed task file are one line naming the flag, file or field.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine } from "../../src/engine";
import { CharVocab, makeArithmeticTask, makeTaskSplits } from "../../src/tasks";
import { pretrainTaskModel } from "../../src/train/task-model";
import { parseTcrConfig, runTcr } from "../../src/train/tcr";
import { parseTemporalArgs, runTemporal } from "../../src/cli/temporal";
import { main } from "../../src/cli/main";
import { UsageError } from "../../src/cli/args";

const vocab = new CharVocab();
const task = makeArithmeticTask(9);
const splits = makeTaskSplits(task, { trainSeed: 1, testSeed: 2, train: 150, test: 20 });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-cli-temporal-"));
let base = "";
let tcr = "";

before(async () => {
  await initEngine();
  base = tmp();
  await pretrainTaskModel({ runDir: base, kind: "mdlm", task, vocab, train: splits.train, val: splits.test, seed: 0, steps: 20, batchSize: 16, lr: 1e-2, warmupSteps: 2, promptWidth: 8, model: { hidden: 16, layers: 1, heads: 2, condDim: 8, seqLen: 12 }, progress: false });
  tcr = tmp();
  await runTcr(parseTcrConfig({ runDir: tcr, baseRun: base, reward: "accuracy", groupSize: 2, promptsPerStep: 2, steps: 1, sampleSteps: 4, promptWidth: 8 }), { task, vocab, train: splits.train }, { progress: false });
});

function capture(): { io: { out(l: string): void; err(l: string): void }; out: string[] } {
  const out: string[] = [];
  return { io: { out: (l) => void out.push(l), err: () => undefined }, out };
}

for (const which of ["task model", "TCR policy"]) {
  test(`temporal --run prints oscillation, voting per weighting and TSE (${which})`, async () => {
    const c = capture();
    await runTemporal(parseTemporalArgs(["--run", which === "task model" ? base : tcr, "--n", "10", "--steps", "4"]), c.io);
    const text = c.out.join("\n");
    assert.match(text, which === "task model" ? /mdlm task model \(step 20\); arithmetic-9, 10 problems x 1 samples/ : /TCR policy \(reward accuracy, step 1\)/);
    assert.match(text, /^oscillation: final pass \d+\.\d%, ever pass \d+\.\d%, gap \d+\.\d%/m);
    assert.match(text, /^voting accuracy: fixed \d+\.\d%, linear \d+\.\d%, exp \d+\.\d%$/m);
    assert.match(text, /^TSE \(bits, exp alpha 12\.8, skip 0\.5\): all \d\.\d{3}/m);
  });
}

test("temporal --decoding: low-confidence remasking runs through the sampler's decoding option", async () => {
  const c = capture();
  await runTemporal(parseTemporalArgs(["--run", base, "--n", "6", "--steps", "4", "--decoding", '{"kind":"semi-ar","blockLength":4,"select":"confidence"}']), c.io);
  assert.match(c.out[0], /decoding \{"kind":"semi-ar","blockLength":4,"select":"confidence"\}/);
  assert.match(c.out.join("\n"), /^voting accuracy: fixed/m);
});

test("temporal: bad arguments and a malformed task file are one line naming what is wrong", async () => {
  assert.throws(() => parseTemporalArgs([]), (e: unknown) => e instanceof UsageError && /temporal needs --run <dir>/.test(e.message));
  assert.throws(() => parseTemporalArgs(["--run", "x", "--samples", "0"]), /--samples must be >= 1, got 0/);
  assert.throws(() => parseTemporalArgs(["--run", "x", "--decoding", '{"kind":"lowconf"}']), (e: unknown) => e instanceof UsageError && /^temporal: --decoding\.kind must be one of "plain", .*got "lowconf"$/.test(e.message));
  assert.throws(() => parseTemporalArgs(["--run", "x", "--decoding", "{kind"]), /--decoding must be a JSON object/);
  const bad = path.join(tmp(), "problems.json");
  fs.writeFileSync(bad, JSON.stringify({ task: "arithmetic", split: "test", problems: [{ a: 1, op: "^", b: 2 }] }));
  const c = capture();
  await assert.rejects(runTemporal(parseTemporalArgs(["--run", base, "--problems", bad]), c.io), (e: unknown) => e instanceof Error && e.message === `${bad}: problems[0].op must be one of "+", "-", "*", got "^"`);
  const errs: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
  try {
    assert.equal(await main(["temporal", "--run", path.join(tmp(), "missing")]), 1);
  } finally {
    process.stderr.write = write;
  }
  const last = errs.filter((l) => l.startsWith("hdlm: "));
  assert.equal(last.length, 1);
  assert.match(last[0], /^hdlm: run folder .*missing does not exist/);
});
