// The library's own training step (src/train Trainer: DiT + MDLM / HDLM objectives, and the causal AR model) at a
// train preset on synthetic tokens, timed on each backend in alternation with the bench's reference model after
// warm-up; medians (issue 5, issue 8).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf, setExplicitTranspose } from "../src/engine";
import { resolveConfig, Trainer, TokenData, TrainPresetName } from "../src/train";
import type { TokenBatch } from "../src/data";
import { createClusterMap } from "../src/vocab/cluster-map";
import { saveClusterMap } from "../src/vocab/cluster-map-io";
import { SeededRng } from "../src/util/rng";
import { ReferenceModel, RefConfig, syntheticBatch } from "./reference-model";

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

/** Something that takes one training step and reports its loss. */
interface Stepper {
  step(): number;
  dispose(): void;
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
): Promise<DitResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-bench-dit-"));
  const data = syntheticTokens(c.vocab);
  const rows: { objective: DitRow; backend: string; stepper: Stepper; result: DitResult }[] = [];
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
        await use(r.backend);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const loss = r.stepper.step();
        const s = (performance.now() - t0) / 1000;
        const cu = process.cpuUsage(c0);
        const cpu = (cu.user + cu.system) / 1e6;
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
      await use(r.backend);
      r.stepper.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows.map((r) => r.result);
}
