// The library's own training step (src/train Trainer: DiT + MDLM / HDLM objectives, and the causal AR model) at a
// train preset on synthetic tokens, timed on each backend in alternation with the bench's reference model after
// warm-up; medians (issue 5, issue 8).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { spawn, type ChildProcessWithoutNullStreams } from "child_process";
import { tf, setExplicitTranspose } from "../src/engine";
import { resolveConfig, Trainer, TokenData, TrainPresetName } from "../src/train";
import type { TokenBatch } from "../src/data";
import { createClusterMap } from "../src/vocab/cluster-map";
import { saveClusterMap } from "../src/vocab/cluster-map-io";
import { SeededRng } from "../src/util/rng";
import { ReferenceModel, RefConfig, syntheticBatch } from "./reference-model";

/** Objectives timed by the DiT bench: the two diffusion objectives of the training issue, the AR baseline and GIDD+. */
export type DitObjective = "mdlm" | "hdlm" | "ar" | "gidd";

/** Sizes of one DiT bench run. */
export interface DitBenchConfig {
  preset: TrainPresetName;
  vocab: number;
  clusters: number;
}

/** The `cpu` preset of the training issue: batch 16 x 128 (two micro-batches of 8), V 8192, n 64. */
export const DIT_CPU: DitBenchConfig = { preset: "cpu", vocab: 8192, clusters: 64 };
/** A tiny configuration for `--smoke`. */
export const DIT_TINY: DitBenchConfig = { preset: "tiny", vocab: 64, clusters: 4 };

/**
 * Synthetic token data: a seeded Zipf-like stream (so frequent ids repeat as in text), batches of full windows
 * (no padding) addressed by index exactly like the real OpenWebText data.
 */
export function syntheticTokens(vocab: number, seed = 7, length = 1 << 16): TokenData {
  const rng = new SeededRng(seed);
  const stream = new Int32Array(length);
  // Zipf(1) by inverse CDF over ranks 1..V.
  const cdf = new Float64Array(vocab);
  let s = 0;
  for (let r = 0; r < vocab; r++) cdf[r] = s += 1 / (r + 1);
  for (let i = 0; i < length; i++) {
    const u = rng.uniform() * s;
    let lo = 0;
    let hi = vocab - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    stream[i] = lo;
  }
  return {
    vocabSize: vocab,
    describe: `synthetic Zipf tokens (V ${vocab}, ${length} tokens)`,
    trainTokens: () => stream,
    batch: (split: "train" | "val", index: number, batchSize: number, seqLen: number, seed2: number): TokenBatch => {
      const r = new SeededRng((seed2 * 1000003 + index * 2 + (split === "val" ? 1 : 0)) >>> 0);
      const tokens = new Int32Array(batchSize * seqLen);
      for (let b = 0; b < batchSize; b++) {
        const start = r.int(length - seqLen);
        tokens.set(stream.subarray(start, start + seqLen), b * seqLen);
      }
      return { tokens, mask: new Float32Array(batchSize * seqLen).fill(1), batchSize, seqLen };
    },
  };
}

/** A cluster-map file with `n` clusters of near-equal size (token v in cluster (v * 37) mod n), in `dir`. */
function clusterFile(dir: string, vocab: number, n: number): string {
  const of = new Int32Array(vocab);
  for (let v = 0; v < vocab; v++) of[v] = (v * 37) % n;
  const file = path.join(dir, `clusters-${vocab}-${n}.json`);
  saveClusterMap(createClusterMap(of, n, { source: "bench: (37 v) mod n" }), file);
  return file;
}

/** A Trainer for `objective` at `c`'s preset over synthetic data, created on the active backend. */
export function benchTrainer(c: DitBenchConfig, objective: DitObjective, dir: string, data: TokenData): Trainer {
  const obj =
    objective === "hdlm" ? { kind: "hdlm", numClusters: c.clusters, clusterFile: clusterFile(dir, c.vocab, c.clusters) } : { kind: objective };
  const config = resolveConfig({ preset: c.preset, objective: obj, runDir: path.join(dir, objective), steps: 1000, data: { vocabSize: c.vocab } }, "bench");
  return new Trainer(config, data);
}

/** What one timed row steps: a library objective, or the bench's reference model (bench/reference-model.ts). */
export type DitRow = DitObjective | "reference";

