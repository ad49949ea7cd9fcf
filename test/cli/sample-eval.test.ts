// End-to-end tests of `hdlm sample` and `hdlm eval`: tiny AR, MDLM and HDLM runs trained for a few steps on real
// OpenWebText text in a temp folder, then the CLI as child processes (output lines parse, samples decode), plus the
// one-line errors for a missing run folder, a folder without a checkpoint and a reference run that is not AR.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { initEngine } from "../../src/engine";
import { train, loadRun, sampleRun } from "../../src/train";
import { parseSampleArgs, parseEvalArgs, runSample, runEval, UsageError } from "../../src/cli";
import type { CliIo } from "../../src/cli";
import { REPO, smallOwt, tinyConfig, tmpDir } from "../train/helpers";

const root = tmpDir("hdlm-cli-");
const runs = { ar: path.join(root, "ar"), mdlm: path.join(root, "mdlm"), hdlm: path.join(root, "hdlm") };

before(async () => {
  await initEngine();
  const objectives = { ar: { kind: "ar" }, mdlm: { kind: "mdlm" }, hdlm: { kind: "hdlm", numClusters: 4 } };
  for (const [k, objective] of Object.entries(objectives)) {
    const cfg = tinyConfig(runs[k as keyof typeof runs], { objective, steps: 4, evalEvery: 0, checkpointEvery: 0, evalBatches: 1 });
    await train(cfg, { data: await smallOwt(), progress: false });
  }
});

/** Runs the CLI (TypeScript through tsx) in the repo root; returns status, stdout and stderr. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(REPO, "src", "cli", "main.ts"), ...args], { cwd: REPO, encoding: "utf8", env: { ...process.env, HDLM_BACKEND: "cpu" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `key: value` lines of an output. */
function fields(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf(": ");
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

function capture(): CliIo & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => void outLines.push(l), err: (l) => void errLines.push(l) };
}

test("hdlm sample (child process): an HDLM run prints K decoded samples and a MASK -> cluster -> word trajectory", () => {
  const r = cli("sample", "--run", runs.hdlm, "--steps", "6", "--n", "3", "--seed", "2", "--trajectory");
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  const samples = lines.filter((l) => /^sample \d+: /.test(l));
  assert.equal(samples.length, 3, r.stdout);
  for (const s of samples) {
    const text = JSON.parse(s.slice(s.indexOf(": ") + 2)) as string;
    assert.ok(typeof text === "string" && text.length > 0, s);
  }
  const steps = lines.filter((l) => /^step \d+ t=/.test(l));
  assert.ok(steps.length >= 2, r.stdout);
  assert.ok(steps[0].includes("[M]") && !steps[0].includes('"'), `starts all MASK: ${steps[0]}`);
  assert.ok(!steps[steps.length - 1].includes("[M]") && !/\[c\d+\]/.test(steps[steps.length - 1]), `ends clean: ${steps[steps.length - 1]}`);
  // With 4 clusters and 6 steps some position passes through a cluster state on its way from MASK to a word.
  assert.ok(steps.some((l) => /\[c\d\]/.test(l)), r.stdout);
});

test("hdlm eval (child process): an MDLM run with an AR reference prints finite valid, wikitext and gen PPL and entropy", () => {
  const r = cli("eval", "--run", runs.mdlm, "--ref", runs.ar, "--wikitext", "valid", "--max-batches", "2", "--n", "2", "--steps", "4", "--estimator", "monte-carlo", "--tdraws", "2");
  assert.equal(r.status, 0, r.stderr);
  const f = fields(r.stdout);
  for (const k of ["valid_ppl_bound", "wikitext_ppl_bound", "gen_ppl", "sample_entropy"]) {
    const v = Number(f.get(k));
    assert.ok(Number.isFinite(v) && v > 0, `${k}: ${f.get(k)}\n${r.stdout}`);
  }
  // A bound over V = 256 tokens from a barely trained model: above 1, and not absurd.
  assert.ok(Number(f.get("valid_ppl_bound")) < 5000, r.stdout);
  assert.match(f.get("valid_ppl_estimator") ?? "", /monte-carlo, 2 .* t draws per batch.* \d+ tokens scored in 2 batches/);
  assert.match(f.get("gen_ppl_scorer") ?? "", /^ar tiny run .*\(step 4\)/);
  assert.ok(Number(f.get("sample_entropy")) <= Math.log(16) + 1e-9, "per-sample entropy of 16 tokens is at most ln 16");
});

