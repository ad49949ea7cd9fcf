// Matmul throughput (GFLOP/s): plain, transposed and batched cases on each TensorFlow.js backend,
// and the same cases in numpy (OpenBLAS sgemm) as the ceiling. Median of timed runs after warm-ups.
import { spawnSync } from "child_process";
import { tf } from "../src/engine";

/** One matmul case: op(a) x op(b) with a of shape `a`, b of shape `b`. */
export interface MatmulCase {
  name: string;
  a: number[];
  b: number[];
  transA: boolean;
  transB: boolean;
}

/** FLOPs of a case (2 per multiply-add). */
export function caseFlops(c: MatmulCase): number {
  const ra = c.a.length;
  const m = c.transA ? c.a[ra - 1] : c.a[ra - 2];
  const k = c.transA ? c.a[ra - 2] : c.a[ra - 1];
  const n = c.transB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
  const batch = c.a.slice(0, -2).reduce((x, y) => x * y, 1);
  return 2 * batch * m * n * k;
}

/** Cases of the full table (engine.md §3/§4 shapes) or of the smoke run. */
export function matmulCases(smoke: boolean): MatmulCase[] {
  if (smoke) {
    return [
      { name: "128^2", a: [128, 128], b: [128, 128], transA: false, transB: false },
      { name: "[256,64]x[128,64]^T", a: [256, 64], b: [128, 64], transA: false, transB: true },
      { name: "batched [8,32,16]x[8,32,16]^T", a: [8, 32, 16], b: [8, 32, 16], transA: false, transB: true },
    ];
  }
  return [
    { name: "512^2", a: [512, 512], b: [512, 512], transA: false, transB: false },
    { name: "1024^2", a: [1024, 1024], b: [1024, 1024], transA: false, transB: false },
    { name: "2048^2", a: [2048, 2048], b: [2048, 2048], transA: false, transB: false },
    { name: "[2048,256]x[256,8192]", a: [2048, 256], b: [256, 8192], transA: false, transB: false },
    { name: "[2048,1024]x[256,1024]^T", a: [2048, 1024], b: [256, 1024], transA: false, transB: true },
    { name: "[1024,256]^T x [1024,1024]", a: [1024, 256], b: [1024, 1024], transA: true, transB: false },
    { name: "batched QK^T [64,128,64]x[64,128,64]^T", a: [64, 128, 64], b: [64, 128, 64], transA: false, transB: true },
    { name: "batched AV [64,128,128]x[64,128,64]", a: [64, 128, 128], b: [64, 128, 64], transA: false, transB: false },
  ];
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** GFLOP/s of each case on the active backend (median of `runs` after `warmup`). */
export function timeMatmulsTfjs(cases: MatmulCase[], warmup: number, runs: number): number[] {
  return cases.map((c) => {
    const a = tf.randomUniform(c.a, -1, 1, "float32", 1);
    const b = tf.randomUniform(c.b, -1, 1, "float32", 2);
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      // Every backend benchmarked here (tensorflow, native, wasm, cpu) runs kernels synchronously, so the product is
      // complete when matMul returns. The read-back (a copy of the whole output, e.g. 64 MiB for [2048,8192]) stays
      // outside the timer, as numpy's np.matmul timing has no copy either.
      const t0 = performance.now();
      const r = tf.matMul(a, b, c.transA, c.transB);
      const dt = (performance.now() - t0) / 1000;
      const v = r.dataSync();
      if (v.length !== r.size) throw new Error(`matmul ${c.name}: read ${v.length} values, expected ${r.size}`);
      r.dispose();
      if (i >= warmup) times.push(dt);
    }
    a.dispose();
    b.dispose();
    return caseFlops(c) / median(times) / 1e9;
  });
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
cases = json.loads(sys.argv[1]); warmup = int(sys.argv[2]); runs = int(sys.argv[3])
rng = np.random.default_rng(0)
out = []
for c in cases:
    a = rng.uniform(-1, 1, c["a"]).astype(np.float32)
    b = rng.uniform(-1, 1, c["b"]).astype(np.float32)
    A = np.swapaxes(a, -1, -2) if c["transA"] else a
    B = np.swapaxes(b, -1, -2) if c["transB"] else b
    ts = []
    for i in range(warmup + runs):
        t0 = time.perf_counter(); np.matmul(A, B); dt = time.perf_counter() - t0
        if i >= warmup: ts.append(dt)
    ts.sort(); out.append(ts[len(ts) // 2])
cfg = ""
try:
    cfg = np.__config__.get_info("openblas_info").get("libraries", [""])[0]
except Exception:
    pass
print(json.dumps({"seconds": out, "numpy": np.__version__, "blas": cfg}))
`;

/** numpy's GFLOP/s for the cases (OpenBLAS with `threads` threads), or the reason it could not run. */
export function timeMatmulsNumpy(python: string, cases: MatmulCase[], warmup: number, runs: number, threads: number): { gflops: number[]; version: string } | { error: string } {
  // Some CPUs run under an OPENBLAS_CORETYPE override: unset it for the reference so OpenBLAS picks its best kernels.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  const r = spawnSync(python, ["-c", NUMPY_SCRIPT, JSON.stringify(cases), String(warmup), String(runs)], { env, encoding: "utf8", timeout: 600_000 });
  if (r.error !== undefined) return { error: `${python} did not run (${r.error.message})` };
  if (r.status !== 0) return { error: `numpy failed: ${(r.stderr || "").trim().split("\n").pop()}` };
  try {
    const j = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as { seconds: number[]; numpy: string };
    return { gflops: j.seconds.map((s, i) => caseFlops(cases[i]) / s / 1e9), version: `numpy ${j.numpy}` };
  } catch {
    return { error: `numpy printed no result: ${r.stdout.slice(0, 200)}` };
  }
}
