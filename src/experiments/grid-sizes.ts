// The comparison grid's three sizes, shared by `npm run compare` and notebook 02: `smoke` (seconds; the tests),
// `small` (minutes; notebook 02 in `npm start`) and `full` (hours; the README table).
import type { GridEvalSettings, GridMethod } from "./grid";
import type { RunSettings } from "./compare";

/** A grid size's corpus settings, shared model/optimiser/budget and evaluation. */
export interface GridSize {
  /** Compact vocabulary ids (EOS, the most frequent training tokens, UNK). */
  vocab: number;
  seqLen: number;
  /** HDLM's clusters. */
  numClusters: number;
  run: RunSettings;
  eval: GridEvalSettings;
}

export type GridSizeName = "smoke" | "small" | "full";

/** The size `name`, with optional overrides of the step count and learning rate. */
export function gridSize(name: GridSizeName, overrides: { steps?: number | null; lr?: number | null } = {}): GridSize {
  const steps = overrides.steps ?? null;
  const lr = overrides.lr ?? null;
  switch (name) {
    case "smoke":
      return {
        vocab: 256, seqLen: 16, numClusters: 8,
        run: { preset: "tiny", steps: steps ?? 4, batchSize: 4, optim: { lr: lr ?? 3e-3 } },
        eval: { batchSize: 8, strata: 2, maxRows: 16, samples: 2, sampleSteps: 4, seed: 0, curveEvery: 2, curveBatches: 1 },
      };
    case "small":
      return {
        vocab: 2048, seqLen: 64, numClusters: 32,
        run: { preset: "cpu", model: { hidden: 64, layers: 2, heads: 4, condDim: 64 }, steps: steps ?? 300, batchSize: 16, optim: { lr: lr ?? 3e-3 } },
        eval: { batchSize: 32, strata: 16, maxRows: 256, samples: 8, sampleSteps: 32, seed: 0, curveEvery: 50, curveBatches: 2 },
      };
    case "full":
      return {
        vocab: 8192, seqLen: 128, numClusters: 64,
        run: { preset: "cpu", model: { hidden: 128, layers: 4, heads: 4, condDim: 128 }, steps: steps ?? 2500, batchSize: 16, optim: { lr: lr ?? 1e-3 } },
        eval: { batchSize: 32, strata: 16, maxRows: 1024, samples: 16, sampleSteps: 64, seed: 0, curveEvery: 250, curveBatches: 8 },
      };
    default: {
      const never: never = name;
      throw new Error(`size must be smoke, small or full, got ${String(never)}`);
    }
  }
}

/** The methods of the comparison: AR (first: it is the gen-PPL scorer), MDLM, HDLM (n from the size, γ = 1), GIDD+. */
export const GRID_METHOD_KEYS = ["ar", "mdlm", "hdlm", "gidd"] as const;

/** The methods `keys` (default all four) at `size`; an unknown key is an error naming it. */
export function gridMethods(size: GridSize, keys: readonly string[] = GRID_METHOD_KEYS): GridMethod[] {
  const all: Record<(typeof GRID_METHOD_KEYS)[number], GridMethod> = {
    ar: { name: "AR", objective: { kind: "ar" } },
    mdlm: { name: "MDLM", objective: { kind: "mdlm" } },
    hdlm: { name: `HDLM (n=${size.numClusters}, gamma=1)`, objective: { kind: "hdlm", numClusters: size.numClusters, gamma: 1 } },
    gidd: { name: "GIDD+ (pu=0.1)", objective: { kind: "gidd", pu: 0.1, lossWeighting: "dynamic" } },
  };
  return keys.map((k) => {
    if (!(GRID_METHOD_KEYS as readonly string[]).includes(k)) throw new Error(`methods: unknown method '${k}' (known: ${GRID_METHOD_KEYS.join(", ")})`);
    return all[k as (typeof GRID_METHOD_KEYS)[number]];
  });
}