test("runEval in-process: without --ref gen_ppl is n/a; an AR run scores its exact NLL", async () => {
  const io = capture();
  await runEval(parseEvalArgs(["--run", runs.hdlm, "--max-batches", "1", "--n", "2", "--steps", "3"]), io);
  const f = fields(io.outLines.join("\n"));
  assert.ok(Number(f.get("valid_ppl_bound")) > 1, io.outLines.join("\n"));
  assert.equal(f.get("gen_ppl"), "n/a (no reference model; pass --ref <ar run>)");
  assert.ok(Number.isFinite(Number(f.get("sample_entropy"))));
  const io2 = capture();
  await runEval(parseEvalArgs(["--run", runs.ar, "--max-batches", "1"]), io2);
  const g = fields(io2.outLines.join("\n"));
  assert.ok(Number(g.get("valid_ppl_bound")) > 1 && Number(g.get("valid_ppl_bound")) < 256 * 2, io2.outLines.join("\n"));
  assert.match(g.get("valid_ppl_estimator") ?? "", /exact causal NLL/);
});

test("runEval --data: your own text (a .txt folder, JSON Lines) scored with the run's vocabulary, every token once", async () => {
  const dir = tmpDir("hdlm-own-data-");
  fs.mkdirSync(path.join(dir, "txt"));
  fs.writeFileSync(path.join(dir, "txt", "a.txt"), "The city council met on Tuesday to discuss the new budget for the schools.");
  fs.writeFileSync(path.join(dir, "txt", "b.txt"), "A zxqv wrflk of unusual words that the vocabulary will not know.");
  fs.writeFileSync(path.join(dir, "docs.jsonl"), JSON.stringify({ text: "The city council met on Tuesday." }) + "\n");
  for (const [run, source] of [[runs.mdlm, path.join(dir, "txt")], [runs.ar, path.join(dir, "docs.jsonl")]]) {
    const io = capture();
    await runEval(parseEvalArgs(["--run", run, "--max-batches", "1", "--k", "2", "--data", source, "--n", "1", "--steps", "2"]), io);
    const f = fields(io.outLines.join("\n"));
    assert.ok(Number(f.get("data_ppl_bound")) > 1, io.outLines.join("\n"));
    assert.match(f.get("data_ppl_estimator") ?? "", new RegExp(`${path.basename(source)}, \\d+ documents, every token in 16-token windows \\(\\d+\\.\\d% of them the unknown id\\)`));
  }
  await assert.rejects(runEval(parseEvalArgs(["--run", runs.mdlm, "--data", path.join(dir, "missing")]), capture()), /--data .*missing: no such file or folder/);
  assert.throws(() => parseEvalArgs(["--run", runs.mdlm, "--estimator", "guess"]), /--estimator must be stratified, monte-carlo or quadrature/);
});

test("loadRun + sampleRun: samples are real token ids, deterministic by seed, and decode to text", () => {
  const run = loadRun(runs.mdlm);
  try {
    const a = sampleRun(run, { n: 2, steps: 4, seed: 5 });
    const b = sampleRun(run, { n: 2, steps: 4, seed: 5 });
    assert.deepEqual(Array.from(a.tokens.data), Array.from(b.tokens.data));
    assert.ok(a.tokens.data.every((id) => id >= 0 && id < run.vocabSize));
    assert.equal(typeof run.vocab().decode(a.tokens.data), "string");
    assert.equal(run.step, 4);
  } finally {
    run.dispose();
  }
});

test("bad input: missing folder, no checkpoint, non-AR reference, AR run to sample, bad flags", async () => {
  const io = capture();
  await assert.rejects(runSample(parseSampleArgs(["--run", path.join(root, "nope")]), io), /run folder .*nope does not exist/);
  const empty = path.join(root, "empty");
  fs.mkdirSync(empty);
  await assert.rejects(runSample(parseSampleArgs(["--run", empty]), io), /is not a run folder: it has no config.json/);
  const noCk = path.join(root, "no-ckpt");
  fs.mkdirSync(noCk);
  fs.copyFileSync(path.join(runs.mdlm, "config.json"), path.join(noCk, "config.json"));
  await assert.rejects(runSample(parseSampleArgs(["--run", noCk]), io), /has no checkpoint.bin yet/);
  await assert.rejects(runEval(parseEvalArgs(["--run", runs.hdlm, "--ref", runs.mdlm]), io), /--ref .* is a run of kind mdlm; the gen PPL scorer must be an ar run/);
  await assert.rejects(runSample(parseSampleArgs(["--run", runs.ar]), io), /is an ar run; hdlm sample draws from diffusion runs/);
  assert.throws(() => parseSampleArgs(["--steps", "4"]), (e: Error) => e instanceof UsageError && /sample needs --run/.test(e.message));
  assert.throws(() => parseSampleArgs(["--run", "x", "--steps", "-3"]), /--steps must be a non-negative integer, got -3/);
  assert.throws(() => parseEvalArgs(["--run", "x", "--wikitext", "train"]), /--wikitext must be valid or test, got train/);
  assert.throws(() => parseEvalArgs(["--run", "x", "--bogus"]), /unknown argument --bogus/);
});

test("bad input (child process): one line on stderr, exit status 1, no stack trace", () => {
  const r = cli("eval", "--run", path.join(root, "missing-run"));
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("hdlm:"));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^hdlm: run folder .*missing-run does not exist/);
  assert.ok(!/\n\s+at /.test(r.stderr), r.stderr);
});
