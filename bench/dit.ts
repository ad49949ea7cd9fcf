// The library's own training step (src/train Trainer: DiT + MDLM / HDLM objectives, and the causal AR model) at a
// train preset on synthetic tokens, timed on each backend in alternation after warm-up; medians (issue 5).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf, setExplicitTranspose } from "../src/engine";
import { resolveConfig, Trainer, TokenData, Batch, TrainPresetName } from "../src/train";
import { createClusterMap } from "../src/vocab/cluster-map";
import { saveClusterMap } from "../src/vocab/cluster-map-io";
import { SeededRng } from "../src/processes/rng";

/** Objectives timed by the DiT bench: the two diffusion objectives of the training issue and the AR baseline. */
export type DitObjective = "mdlm" | "hdlm" | "ar";

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
    batch: (split: "train" | "val", index: number, batchSize: number, seqLen: number, seed2: number): Batch => {
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

/** Timing of one (backend, objective) pair. */
export interface DitResult {
  backend: string;
  objective: DitObjective;
  /** Wall seconds per timed step. */
  seconds: number[];
  /** Process CPU seconds (user + system) per timed step. */
  cpuSeconds: number[];
  loss: number[];
  /** Tokens per step (batch x sequence length). */
  tokens: number;
}

/**
 * Steps one Trainer per (backend, objective) in turn: `warmup` untimed rounds, then `steps` timed rounds, backends
 * alternating within each round so a busy spell on a shared machine hits all of them alike.
 * `backends` must already be initialised (initEngine with each forced backend).
 */
export async function timeDitSteps(
  c: DitBenchConfig,
  backends: string[],
  objectives: DitObjective[],
  warmup: number,
  steps: number,
  log: (s: string) => void,
): Promise<DitResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-bench-dit-"));
  const data = syntheticTokens(c.vocab);
  const results: DitResult[] = [];
  try {
    for (const objective of objectives) {
      const trainers = new Map<string, Trainer>();
      for (const b of backends) {
        await tf.setBackend(b);
        setExplicitTranspose(b === "wasm");
        trainers.set(b, benchTrainer(c, objective, dir, data));
      }
      const first = trainers.values().next().value as Trainer;
      const tokens = first.config.batchSize * first.model.seqLen;
      const rs = backends.map((b) => ({ backend: b, objective, seconds: [] as number[], cpuSeconds: [] as number[], loss: [] as number[], tokens }));
      for (let round = 0; round < warmup + steps; round++) {
        const parts: string[] = [];
        for (let i = 0; i < backends.length; i++) {
          const b = backends[i];
          await tf.setBackend(b);
          setExplicitTranspose(b === "wasm");
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          const line = trainers.get(b)!.trainStep();
          const s = (performance.now() - t0) / 1000;
          const cu = process.cpuUsage(c0);
          const cpu = (cu.user + cu.system) / 1e6;
          if (round >= warmup) {
            rs[i].seconds.push(s);
            rs[i].cpuSeconds.push(cpu);
            rs[i].loss.push(line.loss);
          }
          parts.push(`${b} ${s.toFixed(2)} s (cpu ${cpu.toFixed(1)} s, loss ${line.loss.toFixed(4)})`);
        }
        log(`  ${objective} ${round < warmup ? "warm-up" : "round"} ${round < warmup ? round + 1 : round - warmup + 1}: ${parts.join(", ")}`);
      }
      for (const [b, t] of trainers) {
        await tf.setBackend(b);
        t.dispose();
      }
      results.push(...rs);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
