// `npm run hybrid` (issue 11): SEDD, Diffusion-LM, the chained hybrid (a = 0.35, b = 0.75), MDLM and HDLM at one
// budget on the bundled OpenWebText, plus the AR run that scores samples (gen PPL), through the resumable grid of
// ./grid; then the hybrid's bound part by part (hybrid.md §4) with the rounding accuracy at b, per run, cached beside
// the rows; and the tables of results.md.
import * as fs from "fs";
import * as path from "path";
import { parseObjective, type ObjectiveConfig } from "../methods/registry";
import { hybridBoundParts, type HybridObjective, type HybridPartsScore } from "../methods/hybrid";
import { CHAIN_BOUND_PARTS } from "../hybrid/bound";
import { loadRun } from "../train/load-run";
import { writeFileAtomic } from "../util/fs";
import type { ModelConfig } from "../models/config";
import type { Params } from "../models/params";
import type { GridEvalSettings, GridMethod, GridResult, EvalSet } from "./grid";
import { runId } from "./grid";
import type { RunSettings } from "./compare";
import { methodOrder, methodScores } from "./grid-table";

export type { HybridPartsScore };

/** One size of the hybrid comparison. */
export interface HybridSize {
  vocab: number;
  seqLen: number;
  numClusters: number;
  run: RunSettings;
  eval: GridEvalSettings;
}

/**
 * `smoke` (seconds; the tests) and `full` (the README table; under an hour on 2 shared cores: 12 runs of a small DiT,
 * vocabulary 1024, L = 64, batch 16).
 */
export function hybridSize(name: "smoke" | "full", overrides: { steps?: number | null; lr?: number | null } = {}): HybridSize {
  const steps = overrides.steps ?? null;
  const lr = overrides.lr ?? null;
  if (name === "smoke") {
    return {
      vocab: 256, seqLen: 16, numClusters: 8,
      run: { preset: "tiny", steps: steps ?? 4, batchSize: 4, optim: { lr: lr ?? 3e-3 } },
      eval: { batchSize: 8, strata: 2, maxRows: 8, samples: 2, sampleSteps: 6, seed: 0, curveEvery: 2, curveBatches: 1 },
    };
  }
  if (name !== "full") throw new Error(`size must be smoke or full, got ${String(name)}`);
  return {
    vocab: 1024, seqLen: 64, numClusters: 32,
    run: { preset: "cpu", model: { hidden: 64, layers: 2, heads: 4, condDim: 64 }, steps: steps ?? 300, batchSize: 16, optim: { lr: lr ?? 3e-3 } },
    eval: { batchSize: 32, strata: 8, maxRows: 128, samples: 8, sampleSteps: 32, seed: 0, curveEvery: 100, curveBatches: 2 },
  };
}

/** The hybrid's objective of the comparison (the paper's split, the spec's defaults otherwise). */
export const HYBRID_OBJECTIVE = { kind: "hybrid", split: { a: 0.35, b: 0.75 } } as const;

/** The comparison's methods in run order: AR first (the gen-PPL scorer), then SEDD, Diffusion-LM, hybrid, MDLM, HDLM. */
export function hybridMethods(size: Pick<HybridSize, "numClusters">): GridMethod[] {
  const o = (raw: Record<string, unknown>): ObjectiveConfig => parseObjective(raw, "objective");
  return [
    { name: "AR", objective: o({ kind: "ar" }) },
    { name: "SEDD (absorbing)", objective: o({ kind: "sedd" }) },
    { name: "Diffusion-LM", objective: o({ kind: "diffusion-lm" }) },
    { name: "hybrid (a=0.35, b=0.75)", objective: o({ ...HYBRID_OBJECTIVE }) },
    { name: "MDLM", objective: o({ kind: "mdlm" }) },
    { name: `HDLM (n=${size.numClusters}, gamma=1)`, objective: o({ kind: "hdlm", numClusters: size.numClusters, gamma: 1 }) },
  ];
}

/** The hybrid run in `runDir` scored on `sets` part by part (see {@link hybridPartsOf}). */
export function hybridPartsOfRun(runDir: string, sets: EvalSet[], strata: number, seed: number): Record<string, HybridPartsScore> {
  const run = loadRun(runDir);
  try {
    const h = run.config.objective;
    if (h.kind !== "hybrid") throw new Error(`${runDir} is a ${h.kind} run, not a hybrid run`);
    return hybridPartsOf(h, run.params, run.model, sets, strata, seed);
  } finally {
    run.dispose();
  }
}

