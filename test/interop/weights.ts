// Random reference-DiT weights for the interop tests: adaLN projections and heads non-zero (unlike the init), so
// every parameter shapes the logits.
import { mdlmDitLayout, type MdlmDitConfig, type HostTensors } from "../../src/models/mdlm-dit";
import { SeededRng } from "../../src/util/rng";

/** Seeded weights of the reference DiT `c`: norms near 1, matrices U(±1/sqrt(fan-in)), vectors U(±vectorScale/2). */
export function randomWeights(c: MdlmDitConfig, seed: number, vectorScale = 0.2): HostTensors {
  const rng = new SeededRng(seed);
  const out: HostTensors = new Map();
  for (const { name, shape } of mdlmDitLayout(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const norm = /norm/.test(name);
    for (let i = 0; i < n; i++) data[i] = norm ? 1 + 0.2 * (rng.uniform() - 0.5) : (rng.uniform() - 0.5) * (shape.length === 2 ? 2 / Math.sqrt(shape[1]) : vectorScale);
    out.set(name, { shape: shape.slice(), data });
  }
  return out;
}
