// Disk faults during checkpointing: a full disk (a tmpfs just big enough for one checkpoint) and a run folder that
// turns read-only mid-run (the tmpfs remounted ro while the trainer is stopped), plus the same two faults through a
// write stub at the file-system boundary (test/reliability/fault-stub.cjs) for machines that cannot mount. Each must
// fail with one line naming checkpoint.bin, keep the previous checkpoint readable, leave no temporary file, and
// then `--resume` (disk freed / writable again) must end bit for bit where an unfaulted run ends.
import * as fs from "fs";
import * as path from "path";
import { REPO, changedPaths, checkOneLineError, compareRuns, hashTree, hdlm, hdlmArgv, leftoverTemps, runChild, sh, sleep, tinyRaw, writeConfig } from "./harness";
import type { ChildResult } from "./harness";

export interface FaultResult {
  id: string;
  ok: boolean;
  skipped: string | null;
  /** The error line the trainer printed. */
  line: string;
  /** Step of the checkpoint left in place. */
  keptStep: number | null;
  problems: string[];
}

const STEPS = 60;
const EVERY = 10;
const PAGE = 4096;
const pageUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;

const faultConfig = (runDir: string): Record<string, unknown> => tinyRaw(runDir, { seed: 5, steps: STEPS, checkpointEvery: EVERY, logEvery: 1000, evalEvery: 0 });

/** Whether this process may mount a tmpfs (root on Linux, mount permitted); null = yes, else why not. */
export function tmpfsUnavailable(work: string): string | null {
  const probe = path.join(work, "mount-probe");
  fs.mkdirSync(probe, { recursive: true });
  const m = sh(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
  if (!m.ok) return `mount -t tmpfs failed (${m.err.split("\n")[0] || "not permitted"})`;
  sh(["umount", probe]);
  return null;
}

/** The unfaulted reference run (also gives the file sizes the full disk is cut to). */
export async function referenceRun(work: string): Promise<string> {
  const run = path.join(work, "reference");
  const r = await hdlm(["train", "--config", writeConfig(path.join(work, "reference.json"), faultConfig(run))]);
  if (r.code !== 0) throw new Error(`the reference run failed: ${r.stderr.trim().split("\n").pop()}`);
  return run;
}

async function checkFault(r: ChildResult, runDir: string, expect: RegExp, keptStep: number | null): Promise<{ problems: string[]; line: string; kept: number | null }> {
  const { readCheckpoint } = await import("../../src/train/checkpoint");
  const { problems, line } = checkOneLineError(r, ["checkpoint.bin", expect]);
  let kept: number | null = null;
  try {
    kept = readCheckpoint(path.join(runDir, "checkpoint.bin")).meta.step as number;
    if (keptStep !== null && kept !== keptStep) problems.push(`the kept checkpoint is at step ${kept}, expected ${keptStep}`);
    if (kept % EVERY !== 0 || kept >= STEPS) problems.push(`the kept checkpoint is at step ${kept}`);
  } catch (e) {
    problems.push(`the previous checkpoint is not readable: ${(e as Error).message}`);
  }
  const temps = leftoverTemps(runDir);
  if (temps.length > 0) problems.push(`half-written files left: ${temps.map((t) => path.basename(t)).join(", ")}`);
  return { problems, line, kept };
}

async function resumeMatches(cfg: string, runDir: string, reference: string): Promise<string[]> {
  const r = await hdlm(["train", "--config", cfg, "--resume"]);
  if (r.code !== 0) return [`--resume after the fault failed: ${r.stderr.trim().split("\n").pop()}`];
  return (await compareRuns(runDir, reference)).map((d) => `after --resume: ${d}`);
}

/** Full disk on a tmpfs sized for the run's small files, one checkpoint and half of a second one. */
async function fullDiskTmpfs(work: string, reference: string): Promise<FaultResult> {
  const id = "full disk (tmpfs)";
  const mnt = path.join(work, "full-mnt");
  fs.mkdirSync(mnt, { recursive: true });
  const sizes = ["config.json", "run.json", "vocab.json"].map((f) => pageUp(fs.statSync(path.join(reference, f)).size));
  const ck = fs.statSync(path.join(reference, "checkpoint.bin")).size;
  const size = sizes.reduce((a, b) => a + b, 0) + pageUp(ck) + pageUp(ck / 2) + PAGE;
  const m = sh(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mnt]);
  if (!m.ok) return { id, ok: true, skipped: `mount failed: ${m.err}`, line: "", keptStep: null, problems: [] };
  try {
    const run = path.join(mnt, "run");
    const cfg = writeConfig(path.join(work, "full.json"), faultConfig(run));
    const r = await hdlm(["train", "--config", cfg]);
    const { problems, line, kept } = await checkFault(r, run, /ENOSPC|no space left/, EVERY);
    if (problems.length === 0) {
      const g = sh(["mount", "-o", "remount,size=32m", mnt]);
      if (!g.ok) problems.push(`could not grow the tmpfs: ${g.err}`);
      else problems.push(...(await resumeMatches(cfg, run, reference)));
    }
    return { id, ok: problems.length === 0, skipped: null, line, keptStep: kept, problems };
  } finally {
    if (!sh(["umount", mnt]).ok) sh(["umount", "-l", mnt]);
  }
}