/** A hybrid model scored on each of `sets` part by part ({@link hybridBoundParts}). */
export function hybridPartsOf(h: HybridObjective, params: Params, model: ModelConfig, sets: Pick<EvalSet, "key" | "batches">[], strata: number, seed: number): Record<string, HybridPartsScore> {
  const out: Record<string, HybridPartsScore> = {};
  for (const s of sets) out[s.key] = hybridBoundParts(h, params, model, s.batches, strata, seed);
  return out;
}

/** Parts of every hybrid row of a grid, cached as `<outDir>/parts/<id>.json` (a rerun reads them). */
export function hybridParts(result: GridResult, sets: EvalSet[], outDir: string, runsDir: string, ev: GridEvalSettings, log: (m: string) => void = () => undefined): Record<string, Record<string, HybridPartsScore>> {
  const dir = path.join(outDir, "parts");
  fs.mkdirSync(dir, { recursive: true });
  const out: Record<string, Record<string, HybridPartsScore>> = {};
  for (const row of result.rows) {
    if (row.kind !== "hybrid") continue;
    const file = path.join(dir, `${row.id}.json`);
    if (fs.existsSync(file)) out[row.id] = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, HybridPartsScore>;
    else {
      log(`${row.id}: the bound part by part on ${sets.map((s) => s.label).join(", ")}`);
      out[row.id] = hybridPartsOfRun(path.join(runsDir, runId(row.method, row.seed)), sets, ev.strata, ev.seed);
      writeFileAtomic(file, JSON.stringify(out[row.id]) + "\n");
    }
  }
  return out;
}

function meanSpread(values: number[]): string {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return "n/a";
  const m = v.reduce((a, x) => a + x, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1)) : 0;
  return `${m.toFixed(2)} ± ${sd.toFixed(2)}`;
}

/**
 * The tables: per method and set the bound (nats/token ± SE over rows and seeds) and its PPL, gen PPL and the samples'
 * unigram entropy (mean ± sd over seeds); then the hybrid's parts and rounding accuracy per set (mean over seeds).
 */
export function hybridMarkdown(result: GridResult, parts: Record<string, Record<string, HybridPartsScore>>): string {
  const sets = result.sets;
  const lines: string[] = [];
  lines.push(`| method | ${sets.map((s) => `${s.label} nats/token (PPL)`).join(" | ")} | gen PPL | sample entropy | seeds |`);
  lines.push(`|---|${sets.map(() => "---").join("|")}|---|---|---|`);
  const scores = sets.map((s) => methodScores(result.rows, s.key));
  for (const m of methodOrder(result.rows)) {
    const rows = result.rows.filter((r) => r.method === m);
    const cells = scores.map((sc) => {
      const v = sc.get(m);
      return v === undefined ? "n/a" : `${v.natsPerToken.toFixed(3)} ± ${v.stdError.toFixed(3)} (${Math.exp(v.natsPerToken).toFixed(1)})`;
    });
    lines.push(`| ${m} | ${cells.join(" | ")} | ${meanSpread(rows.map((r) => r.genPpl))} | ${meanSpread(rows.map((r) => r.entropy))} | ${rows.length} |`);
  }
  const ids = Object.keys(parts);
  if (ids.length > 0) {
    lines.push("", `Hybrid bound part by part (hybrid.md §4; nats/token, mean over ${ids.length} seed${ids.length > 1 ? "s" : ""}), and the rounding accuracy at b:`, "");
    lines.push(`| set | ${CHAIN_BOUND_PARTS.join(" | ")} | total | rounding accuracy at b |`);
    lines.push(`|---|${CHAIN_BOUND_PARTS.map(() => "---").join("|")}|---|---|`);
    for (const s of sets) {
      const per = ids.map((id) => parts[id][s.key]).filter((p) => p !== undefined);
      if (per.length === 0) continue;
      const mean = (f: (p: HybridPartsScore) => number) => per.reduce((a, p) => a + f(p), 0) / per.length;
      lines.push(`| ${s.label} | ${CHAIN_BOUND_PARTS.map((k) => mean((p) => p.parts[k]).toFixed(3)).join(" | ")} | ${mean((p) => p.natsPerToken).toFixed(3)} | ${(100 * mean((p) => p.roundingAccuracy)).toFixed(1)}% |`);
    }
  }
  return lines.join("\n");
}
