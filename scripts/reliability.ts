// `npm run reliability [-- --smoke] [-- --only bad|disk|kill|soak]`: the reliability suite of issue 14, driving the
// real `hdlm` CLI as child processes.
//   bad inputs  every case of test/fixtures/bad (configs, cluster maps, checkpoints, token caches, data files,
//               notebooks): non-zero exit, one error line naming the file or field, no stack trace, nothing changed
//   disk faults full disk and read-only run folder during checkpointing (tmpfs when mountable, and a write stub;
//               smoke: the stub only where tmpfs cannot be mounted):
//               one line naming checkpoint.bin, previous checkpoint intact, no half-written file, --resume matches
//   kill/resume kill -9 at 10 seeded random steps (smoke: 3) per objective, --resume each time, final params and
//               metrics bit for bit equal to an uninterrupted run
//   soak        1,000 steps of the tiny preset (smoke: 50): flat tensor count, bounded RSS, slopes reported
// Writes a JSON report to out/reliability/report[-smoke].json; exits 1 when any case fails.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runBadInputs, BAD_CASES } from "../test/reliability/bad-inputs";
import { runDiskFaults } from "../test/reliability/disk-faults";
import { runKillResume } from "../test/reliability/kill-resume";
import { runSoak } from "../test/reliability/soak";
import { REPO, cliKind } from "../test/reliability/harness";

const OBJECTIVES: Record<string, unknown>[] = [{ kind: "ar" }, { kind: "mdlm" }, { kind: "hdlm", numClusters: 4 }, { kind: "gidd" }];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const smoke = args.includes("--smoke");
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
  const unknown = args.filter((a, i) => !["--smoke", "--only"].includes(a) && args[i - 1] !== "--only");
  if (unknown.length > 0 || (only !== null && !["bad", "disk", "kill", "soak"].includes(only))) {
    process.stderr.write("usage: npm run reliability [-- --smoke] [-- --only bad|disk|kill|soak]\n");
    return 2;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-reliability-"));
  const t0 = Date.now();
  const report: Record<string, unknown> = { smoke, date: new Date().toISOString(), node: process.version, cpus: os.cpus().length };
  report.cli = cliKind();
  let failed = 0;
  const say = (s: string): void => void process.stdout.write(s + "\n");
  const mark = (ok: boolean, skipped: string | null = null): string => (skipped !== null ? "SKIP" : ok ? "ok  " : "FAIL");
  try {
    if (only === null || only === "bad") {
      say(`== bad inputs (${BAD_CASES.length} cases from test/fixtures/bad) ==`);
      say(`cli: ${report.cli}`);
      const rs = await runBadInputs(path.join(root, "bad"), 3, (r) => {
        say(`${mark(r.ok, r.skipped)} ${r.kind.padEnd(11)} ${r.id} (${(r.ms / 1000).toFixed(1)}s)${r.skipped ? `: ${r.skipped}` : ""}\n       ${r.line}`);
        for (const p of r.problems) say(`       ! ${p}`);
      });
      failed += rs.filter((r) => !r.ok).length;
      report.badInputs = rs;
      const byKind = new Map<string, number>();
      for (const r of rs) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
      say(`bad inputs: ${rs.filter((r) => r.ok && !r.skipped).length} passed, ${rs.filter((r) => !r.ok).length} failed, ${rs.filter((r) => r.skipped).length} skipped (${[...byKind].map(([k, n]) => `${n} ${k}`).join(", ")})`);
    }
    if (only === null || only === "disk") {
      say("== disk faults during checkpointing ==");
      const rs = await runDiskFaults(path.join(root, "disk"), (r) => {
        say(`${mark(r.ok, r.skipped)} ${r.id}${r.skipped ? `: ${r.skipped}` : `: kept the step-${r.keptStep} checkpoint, --resume matched`}\n       ${r.line}`);
        for (const p of r.problems) say(`       ! ${p}`);
      }, { stubs: !smoke });
      failed += rs.filter((r) => !r.ok).length;
      report.diskFaults = rs;
    }
    if (only === null || only === "kill") {
      say("== kill -9 and --resume ==");
      const runs = [];
      for (const [i, objective] of (smoke ? [{ kind: "mdlm" }] : OBJECTIVES).entries()) {
        const r = await runKillResume(path.join(root, `kill-${i}`), { kills: smoke ? 3 : 10, steps: smoke ? 40 : 100, seed: 14 + i, objective });
        runs.push(r);
        say(`${mark(r.ok)} ${r.objective}: ${r.kills.length} kills at steps ${r.kills.map((k) => `${k.reached} (from ${k.resumedFrom})`).join(", ")} of ${r.steps}; final params and metrics ${r.ok ? "bit-for-bit equal" : "DIFFER"} (${(r.ms / 1000).toFixed(1)}s, ${r.leftoverTemps} temporary files left)`);
        for (const p of r.problems) say(`       ! ${p}`);
        if (!r.ok) failed++;
      }
      report.killResume = runs;
    }
    if (only === null || only === "soak") {
      const steps = smoke ? 50 : 1000;
      say(`== soak (${steps} steps, tiny preset) ==`);
      const r = await runSoak(path.join(root, "soak"), steps, smoke ? { maxHeapSlopeKiBPerStep: 64, maxRssGrowthMiB: 64 } : undefined);
      say(
        `${mark(r.ok)} ${r.steps} steps in ${r.seconds.toFixed(1)}s (${r.engine}): tensors ${r.tensorsMin}..${r.tensorsMax}; ` +
          `RSS peak ${r.rssPeakMiB.toFixed(1)} MiB, slope ${r.rssSlopeKiBPerStep.toFixed(2)} KiB/step raw, ${r.rssGcSlopeKiBPerStep.toFixed(2)} after GC ` +
          `(${r.rssGcStartMiB.toFixed(1)} -> ${r.rssGcEndMiB.toFixed(1)} MiB, max growth ${r.rssGcMaxGrowthMiB.toFixed(1)}); ` +
          `heap after GC ${r.heapGcStartMiB.toFixed(1)} -> ${r.heapGcEndMiB.toFixed(1)} MiB, slope ${r.heapGcSlopeKiBPerStep.toFixed(3)} KiB/step`,
      );
      for (const p of r.problems) say(`       ! ${p}`);
      if (!r.ok) failed++;
      report.soak = r;
    }
  } finally {
    if (!process.env.HDLM_RELIABILITY_KEEP) fs.rmSync(root, { recursive: true, force: true });
    else say(`kept ${root}`);
  }
  report.seconds = (Date.now() - t0) / 1000;
  report.failed = failed;
  const out = path.join(REPO, "out", "reliability", smoke ? "report-smoke.json" : "report.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(report, null, 1) + "\n");
  say(`reliability${smoke ? " (smoke)" : ""}: ${failed === 0 ? "all passed" : `${failed} FAILED`} in ${report.seconds}s; report ${path.relative(REPO, out)}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`reliability: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
