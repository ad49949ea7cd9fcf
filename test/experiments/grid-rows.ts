// A GridRow for table and figure tests: the named method and seed, the given fields, neutral values elsewhere.
import type { GridRow } from "../../src/experiments/grid";

export function gridRow(method: string, seed: number, fields: Partial<GridRow> = {}): GridRow {
  return {
    id: `${method}-seed${seed}`, method, kind: method, modelKind: method === "unigram" ? "unigram" : "dit", seed,
    steps: 1, trainTokens: 1, trainSeconds: 1, curve: [], scores: {}, genPpl: NaN, entropy: NaN, samples: [],
    settings: { train: {}, eval: {} as GridRow["settings"]["eval"] }, ...fields,
  };
}
