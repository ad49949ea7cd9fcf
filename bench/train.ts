// Reference training step timing: the tfjs ReferenceModel on each backend and the PyTorch twin
// (bench/torch_reference.py, kept alive in serve mode), stepped in alternation after warm-up; medians.
import { spawn, spawnSync, ChildProcessWithoutNullStreams } from "child_process";
import * as readline from "readline";
import * as path from "path";
import { tf, setExplicitTranspose } from "../src/engine";
import { ReferenceModel, RefConfig, syntheticBatch } from "./reference-model";

/** A running PyTorch reference answering "step" lines. */
export class TorchReference {
  private constructor(private readonly proc: ChildProcessWithoutNullStreams, private readonly lines: AsyncIterator<string>, readonly banner: string) {}

  /** Starts the PyTorch twin of `config`; rejects with a one-line reason if python3/torch is missing. */
  static async start(python: string, config: RefConfig, threads: number): Promise<TorchReference> {
    const script = path.join(__dirname, "torch_reference.py");
    const args = [script, "--serve", "--threads", String(threads), "--batch", String(config.batch), "--seq", String(config.seq),
      "--width", String(config.width), "--heads", String(config.heads), "--layers", String(config.layers), "--vocab", String(config.vocab)];
    const proc = spawn(python, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const failed = new Promise<never>((_, reject) => {
      proc.on("error", (e) => reject(new Error(`${python} did not start (${e.message})`)));
      proc.on("exit", (code) => reject(new Error(`PyTorch reference exited with ${code}: ${stderr.trim().split("\n").pop() ?? ""}`)));
    });
    failed.catch(() => undefined);
    const lines = readline.createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const first = await Promise.race([lines.next(), failed]);
    if (first.done || !String(first.value).startsWith("ready")) throw new Error(`PyTorch reference did not start: ${stderr.trim().split("\n").pop() ?? ""}`);
    const t = new TorchReference(proc, lines, String(first.value).replace(/^ready \d+ /, ""));
    return t;
  }

  /** One training step; returns its seconds (timed inside Python) and loss. */
  async step(): Promise<{ seconds: number; loss: number }> {
    this.proc.stdin.write("step\n");
    const r = await this.lines.next();
    if (r.done) throw new Error("PyTorch reference closed its output");
    const [s, l] = String(r.value).split(" ").map(Number);
    return { seconds: s, loss: l };
  }

  /** Stops the process and returns its peak RSS in MiB. */
  async stop(): Promise<number> {
    this.proc.stdin.write("quit\n");
    const r = await this.lines.next();
    this.proc.stdin.end();
    const kib = r.done ? NaN : Number(String(r.value).split(" ")[1]);
    return kib / 1024;
  }
}

/** Timing of one engine on the reference step. */
export interface TrainResult {
  engine: string;
  threads: string;
  seconds: number[];
  loss: number[];
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Steps each tfjs backend's model and the PyTorch twin in turn (`warmup` untimed rounds, then `steps` timed rounds).
 * `backends` must already be initialised (initEngine with each forced backend).
 */
export async function timeTraining(
  config: RefConfig,
  backends: { name: string; threads: number }[],
  torch: TorchReference | null,
  torchThreads: number,
  warmup: number,
  steps: number,
  log: (s: string) => void,
): Promise<TrainResult[]> {
  const batch = syntheticBatch(config, 2);
  const models = new Map<string, ReferenceModel>();
  for (const b of backends) {
    await tf.setBackend(b.name);
    models.set(b.name, new ReferenceModel(config, 1));
  }
  const results: TrainResult[] = backends.map((b) => ({ engine: `tfjs ${b.name}`, threads: String(b.threads), seconds: [], loss: [] }));
  const torchResult: TrainResult = { engine: "PyTorch", threads: String(torchThreads), seconds: [], loss: [] };
  for (let round = 0; round < warmup + steps; round++) {
    const parts: string[] = [];
    for (let i = 0; i < backends.length; i++) {
      const b = backends[i];
      await tf.setBackend(b.name);
      setExplicitTranspose(b.name === "wasm");
      const t0 = performance.now();
      const loss = models.get(b.name)!.step(batch);
      const s = (performance.now() - t0) / 1000;
      if (round >= warmup) {
        results[i].seconds.push(s);
        results[i].loss.push(loss);
      }
      parts.push(`${b.name} ${s.toFixed(3)} s (loss ${loss.toFixed(4)})`);
    }
    if (torch !== null) {
      const r = await torch.step();
      if (round >= warmup) {
        torchResult.seconds.push(r.seconds);
        torchResult.loss.push(r.loss);
      }
      parts.push(`torch ${r.seconds.toFixed(3)} s (loss ${r.loss.toFixed(4)})`);
    }
    log(`  ${round < warmup ? "warm-up" : "round"} ${round < warmup ? round + 1 : round - warmup + 1}: ${parts.join(", ")}`);
  }
  for (const m of models.values()) m.dispose();
  return torch !== null ? [...results, torchResult] : results;
}

/** Peak RSS of one tfjs backend training the reference model alone in a fresh node process. */
export interface RssResult {
  engine: string;
  /** Peak resident set (MiB) over the whole run (getrusage maxrss). */
  peakMiB: number;
  /** Peak resident set (MiB) after the engine was initialised, before the model existed. */
  baseMiB: number;
}

/**
 * Runs bench/train-rss.ts for `backend` in its own node process (`steps` training steps of the tiny or reference
 * config) and returns its peak RSS, or the reason it failed. One engine per process, like the PyTorch twin.
 */
export function measureTrainingRss(backend: string, configName: "tiny" | "reference", steps: number): RssResult | { error: string } {
  const script = path.join(__dirname, "train-rss.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", script, backend, configName, String(steps)], {
    encoding: "utf8",
    timeout: 900_000,
    env: { ...process.env, HDLM_BACKEND: "" },
  });
  if (r.error !== undefined) return { error: `${backend}: child did not run (${r.error.message})` };
  const m = /^rss (\d+) base (\d+) loss /m.exec(r.stdout);
  if (r.status !== 0 || m === null) return { error: `${backend}: child exited with ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").pop() ?? ""}` };
  return { engine: `tfjs ${backend}`, peakMiB: Number(m[1]) / 1024, baseMiB: Number(m[2]) / 1024 };
}