/** The run folder becomes read-only between two checkpoints: the trainer is stopped, the tmpfs remounted ro, resumed. */
async function readOnlyTmpfs(work: string, reference: string): Promise<FaultResult> {
  const id = "read-only run folder (tmpfs remounted ro)";
  const mnt = path.join(work, "ro-mnt");
  fs.mkdirSync(mnt, { recursive: true });
  const m = sh(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", mnt]);
  if (!m.ok) return { id, ok: true, skipped: `mount failed: ${m.err}`, line: "", keptStep: null, problems: [] };
  try {
    const run = path.join(mnt, "run");
    const cfg = writeConfig(path.join(work, "ro.json"), faultConfig(run));
    const ck = path.join(run, "checkpoint.bin");
    let remount: { ok: boolean; err: string } | null = null;
    let before: Map<string, string> | null = null;
    const r = await runChild(hdlmArgv(["train", "--config", cfg]), {
      onSpawn: (child) => {
        (async () => {
          while (!fs.existsSync(ck) && child.exitCode === null) await sleep(2);
          if (child.exitCode !== null) return;
          child.kill("SIGSTOP");
          remount = sh(["mount", "-o", "remount,ro", mnt]);
          before = hashTree([run]);
          child.kill("SIGCONT");
        })();
      },
    });
    const problems: string[] = [];
    if (remount === null) problems.push("the run ended before its first checkpoint could be seen");
    else if (!(remount as { ok: boolean }).ok) problems.push(`remount ro failed: ${(remount as { err: string }).err}`);
    const f = await checkFault(r, run, /EROFS|read-only/, null);
    problems.push(...f.problems);
    if (before !== null) {
      const changed = changedPaths(before, hashTree([run]));
      if (changed.length > 0) problems.push(`changed while read-only: ${changed.join(", ")}`);
    }
    if (problems.length === 0) {
      const w = sh(["mount", "-o", "remount,rw", mnt]);
      if (!w.ok) problems.push(`remount rw failed: ${w.err}`);
      else problems.push(...(await resumeMatches(cfg, run, reference)));
    }
    return { id, ok: problems.length === 0, skipped: null, line: f.line, keptStep: f.kept, problems };
  } finally {
    if (!sh(["umount", mnt]).ok) sh(["umount", "-l", mnt]);
  }
}

/** The same faults through the write stub (no mount needed): the second checkpoint write fails. */
async function viaStub(work: string, reference: string, fault: "enospc" | "erofs"): Promise<FaultResult> {
  const id = fault === "enospc" ? "full disk (write stub)" : "read-only run folder (write stub)";
  const run = path.join(work, `stub-${fault}`, "run");
  const cfg = writeConfig(path.join(work, `stub-${fault}.json`), faultConfig(run));
  const stub = path.join(REPO, "test", "reliability", "fault-stub.cjs");
  const argv = hdlmArgv(["train", "--config", cfg]);
  argv.splice(1, 0, "--require", stub);
  const r = await runChild(argv, { env: { HDLM_FAULT: fault, HDLM_FAULT_DIR: run, HDLM_FAULT_AT: "2" } });
  const f = await checkFault(r, run, fault === "enospc" ? /ENOSPC|no space left/ : /EROFS|read-only/, EVERY);
  const problems = [...f.problems];
  if (problems.length === 0) problems.push(...(await resumeMatches(cfg, run, reference)));
  return { id, ok: problems.length === 0, skipped: null, line: f.line, keptStep: f.kept, problems };
}

/**
 * Every disk-fault case; tmpfs cases are skipped with the reason when mounting is not possible, and then the write-stub
 * cases always run (with `stubs: false`, as in the smoke run, the stub cases run only in that case).
 */
export async function runDiskFaults(work: string, onResult?: (r: FaultResult) => void, options: { stubs?: boolean } = {}): Promise<FaultResult[]> {
  fs.mkdirSync(work, { recursive: true });
  const reference = await referenceRun(work);
  const noMount = tmpfsUnavailable(work);
  const out: FaultResult[] = [];
  const push = (r: FaultResult): void => {
    out.push(r);
    onResult?.(r);
  };
  if (noMount === null) {
    push(await fullDiskTmpfs(work, reference));
    push(await readOnlyTmpfs(work, reference));
  } else {
    for (const id of ["full disk (tmpfs)", "read-only run folder (tmpfs remounted ro)"]) push({ id, ok: true, skipped: noMount, line: "", keptStep: null, problems: [] });
  }
  if (options.stubs !== false || noMount !== null) {
    push(await viaStub(work, reference, "enospc"));
    push(await viaStub(work, reference, "erofs"));
  }
  return out;
}
