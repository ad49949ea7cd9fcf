// `npm run bench [-- matmul|train|dit] [--smoke] [--steps N] [--backends a,b] [--torch-threads N] [--python PATH]`:
// matmul GFLOP/s, the reference training step vs numpy's OpenBLAS and PyTorch, and the library's DiT/AR train step
// vs its PyTorch twin (interop/twin_train.py). PyTorch runs with as many threads as the primary backend unless
// --torch-threads says otherwise.
// The last two lines are always `training ratio vs PyTorch: <x>` and `matmul ratio vs OpenBLAS: <x>`.
import * as os from "os";
import { tf, initEngine, describeEngine, setExplicitTranspose, BACKENDS, BackendName, EngineReport } from "../src/engine";
import { matmulCases, timeMatmulsNumpy, timeMatmulsTfjs } from "./matmul";
import { REFERENCE_CONFIG, TINY_CONFIG, forwardFlops, parameterCount } from "./reference-model";
import { TorchReference, TrainResult, median, measureTrainingRss, timeTraining } from "./train";
import { DIT_CPU, DIT_TINY, DitObjective, DitResult, timeDitSteps } from "./dit";

interface Options {
  what: "all" | "matmul" | "train" | "dit";
  smoke: boolean;
  steps: number;
  warmup: number;
  ditSteps: number;
  ditObjectives: DitObjective[];
  backends: BackendName[] | null;
  /** PyTorch threads; 0 = the primary backend's thread count (equal threads, the default). */
  torchThreads: number;
  python: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { what: "all", smoke: false, steps: 0, warmup: 1, ditSteps: 0, ditObjectives: ["mdlm", "hdlm", "ar"], backends: null, torchThreads: 0, python: process.env.HDLM_PYTHON ?? "/usr/bin/python3" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "matmul" || a === "train" || a === "dit" || a === "all") o.what = a;
    else if (a === "--smoke") o.smoke = true;
    else if (a === "--steps") o.steps = Number(value());
    else if (a === "--warmup") o.warmup = Number(value());
    else if (a === "--dit-steps") o.ditSteps = Number(value());
    else if (a === "--objectives") {
      const list = value().split(",").filter((x) => x !== "");
      for (const x of list) if (x !== "mdlm" && x !== "hdlm" && x !== "ar" && x !== "gidd") throw new Error(`--objectives: ${x} is not one of mdlm, hdlm, ar, gidd`);
      o.ditObjectives = list as DitObjective[];
    }
    else if (a === "--torch-threads") o.torchThreads = Number(value());
    else if (a === "--python") o.python = value();
    else if (a === "--backends") {
      const list = value().split(",").filter((s) => s !== "");
      for (const b of list) if (!(BACKENDS as readonly string[]).includes(b)) throw new Error(`--backends: ${b} is not a backend; use ${BACKENDS.join(", ")}`);
      o.backends = list as BackendName[];
    } else throw new Error(`unknown argument ${a}; usage: npm run bench -- [matmul|train|dit|all] [--smoke] [--steps N] [--warmup N] [--dit-steps N] [--objectives mdlm,hdlm,ar] [--backends native,wasm] [--torch-threads N] [--python PATH]`);
  }
  if (o.steps === 0) o.steps = o.smoke ? 2 : 5;
  if (o.ditSteps === 0) o.ditSteps = o.smoke ? 1 : 3;
  if (!Number.isInteger(o.ditSteps) || o.ditSteps < 1) throw new Error(`--dit-steps must be a positive integer, got ${o.ditSteps}`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`--steps must be a positive integer, got ${o.steps}`);
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new Error(`--warmup must be a non-negative integer, got ${o.warmup}`);
  if (!Number.isInteger(o.torchThreads) || o.torchThreads < 0) throw new Error(`--torch-threads must be a positive integer (0: as many as the primary backend), got ${o.torchThreads}`);
  return o;
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]): string => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ");
  return [line(header), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (s: string): void => console.log(s);
  // The backend auto-selection would pick first: the ratios are reported for it.
  const auto = await initEngine();
  const wanted: BackendName[] = o.backends ?? (o.smoke ? ["native", "wasm", "cpu"] : ["tensorflow", "native", "wasm"]);
  const reports: EngineReport[] = [];
  const notes: string[] = [];
  for (const b of wanted) {
    try {
      reports.push(await initEngine({ backend: b }));
    } catch (e) {
      notes.push(`${b}: skipped (${(e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200)})`);
    }
  }
  if (reports.length === 0) throw new Error(`none of the backends ${wanted.join(", ")} is available here`);
  const primary = reports.find((r) => r.backend === auto.backend) ?? reports[0];
  log(`hdlm-lab bench (${o.smoke ? "smoke" : "full"}): node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  for (const r of reports) log(`  ${describeEngine(r)}`);
  for (const n of notes) log(`  ${n}`);
  log(`  ratios below are for ${primary.backend} (the backend auto-selection picks here)`);
  const primaryThreads = primary.threads > 0 ? primary.threads : os.cpus().length;
  const equalThreads = o.torchThreads === 0;
  if (equalThreads) o.torchThreads = primaryThreads;
  log(`  PyTorch (reference model and DiT twin) runs ${o.torchThreads} thread${o.torchThreads === 1 ? "" : "s"}: ` +
    (equalThreads ? `the same as ${primary.backend} (${primaryThreads})` : `set by --torch-threads (${primary.backend} runs ${primaryThreads})`));

  let trainRatio = NaN;
  let matmulRatio = NaN;

  if (o.what === "all" || o.what === "matmul") {
    const cases = matmulCases(o.smoke);
    const warm = 1;
    const runs = 3;
    const rounds = o.smoke ? 1 : 3;
    const blasThreads = primary.threads > 0 ? primary.threads : os.cpus().length;
    // Rounds alternate every tfjs backend with numpy, so a busy spell on a shared machine hits all engines alike.
    const perRound: number[][][] = reports.map(() => []);
    const npRounds: number[][] = [];
    let np: ReturnType<typeof timeMatmulsNumpy> = { error: "not run" };
    for (let round = 0; round < rounds; round++) {
      for (let bi = 0; bi < reports.length; bi++) {
        const r = reports[bi];
        if (!o.smoke && r.backend === "cpu") {
          perRound[bi].push(cases.map(() => NaN));
          continue;
        }
        await tf.setBackend(r.backend);
        setExplicitTranspose(r.backend === "wasm");
        perRound[bi].push(timeMatmulsTfjs(cases, warm, runs));
      }
      np = timeMatmulsNumpy(o.python, cases, warm, runs, blasThreads);
      if ("error" in np) break;
      npRounds.push(np.gflops);
    }
    const perBackend = perRound.map((rs) => cases.map((_, i) => median(rs.map((x) => x[i]))));
    const npCol = "error" in np ? cases.map(() => NaN) : cases.map((_, i) => median(npRounds.map((x) => x[i])));
    const pi = reports.indexOf(primary);
    const ratios = cases.map((_, i) => perBackend[pi][i] / npCol[i]);
    log("");
    log(`matmul GFLOP/s (float32; per round the median of ${runs} runs after ${warm} warm-up, then the median over ${rounds} alternating round${rounds > 1 ? "s" : ""}; numpy OpenBLAS with ${blasThreads} threads)`);
    log(table(["case", ...reports.map((r) => r.backend), "numpy", `${primary.backend}/numpy`], cases.map((c, i) => [c.name, ...perBackend.map((p) => fmt(p[i])), fmt(npCol[i]), fmt(ratios[i], 2)])));
    if ("error" in np) log(`  numpy reference skipped: ${np.error}`);
    else log(`  reference: ${np.version}`);
    const ok = ratios.filter((x) => Number.isFinite(x) && x > 0);
    // The figure of merit: the worst case over the plain, transposed and batched shapes.
    if (ok.length === ratios.length) matmulRatio = Math.min(...ok);
  }

  if (o.what === "all" || o.what === "train") {
    const config = o.smoke ? TINY_CONFIG : REFERENCE_CONFIG;
    const tokens = config.batch * config.seq;
    const trainable = reports.filter((r) => o.smoke || r.backend !== "cpu");
    for (const r of reports) if (!trainable.includes(r)) log(`  cpu backend: skipped in the full training run (engine.md: > 240 s per step); it runs in --smoke`);
    let torch: TorchReference | null = null;
    let torchNote = "";
    try {
      torch = await TorchReference.start(o.python, config, o.torchThreads);
    } catch (e) {
      torchNote = `PyTorch reference skipped: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]} (install Debian python3-torch; --python PATH picks the interpreter)`;
    }
    log("");
    log(`reference training step: B${config.batch} T${config.seq} D${config.width} H${config.heads} L${config.layers} V${config.vocab}, ${parameterCount(config)} parameters, ` +
      `${fmt((3 * forwardFlops(config)) / 1e9, 2)} GFLOP/step; ${o.warmup} warm-up round${o.warmup === 1 ? "" : "s"}, ${o.steps} timed rounds, engines alternating`);
    if (torch !== null) log(`  PyTorch: ${torch.banner}`);
    const results: TrainResult[] = await timeTraining(config, trainable.map((r) => ({ name: r.backend, threads: r.threads })), torch, o.torchThreads, o.warmup, o.steps, log);
    let torchRss = NaN;
    if (torch !== null) torchRss = await torch.stop();
    const torchRes = results.find((r) => r.engine === "PyTorch");
    const torchTps = torchRes ? tokens / median(torchRes.seconds) : NaN;
    const first = results[0];
    const rows = results.map((r) => {
      const s = median(r.seconds);
      const tps = tokens / s;
      return [r.engine, r.threads, fmt(s, 3), fmt(tps, 0), fmt(tps / (tokens / median(first.seconds)), 3), fmt(tps / torchTps, 3), fmt(r.loss[r.loss.length - 1], 4)];
    });
    log(table(["engine", "threads", "s/step", "tokens/s", `vs ${first.engine}`, "vs PyTorch", "last loss"], rows));
    // Peak RSS like for like: each tfjs backend trains alone in a fresh node process for the same number of steps
    // (warm-up + timed) as the PyTorch twin ran in its own process.
    const rssRows: string[][] = [];
    for (const r of trainable) {
      const m = measureTrainingRss(r.backend, o.smoke ? "tiny" : "reference", o.warmup + o.steps);
      if ("error" in m) log(`  peak RSS of ${r.backend} not measured: ${m.error}`);
      else rssRows.push([m.engine, fmt(m.peakMiB, 0), fmt(m.baseMiB, 0), fmt(m.peakMiB / torchRss, 2)]);
    }
    if (torch !== null) rssRows.push(["PyTorch", fmt(torchRss, 0), "n/a", fmt(1, 2)]);
    log(`peak RSS, one engine per process, ${o.warmup + o.steps} training steps each (target: <= 1.5x PyTorch)`);
    log(table(["engine", "peak MiB", "after init MiB", "vs PyTorch"], rssRows));
    if (torchNote !== "") log(`  ${torchNote}`);
    const prim = results.find((r) => r.engine === `tfjs ${primary.backend}`);
    if (prim !== undefined && torchRes !== undefined) trainRatio = tokens / median(prim.seconds) / torchTps;
  }

  if (o.what === "all" || o.what === "dit") {
    const c = o.smoke ? DIT_TINY : DIT_CPU;
    const names = reports.filter((r) => o.smoke || r.backend !== "cpu").map((r) => r.backend);
    log("");
    log(`library training step (src/train Trainer, ${c.preset} preset, V ${c.vocab}, HDLM n ${c.clusters}, synthetic Zipf tokens): ` +
      `${o.warmup} warm-up round${o.warmup === 1 ? "" : "s"}, ${o.ditSteps} timed rounds, backends alternating`);
    const ref = o.smoke ? TINY_CONFIG : REFERENCE_CONFIG;
    log(`  reference model (bench/reference-model.ts, fused ops + FusedAdam): B${ref.batch} T${ref.seq} D${ref.width} H${ref.heads} L${ref.layers} V${ref.vocab}, stepped in the same rounds`);
    const res = await timeDitSteps(c, names, o.ditObjectives, o.warmup, o.ditSteps, log, ref, { python: o.python, threads: o.torchThreads });
    log(table(["objective", "backend", "s/step", "CPU-s/step", "tokens/s", "last loss"], res.map((r) => {
      const s = median(r.seconds);
      return [r.objective, r.backend, fmt(s, 3), fmt(median(r.cpuSeconds), 2), fmt(r.tokens / s, 0), fmt(r.loss[r.loss.length - 1], 4)];
    })));
    // Figures of merit (issue 8) for the primary backend: tokens/s per objective, HDLM's step over MDLM's, and
    // MDLM's tokens/s over the reference model's, both measured in the same alternating rounds.
    const lib = res.filter((x) => x.backend !== "pytorch");
    const row = (obj: string): DitResult | undefined => lib.find((x) => x.objective === obj && x.backend === primary.backend) ?? lib.find((x) => x.objective === obj);
    const tps = (obj: string): number => {
      const r = row(obj);
      return r === undefined ? NaN : r.tokens / median(r.seconds);
    };
    // Ratios are medians over rounds of the per-round ratio (the two steps of a round ran back to back).
    const pairedTps = (a: string, b: string): number => {
      const ra = row(a), rb = row(b);
      if (ra === undefined || rb === undefined) return NaN;
      return median(ra.seconds.map((s, i) => ra.tokens / s / (rb.tokens / rb.seconds[i])));
    };
    for (const obj of o.ditObjectives) log(`dit tokens/s ${obj}: ${fmt(tps(obj), 0)}`);
    log(`reference tokens/s: ${fmt(tps("reference"), 0)}`);
    log(`hdlm step / mdlm step: ${fmt(1 / pairedTps("hdlm", "mdlm"), 3)}`);
    if (o.ditObjectives.includes("gidd")) log(`gidd step / mdlm step: ${fmt(1 / pairedTps("gidd", "mdlm"), 3)}`);
    log(`mdlm dit / reference: ${fmt(pairedTps("mdlm", "reference"), 3)}`);
    // hdlm-lab against its PyTorch twin (same DiT, objective, optimiser and threads), per-round paired medians.
    const twinRow = (obj: string): DitResult | undefined => res.find((x) => x.objective === obj && x.backend === "pytorch");
    const vsTwin = (obj: string): number => {
      const a = row(obj), b = twinRow(obj);
      if (a === undefined || b === undefined) return NaN;
      return median(a.seconds.map((s, i) => a.tokens / s / (b.tokens / b.seconds[i])));
    };
    const tm = twinRow("mdlm"), th = twinRow("hdlm");
    for (const obj of ["mdlm", "hdlm"]) {
      const r = twinRow(obj);
      if (r !== undefined) log(`PyTorch twin tokens/s ${obj}: ${fmt(r.tokens / median(r.seconds), 0)} (${o.torchThreads} thread${o.torchThreads === 1 ? "" : "s"})`);
    }
    log(`PyTorch twin hdlm step / mdlm step: ${tm !== undefined && th !== undefined ? fmt(median(th.seconds.map((s, i) => s / tm.seconds[i])), 3) : "n/a"}`);
    if (twinRow("hdlm") !== undefined) log(`dit ratio vs PyTorch, hdlm: ${fmt(vsTwin("hdlm"), 3)}`);
    log(`  dit ratio = ${primary.backend} MDLM tokens/s over the PyTorch twin's, per-round paired median; threads ${primaryThreads} vs ${o.torchThreads}${o.torchThreads === primaryThreads ? " (equal)" : " (UNEQUAL: --torch-threads)"}`);
    const cpuVsTwin = (obj: string): number => {
      const a = row(obj), b = twinRow(obj);
      return a === undefined || b === undefined ? NaN : median(b.cpuSeconds) / b.tokens / (median(a.cpuSeconds) / a.tokens);
    };
    if (tm !== undefined) log(`  same ratio by process CPU-seconds per token (PyTorch's over ${primary.backend}'s): mdlm ${fmt(cpuVsTwin("mdlm"), 3)}, hdlm ${fmt(cpuVsTwin("hdlm"), 3)}`);
    log(`dit ratio vs PyTorch: ${fmt(vsTwin("mdlm"), 3)}`);
    // On a shared machine wall time also counts other processes' turns; process CPU time per token does not.
    const cpuPerToken = (obj: string): number => {
      const r = row(obj);
      return r === undefined ? NaN : median(r.cpuSeconds) / r.tokens;
    };
    log(`  same ratios by process CPU-seconds per token: hdlm / mdlm ${fmt(cpuPerToken("hdlm") / cpuPerToken("mdlm"), 3)}, ` +
      `mdlm / reference ${fmt(cpuPerToken("reference") / cpuPerToken("mdlm"), 3)} (load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")})`);
  }

  log("");
  log(`training ratio vs PyTorch: ${Number.isFinite(trainRatio) ? trainRatio.toFixed(3) : "n/a"}`);
  log(`matmul ratio vs OpenBLAS: ${Number.isFinite(matmulRatio) ? matmulRatio.toFixed(3) : "n/a"}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
