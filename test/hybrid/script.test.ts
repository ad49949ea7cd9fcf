// `npm run hybrid -- --smoke` end to end (child process): every method's row (AR, SEDD, Diffusion-LM, hybrid, MDLM,
// HDLM; 2 seeds) on OWT valid / held-out and WikiText-2 valid / test, the hybrid's parts table, results.{json,md}; a
// rerun trains nothing (finished rows and parts are read back) and writes the same table; a bad flag is one line.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { REPO, tmpDir } from "../train/helpers";

function hybridScript(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(REPO, "scripts", "hybrid.ts"), ...args], { cwd: REPO, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("npm run hybrid --smoke: all methods and both WikiText-2 splits, the hybrid's parts; a rerun is resumed, not retrained", () => {
  const out = tmpDir("hdlm-hybrid-smoke-");
  const first = hybridScript("--smoke", "--out", out);
  assert.equal(first.status, 0, first.stderr);
  const md = fs.readFileSync(path.join(out, "results.md"), "utf8");
  for (const m of ["AR", "SEDD (absorbing)", "Diffusion-LM", "hybrid (a=0.35, b=0.75)", "MDLM", "HDLM (n=8, gamma=1)"]) assert.ok(md.includes(`| ${m} |`), `row ${m} in\n${md}`);
  for (const s of ["OWT valid", "OWT held-out", "WikiText-2 valid", "WikiText-2 test"]) assert.ok(md.includes(s), s);
  assert.match(md, /\| set \| d1 \| maskEntropy \| decoderA \| continuous \| boundaryB \| d2 \| total \| rounding accuracy at b \|/);
  const json = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8")) as { rows: { kind: string }[]; parts: Record<string, unknown> };
  assert.equal(json.rows.filter((r) => r.kind !== "unigram").length, 12);
  assert.equal(Object.keys(json.parts).length, 2);
  assert.match(first.stdout, /trained 12 of 12 runs/);

  const again = hybridScript("--smoke", "--out", out);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /trained 0 of 12 runs/);
  const strip = (s: string) => s.split("\n").filter((l) => l.startsWith("|")).join("\n");
  assert.equal(strip(fs.readFileSync(path.join(out, "results.md"), "utf8")), strip(md));

  const bad = hybridScript("--smoke", "--steps", "0", "--out", out);
  assert.notEqual(bad.status, 0);
  assert.equal(bad.stderr.trim(), "hybrid: --steps must be an integer >= 1, got 0");
});