/** Timing of one (backend, objective) pair. */
export interface DitResult {
  backend: string;
  objective: DitRow;
  /** Wall seconds per timed step. */
  seconds: number[];
  /** Process CPU seconds (user + system) per timed step. */
  cpuSeconds: number[];
  loss: number[];
  /** Tokens per step (batch x sequence length). */
  tokens: number;
}

/** Something that takes one training step and reports its loss (and, for a child process, its own timing). */
interface Stepper {
  step(): number | Promise<{ seconds: number; cpuSeconds: number; loss: number }>;
  dispose(): void;
}

/** Where the PyTorch twin of the DiT (interop/twin_train.py) runs: the interpreter and its torch thread count. */
export interface TwinOptions {
  python: string;
  threads: number;
}

/**
 * The PyTorch twin of the library's DiT training step (interop/twin_train.py serve): the same sizes, objectives
 * (MDLM, HDLM with the (37 v) mod n cluster map), micro-batching and AdamW, on the same synthetic token stream,
 * in a child process that waits on stdin for "step <objective>" and answers with the step's wall and CPU seconds
 * timed inside Python (so the pipe is not timed). OMP_WAIT_POLICY=PASSIVE: its idle threads do not spin while
 * hdlm-lab steps.
 */
export class TwinProcess {
  private constructor(private readonly proc: ChildProcessWithoutNullStreams, private readonly lines: AsyncIterator<string>, readonly banner: string) {}

