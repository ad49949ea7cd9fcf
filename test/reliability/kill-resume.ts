// kill -9 at seeded random steps, `--resume` each time, then the final parameters and metrics.jsonl must equal an
// uninterrupted run's bit for bit. A kill lands when metrics.jsonl shows the drawn step (after a resumed run has
// rewritten the file), so kills fall anywhere: mid-step, mid-validation or mid-checkpoint. No temporary file may be
// left at the end (the trainer's next checkpoint removes those of killed writers).
import * as fs from "fs";
import * as path from "path";
import { compareRuns, hdlm, hdlmArgv, leftoverTemps, runChild, sleep, tinyRaw, writeConfig } from "./harness";

export interface KillResumeResult {
  ok: boolean;
  objective: string;
  steps: number;
  seed: number;
  /** The drawn kill steps, and per kill the step metrics.jsonl had reached and the checkpoint it resumed from. */
  planned: number[];
  kills: { at: number; reached: number; resumedFrom: number }[];
  /** Temporary files left in the run folder at the end (a kill inside a checkpoint write leaves one; the next checkpoint removes it). */
  leftoverTemps: number;
  problems: string[];
  ms: number;
}

/** mulberry32: the seeded draw of kill steps (independent of the trainer's RNG). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct kill steps in [2, steps - 1], sorted. */
export function drawKillSteps(count: number, steps: number, seed: number): number[] {
  const r = rng(seed);
  const s = new Set<number>();
  while (s.size < Math.min(count, steps - 2)) s.add(2 + Math.floor(r() * (steps - 2)));
  return [...s].sort((a, b) => a - b);
}

/** The highest step in metrics.jsonl (0 when none). */
function lastStep(file: string): number {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return 0;
  }
  let max = 0;
  for (const l of text.split("\n")) {
    const m = /^\{"step":(\d+),/.exec(l);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

const inode = (f: string): number | null => {
  try {
    return fs.statSync(f).ino;
  } catch {
    return null;
  }
};

export async function runKillResume(work: string, options: { kills: number; steps: number; seed: number; objective?: Record<string, unknown> }): Promise<KillResumeResult> {
  const t0 = Date.now();
  const { readCheckpoint } = await import("../../src/train/checkpoint");
  const objective = options.objective ?? { kind: "mdlm" };
  const raw = (runDir: string): Record<string, unknown> =>
    tinyRaw(runDir, { seed: options.seed, objective, steps: options.steps, logEvery: 1, evalEvery: 7, checkpointEvery: 3 });
  const killedRun = path.join(work, "killed");
  const fullRun = path.join(work, "full");
  const cfg = writeConfig(path.join(work, "killed.json"), raw(killedRun));
  const planned = drawKillSteps(options.kills, options.steps, options.seed);
  const metrics = path.join(killedRun, "metrics.jsonl");
  const ckpt = path.join(killedRun, "checkpoint.bin");
  const kills: KillResumeResult["kills"] = [];
  const problems: string[] = [];
  for (const at of planned) {
    const resume = fs.existsSync(ckpt);
    const resumedFrom = resume ? (readCheckpoint(ckpt).meta.step as number) : 0;
    const oldInode = inode(metrics);
    let reached = -1;
    const r = await runChild(hdlmArgv(["train", "--config", cfg, ...(resume ? ["--resume"] : [])]), {
      onSpawn: (child) => {
        (async () => {
          // A resumed run first rewrites metrics.jsonl (new inode); only then do its lines count.
          while (child.exitCode === null && (inode(metrics) === null || (resume && inode(metrics) === oldInode) || lastStep(metrics) < at)) await sleep(1);
          if (child.exitCode !== null) return;
          child.kill("SIGKILL");
          reached = lastStep(metrics);
        })();
      },
    });
    if (r.signal !== "SIGKILL") {
      problems.push(`the run meant to be killed at step ${at} ended on its own (status ${r.code}): ${r.stderr.trim().split("\n").pop()}`);
      break;
    }
    kills.push({ at, reached, resumedFrom });
  }
  const last = await hdlm(["train", "--config", cfg, "--resume"]);
  if (last.code !== 0) problems.push(`the final --resume failed: ${last.stderr.trim().split("\n").pop()}`);
  const full = await hdlm(["train", "--config", writeConfig(path.join(work, "full.json"), raw(fullRun))]);
  if (full.code !== 0) problems.push(`the uninterrupted run failed: ${full.stderr.trim().split("\n").pop()}`);
  if (problems.length === 0) problems.push(...(await compareRuns(killedRun, fullRun)));
  const temps = leftoverTemps(killedRun);
  if (temps.length > 0) problems.push(`temporary files left in the run folder: ${temps.map((t) => path.basename(t)).join(", ")}`);
  return {
    ok: problems.length === 0,
    objective: String(objective.kind),
    steps: options.steps,
    seed: options.seed,
    planned,
    kills,
    leftoverTemps: leftoverTemps(killedRun).length,
    problems,
    ms: Date.now() - t0,
  };
}
