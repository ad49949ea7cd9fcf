// `[HDLM_THREADS=1 PROFILE_CPU=1] node --import tsx bench/profile-dit.ts [mdlm,hdlm,ar,ref] [steps]`: where a Trainer DiT step spends its time on the
// native backend. Times every tfjs kernel and every addon call (fused ops) by name, the loss section, the
// variableGrads (forward + backward) section and the optimiser, and prints per-step milliseconds (medians of steps).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf, initEngine } from "../src/engine";
import { loadAddon } from "../src/engine/native/addon";
import { ReferenceModel, REFERENCE_CONFIG, syntheticBatch } from "./reference-model";
import { DIT_CPU, DitObjective, benchTrainer, syntheticTokens } from "./dit";

type Acc = Map<string, { ms: number; calls: number }>;

/** Milliseconds of the clock the profile uses: wall time, or with PROFILE_CPU=1 process CPU time (user + system),
 *  which a busy shared machine inflates much less (use it with HDLM_THREADS=1 so one thread does all the work). */
const clock: () => number =
  process.env.PROFILE_CPU === "1"
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();

function add(acc: Acc, name: string, ms: number): void {
  const e = acc.get(name) ?? { ms: 0, calls: 0 };
  e.ms += ms;
  e.calls += 1;
  acc.set(name, e);
}

/** Wraps every kernel of `backend` and every function of the addon with a wall-clock timer into `acc`. */
function instrument(backend: string, acc: Acc): void {
  for (const k of tf.getKernelsForBackend(backend)) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        const t0 = clock();
        const r = f(args);
        add(acc, `kernel ${k.kernelName}`, clock() - t0);
        return r;
      }) as tf.KernelFunc,
    });
  }
  const addon = loadAddon() as unknown as Record<string, unknown>;
  if ("error" in addon) throw new Error(String(addon.error));
  for (const name of Object.getOwnPropertyNames(addon)) {
    const f = addon[name];
    if (typeof f !== "function" || name === "threads" || name === "setThreads") continue;
    addon[name] = (...a: unknown[]) => {
      const t0 = clock();
      const r = (f as (...x: unknown[]) => unknown)(...a);
      add(acc, `addon ${name}`, clock() - t0);
      return r;
    };
  }
}

/** Prints one profile: per-step milliseconds of every timer with at least 5 ms per step. */
function report(name: string, total: number, steps: number, acc: Acc): void {
  const rows = [...acc.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.log(`\n${name}: ${total.toFixed(0)} ms/step (mean of ${steps}), load ${os.loadavg()[0].toFixed(1)}`);
  let native = 0;
  for (const [k, e] of rows) {
    if (k.startsWith("addon")) native += e.ms;
    if (e.ms / steps >= 5 || k.startsWith("section")) console.log(`  ${k.padEnd(34)} ${(e.ms / steps).toFixed(1).padStart(8)} ms  ${(e.calls / steps).toFixed(0).padStart(5)} calls`);
  }
  const gemm = ["addon linearBias", "addon linearBiasGrad", "addon matmul"].reduce((a, k) => a + (acc.get(k)?.ms ?? 0), 0);
  console.log(`  ${"native calls (all addon functions)".padEnd(34)} ${(native / steps).toFixed(1).padStart(8)} ms, of which sgemm-based ${(gemm / steps).toFixed(1)} ms`);
  console.log(`  ${"outside native calls (JS, tfjs)".padEnd(34)} ${(total - native / steps).toFixed(1).padStart(8)} ms`);
}

async function main(): Promise<void> {
  const objectives = (process.argv[2] ?? "mdlm,hdlm").split(",") as DitObjective[];
  const steps = Number(process.argv[3] ?? 3);
  await initEngine({ backend: "native" });
  const acc: Acc = new Map();
  instrument("native", acc);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-prof-"));
  const data = syntheticTokens(DIT_CPU.vocab);
  try {
    for (const obj of objectives) {
      if ((obj as string) === "ref") {
        const m = new ReferenceModel(REFERENCE_CONFIG, 1);
        const batch = syntheticBatch(REFERENCE_CONFIG, 3);
        m.step(batch);
        acc.clear();
        const t0 = clock();
        for (let s = 0; s < steps; s++) m.step(batch);
        report("ref", (clock() - t0) / steps, steps, acc);
        m.dispose();
        continue;
      }
      const tr = benchTrainer(DIT_CPU, obj, dir, data);
      // Section timers: the objective's loss (forward + loss), the whole variableGrads and the optimiser.
      const lossFn = tr.objective.loss.bind(tr.objective);
      (tr.objective as { loss: typeof lossFn }).loss = (...a) => {
        const t0 = clock();
        const r = lossFn(...a);
        add(acc, "section forward+loss", clock() - t0);
        return r;
      };
      const apply = tr.optimizer.apply.bind(tr.optimizer);
      tr.optimizer.apply = (g) => {
        const t0 = clock();
        const r = apply(g);
        add(acc, "section optimizer", clock() - t0);
        return r;
      };
      tr.trainStep(); // warm-up
      acc.clear();
      const t0 = clock();
      for (let s = 0; s < steps; s++) tr.trainStep();
      report(obj, (clock() - t0) / steps, steps, acc);
      tr.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
