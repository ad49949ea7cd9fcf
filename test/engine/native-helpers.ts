// Shared helpers of the native kernel pack tests: addon availability, running one computation on the
// pure-JS cpu backend and on "native", and a norm-wise relative error.
import { tf } from "../../src/engine";
import { loadNativePack } from "../../src/engine/native";
import { SeededRng } from "../../src/util/rng";

const pack = loadNativePack();

/** Why the native tests are skipped here, or false when the addon is built and loads. */
export const skipNative: string | false = "error" in pack ? `native addon unavailable: ${pack.error}` : false;

let ready = false;

/** Registers the "native" backend once (the tests compare it with "cpu" in one process). */
export async function setupNative(): Promise<string[]> {
  if ("error" in pack) throw new Error(pack.error);
  const names = pack.register("native");
  if (!ready) {
    await tf.setBackend("native");
    ready = true;
  }
  return names;
}

/** Result of a computation, read back as numbers with its shape and dtype. */
export interface Out {
  shape: number[];
  dtype: string;
  values: number[];
}

/** Runs `fn` on `backend` inside tidy and reads every returned tensor back. */
export async function runOn(backend: "cpu" | "native", fn: () => tf.Tensor | tf.Tensor[]): Promise<Out[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const read = outs.map((t) => ({ shape: t.shape.slice(), dtype: t.dtype, values: Array.from(t.dataSync() as ArrayLike<number>) }));
  tf.dispose(outs);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${backend}: tensor count went from ${before} to ${after}`);
  await tf.setBackend("native");
  return read;
}

/** max|a - b| / max(max|b|, floor): the norm-wise relative error (NaN/Infinity must match exactly). */
export function relErr(a: number[], b: number[], floor = 1e-6): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = floor;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return Infinity;
      continue;
    }
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** Runs `fn` on cpu and native and returns the worst relative error over its outputs (shapes/dtypes must match). */
export async function compare(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const ref = await runOn("cpu", fn);
  const got = await runOn("native", fn);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    if (ref[i].shape.join(",") !== got[i].shape.join(",")) throw new Error(`shape [${got[i].shape}] vs cpu [${ref[i].shape}]`);
    if (ref[i].dtype !== got[i].dtype) throw new Error(`dtype ${got[i].dtype} vs cpu ${ref[i].dtype}`);
    worst = Math.max(worst, relErr(got[i].values, ref[i].values));
  }
  return worst;
}

/** Seeded uniform values in [lo, hi). */
export function uniform(rng: SeededRng, n: number, lo = -1, hi = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.uniform();
  return v;
}

/** Seeded values of `shape` in [lo, hi), drawn now; the returned factory makes the tensor on the active backend. */
export function rand(rng: SeededRng, shape: number[], lo = -1, hi = 1): () => tf.Tensor {
  const v = uniform(rng, shape.reduce((a, b) => a * b, 1), lo, hi);
  return () => tf.tensor(v, shape);
}

export { SeededRng };

/** Central finite difference of a float64 function `f` at `x` along coordinate `i`, step `h`. */
export function centralDifference(f: (x: Float64Array) => number, x: ArrayLike<number>, i: number, h = 1e-4): number {
  const up = Float64Array.from(x);
  const dn = Float64Array.from(x);
  up[i] += h;
  dn[i] -= h;
  return (f(up) - f(dn)) / (2 * h);
}
