// Test helpers for src/models: random perturbation of every parameter (so zero-initialised heads and gates do not
// hide bugs) and max-abs differences of arrays.
import { tf } from "../../src/engine";
import { Params } from "../../src/models";
import { SeededRng } from "../../src/util/rng";

/** Overwrites every parameter with N(0, std^2) draws from `seed` (LayerNorm weights get 1 + noise). */
export function perturb(params: Params, seed: number, std = 0.2): void {
  const rng = new SeededRng(seed);
  for (const [name, v] of Object.entries(params)) {
    const data = new Float32Array(v.size);
    for (let i = 0; i < data.length; i++) data[i] = (name.endsWith("ln") || /ln\d$/.test(name) ? 1 : 0) + std * rng.normal();
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, "float32")));
  }
}

/** max |a - b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