  static async start(o: TwinOptions, t: { hidden: number; layers: number; heads: number; condDim: number; mlpRatio: number; seqLen: number; batchSize: number; microBatch: number; vocab: number; clusters: number; objectives: string[]; tokensFile: string; lr: number; warmup: number; steps: number }): Promise<TwinProcess> {
    const script = path.join(__dirname, "..", "interop", "twin_train.py");
    const micro = t.microBatch > 0 ? t.microBatch : t.batchSize;
    const args = [script, "serve", "--threads", String(o.threads), "--objectives", t.objectives.join(","), "--vocab", String(t.vocab), "--clusters", String(t.clusters),
      "--hidden", String(t.hidden), "--layers", String(t.layers), "--heads", String(t.heads), "--cond", String(t.condDim), "--mlp-ratio", String(t.mlpRatio),
      "--seq", String(t.seqLen), "--batch", String(t.batchSize), "--micro", String(micro), "--tokens", t.tokensFile,
      "--lr", String(t.lr), "--warmup", String(t.warmup), "--total-steps", String(t.steps)];
    const proc = spawn(o.python, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE", OMP_NUM_THREADS: String(o.threads) } });
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const failed = new Promise<never>((_, reject) => {
      proc.on("error", (e) => reject(new Error(`${o.python} did not start (${e.message})`)));
      proc.on("exit", (code) => reject(new Error(`the PyTorch twin exited with ${code}: ${stderr.trim().split("\n").pop() ?? ""}`)));
    });
    failed.catch(() => undefined);
    const lines = readline.createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const first = await Promise.race([lines.next(), failed]);
    if (first.done || !String(first.value).startsWith("ready")) throw new Error(`the PyTorch twin did not start: ${stderr.trim().split("\n").pop() ?? ""}`);
    return new TwinProcess(proc, lines, String(first.value).replace(/^ready \d+ /, ""));
  }

  /** One training step of `objective`; seconds and CPU seconds as timed inside Python. */
  async step(objective: string): Promise<{ seconds: number; cpuSeconds: number; loss: number }> {
    this.proc.stdin.write(`step ${objective}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error("the PyTorch twin closed its output");
    const [seconds, cpuSeconds, loss] = String(r.value).split(" ").map(Number);
    if (!Number.isFinite(seconds)) throw new Error(`the PyTorch twin answered: ${String(r.value)}`);
    return { seconds, cpuSeconds, loss };
  }

  stop(): void {
    this.proc.stdin.write("quit\n");
    this.proc.stdin.end();
  }
}

/**
 * Steps one Trainer per (backend, objective), plus the reference model of `reference` (null: none), in turn:
 * `warmup` untimed rounds, then `steps` timed rounds. Within each round every objective and the reference step once
 * on every backend, alternating, so a busy spell on a shared machine hits all of them alike (same process, same
 * threads). `backends` must already be initialised (initEngine with each forced backend).
 */
export async function timeDitSteps(
  c: DitBenchConfig,
  backends: string[],
  objectives: DitObjective[],
  warmup: number,
  steps: number,
  log: (s: string) => void,
  reference: RefConfig | null = null,
  twin: TwinOptions | null = null,
): Promise<DitResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-bench-dit-"));
  const data = syntheticTokens(c.vocab);
  const rows: { objective: DitRow; backend: string; stepper: Stepper; result: DitResult }[] = [];
  let twinProc: TwinProcess | null = null;
  const use = async (b: string): Promise<void> => {
    await tf.setBackend(b);
    setExplicitTranspose(b === "wasm");
  };
  try {
    for (const objective of objectives) {
      for (const b of backends) {
        await use(b);
        const tr = benchTrainer(c, objective, dir, data);
        const tokens = tr.config.batchSize * tr.model.seqLen;
        rows.push({ objective, backend: b, stepper: { step: () => tr.trainStep().loss, dispose: () => tr.dispose() }, result: { backend: b, objective, seconds: [], cpuSeconds: [], loss: [], tokens } });
      }
    }
    const twinObjectives = objectives.filter((x) => x === "mdlm" || x === "hdlm");
    if (twin !== null && twinObjectives.length > 0) {
      // The twin trains the same sizes on the same token stream (written to a file for it).
      const tokensFile = path.join(dir, "tokens.i32");
      const stream = data.trainTokens();
      fs.writeFileSync(tokensFile, Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength));
      const cfg = resolveConfig({ preset: c.preset, objective: { kind: "mdlm" }, runDir: path.join(dir, "twin"), steps: 1000, data: { vocabSize: c.vocab } }, "bench");
      try {
        twinProc = await TwinProcess.start(twin, {
          ...cfg.model, seqLen: cfg.model.seqLen, batchSize: cfg.batchSize, microBatch: cfg.microBatch, vocab: c.vocab, clusters: c.clusters,
          objectives: twinObjectives, tokensFile, lr: cfg.optim.lr, warmup: cfg.optim.warmupSteps, steps: cfg.steps,
        });
        log(`  PyTorch twin of the DiT (interop/twin_train.py): ${twinProc.banner}, stepped in the same rounds`);
        const tp = twinProc;
        for (const objective of twinObjectives) {
          rows.push({ objective, backend: "pytorch", stepper: { step: () => tp.step(objective), dispose: () => undefined }, result: { backend: "pytorch", objective, seconds: [], cpuSeconds: [], loss: [], tokens: cfg.batchSize * cfg.model.seqLen } });
        }
      } catch (e) {
        log(`  PyTorch twin skipped: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]} (install Debian python3-torch; --python PATH picks the interpreter)`);
      }
    }
    if (reference !== null) {
      const batch = syntheticBatch(reference, 3);
      for (const b of backends) {
        await use(b);
        const m = new ReferenceModel(reference, 1);
        rows.push({ objective: "reference", backend: b, stepper: { step: () => m.step(batch), dispose: () => m.dispose() }, result: { backend: b, objective: "reference", seconds: [], cpuSeconds: [], loss: [], tokens: reference.batch * reference.seq } });
      }
    }
    for (let round = 0; round < warmup + steps; round++) {
      const parts: string[] = [];
      for (const r of rows) {
        if (r.backend !== "pytorch") await use(r.backend);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const out = r.stepper.step();
        let s = (performance.now() - t0) / 1000;
        const cu = process.cpuUsage(c0);
        let cpu = (cu.user + cu.system) / 1e6;
        let loss: number;
        if (typeof out === "number") loss = out;
        else ({ seconds: s, cpuSeconds: cpu, loss } = await out); // timed inside the child process
        if (round >= warmup) {
          r.result.seconds.push(s);
          r.result.cpuSeconds.push(cpu);
          r.result.loss.push(loss);
        }
        parts.push(`${r.objective}/${r.backend} ${s.toFixed(2)} s (cpu ${cpu.toFixed(1)} s, loss ${loss.toFixed(4)})`);
      }
      log(`  ${round < warmup ? "warm-up" : "round"} ${round < warmup ? round + 1 : round - warmup + 1}: ${parts.join(", ")}`);
    }
    for (const r of rows) {
      if (r.backend !== "pytorch") await use(r.backend);
      r.stepper.dispose();
    }
  } finally {
    twinProc?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows.map((r) => r.result);
}
