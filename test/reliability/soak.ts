// Soak: N training steps of the tiny preset (its model, batch, data, eval and checkpoint cadence; MDLM objective) in a
// child process. The tensor count and RSS are sampled 100 times; 20 of the samples also come after a full GC (raw
// RSS is a sawtooth of V8 garbage that a major GC resets, so retained memory is the leak signal). Passes when the
// tensor count is flat, the post-GC heap does not grow (slope below 1 KiB/step) and post-GC RSS stays bounded
// (growth after the first 10% of the run below `maxRssGrowthMiB`). RSS slopes (least squares, KiB/step) are reported.
import * as fs from "fs";
import * as path from "path";
import { REPO, runChild, writeConfig } from "./harness";

export interface SoakResult {
  ok: boolean;
  steps: number;
  engine: string;
  seconds: number;
  samples: number;
  tensorsMin: number;
  tensorsMax: number;
  rssPeakMiB: number;
  /** Least-squares slope of raw RSS after the first 10% of the run, KiB per step (GC sawtooth included). */
  rssSlopeKiBPerStep: number;
  /** The same for RSS after a full GC. */
  rssGcSlopeKiBPerStep: number;
  rssGcStartMiB: number;
  rssGcEndMiB: number;
  rssGcMaxGrowthMiB: number;
  /** Least-squares slope of the post-GC V8 heap, KiB per step. */
  heapGcSlopeKiBPerStep: number;
  heapGcStartMiB: number;
  heapGcEndMiB: number;
  problems: string[];
}

/** Least-squares slope of y on x. */
export function slope(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

interface Sample {
  step: number;
  tensors: number;
  rssMiB: number;
  heapMiB: number;
  rssGcMiB: number | null;
  heapGcMiB: number | null;
}

export async function runSoak(work: string, steps: number, limits = { maxHeapSlopeKiBPerStep: 1, maxRssGrowthMiB: 32 }): Promise<SoakResult> {
  fs.mkdirSync(work, { recursive: true });
  const cfg = writeConfig(path.join(work, "soak.json"), { preset: "tiny", objective: { kind: "mdlm" }, runDir: path.join(work, "run"), steps });
  const out = path.join(work, "soak-samples.json");
  const every = Math.max(1, Math.floor(steps / 100));
  const gcEvery = Math.max(every, Math.floor(steps / 20));
  const r = await runChild([process.execPath, "--expose-gc", "--import", "tsx", path.join(REPO, "test", "reliability", "soak-child.ts"), cfg, out, String(every), String(gcEvery)], { timeoutMs: 1_800_000 });
  if (r.code !== 0) throw new Error(`the soak run failed: ${r.stderr.trim().split("\n").pop()}`);
  const s = JSON.parse(fs.readFileSync(out, "utf8")) as { engine: string; seconds: number; samples: Sample[] };
  const tensors = s.samples.map((x) => x.tensors);
  const after = s.samples.filter((x) => x.step > steps / 10);
  const gcs = after.filter((x) => x.rssGcMiB !== null) as (Sample & { rssGcMiB: number; heapGcMiB: number })[];
  const rssSlope = slope(after.map((x) => x.step), after.map((x) => x.rssMiB)) * 1024;
  const rssGcSlope = slope(gcs.map((x) => x.step), gcs.map((x) => x.rssGcMiB)) * 1024;
  const heapSlope = slope(gcs.map((x) => x.step), gcs.map((x) => x.heapGcMiB)) * 1024;
  const growth = Math.max(...gcs.map((x) => x.rssGcMiB)) - gcs[0].rssGcMiB;
  const problems: string[] = [];
  const tMin = Math.min(...tensors);
  const tMax = Math.max(...tensors);
  if (tMax !== tMin) problems.push(`the tensor count moved between ${tMin} and ${tMax}`);
  if (heapSlope > limits.maxHeapSlopeKiBPerStep) problems.push(`post-GC heap slope ${heapSlope.toFixed(2)} KiB/step > ${limits.maxHeapSlopeKiBPerStep}`);
  if (growth > limits.maxRssGrowthMiB) problems.push(`post-GC RSS grew ${growth.toFixed(1)} MiB > ${limits.maxRssGrowthMiB}`);
  return {
    ok: problems.length === 0,
    steps,
    engine: s.engine,
    seconds: s.seconds,
    samples: s.samples.length,
    tensorsMin: tMin,
    tensorsMax: tMax,
    rssPeakMiB: Math.max(...s.samples.map((x) => x.rssMiB)),
    rssSlopeKiBPerStep: rssSlope,
    rssGcSlopeKiBPerStep: rssGcSlope,
    rssGcStartMiB: gcs[0].rssGcMiB,
    rssGcEndMiB: gcs[gcs.length - 1].rssGcMiB,
    rssGcMaxGrowthMiB: growth,
    heapGcSlopeKiBPerStep: heapSlope,
    heapGcStartMiB: gcs[0].heapGcMiB,
    heapGcEndMiB: gcs[gcs.length - 1].heapGcMiB,
    problems,
  };
}
