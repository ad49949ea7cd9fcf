// Registers the "native" backend: a MathBackendCPU instance with every cpu kernel copied over,
// then the native (OpenBLAS / C++) kernels overriding the ones that dominate training. Ends with a self-check.
import * as os from "os";
import { tf } from "../tf";
import { Addon, BIN, UN } from "./addon";
import { CpuLikeBackend, KernelFn } from "./storage";
import { attachPool } from "./buffer-pool";
import { batchMatMulKernel, fusedMatMulKernel } from "./kernels-matmul";
import { BINARY_KERNELS, UNARY_KERNELS, addNKernel, binaryKernel, castKernel, selectKernel, unaryKernel } from "./kernels-elementwise";
import { gatherKernel, segmentSumKernel, transposeKernel } from "./kernels-layout";
import { concatKernel, padKernel, sliceKernel, splitKernel } from "./kernels-copy";
import { REDUCE_KERNELS, reduceKernel, softmaxKernel } from "./kernels-reduce";

/** Threads for the native kernels: `HDLM_THREADS` if set, else the cores Node sees. */
export function defaultThreads(): number {
  const env = process.env.HDLM_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`HDLM_THREADS must be a positive integer, got ${env}`);
    return n;
  }
  return Math.max(1, typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
}

const registered = new Map<string, string[]>();

function setKernel(name: string, backendName: string, kernelFunc: KernelFn): void {
  if (tf.getKernel(name, backendName) !== undefined) tf.unregisterKernel(name, backendName);
  tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
}

/** Builds the native kernel table: kernel name -> factory taking the JS fallback. */
function nativeKernels(addon: Addon): Record<string, (fallback: KernelFn) => KernelFn> {
  const table: Record<string, (fallback: KernelFn) => KernelFn> = {
    BatchMatMul: (fb) => batchMatMulKernel(addon, fb),
    _FusedMatMul: (fb) => fusedMatMulKernel(addon, fb),
    UnsortedSegmentSum: (fb) => segmentSumKernel(addon, fb),
    Transpose: (fb) => transposeKernel(addon, fb),
    GatherV2: (fb) => gatherKernel(addon, fb),
    Softmax: (fb) => softmaxKernel(addon, fb),
    AddN: (fb) => addNKernel(addon, fb),
    Select: (fb) => selectKernel(addon, fb),
    Cast: (fb) => castKernel(fb),
    Slice: (fb) => sliceKernel(fb),
    SplitV: (fb) => splitKernel(fb),
    PadV2: (fb) => padKernel(fb),
    Concat: (fb) => concatKernel(fb),
  };
  for (const name of BINARY_KERNELS) table[name] = (fb) => binaryKernel(addon, name as keyof typeof BIN, fb);
  for (const name of UNARY_KERNELS) table[name] = (fb) => unaryKernel(addon, name as keyof typeof UN, fb);
  for (const name of REDUCE_KERNELS) table[name] = (fb) => reduceKernel(addon, name, fb);
  return table;
}

/**
 * Checks a small matmul, a transpose and a broadcast add on the new backend against plain JS loops.
 * Runs the kernels directly on the backend instance, so the globally active backend is never switched.
 */
function selfCheck(backendName: string): void {
  const b = tf.findBackend(backendName) as CpuLikeBackend | null;
  if (b === null) throw new Error(`backend ${backendName} did not initialise`);
  const run = (name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo => {
    const k = tf.getKernel(name, backendName);
    if (k === undefined) throw new Error(`kernel ${name} missing on ${backendName}`);
    return k.kernelFunc({ inputs, backend: b, attrs }) as tf.TensorInfo;
  };
  const m = 3, k = 5, n = 4;
  const av = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 11) / 11 - 0.4);
  const bv = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 13) / 13 - 0.5);
  const made: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo): tf.TensorInfo => (made.push(t), t);
  try {
    const a = keep(b.makeTensorInfo([m, k], "float32", av));
    const bb = keep(b.makeTensorInfo([k, n], "float32", bv));
    const bias = keep(b.makeTensorInfo([n, 1], "float32", Float32Array.from([1, 2, 3, 4])));
    const c = keep(run("BatchMatMul", { a, b: bb }, { transposeA: false, transposeB: false }));
    const ct = keep(run("Transpose", { x: c }, { perm: [1, 0] }));
    const d = keep(run("Add", { a: ct, b: bias }, {}));
    const got = b.readSync(d.dataId) as Float32Array;
    for (let j = 0; j < n; j++)
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += av[i * k + t] * bv[t * n + j];
        const want = s + j + 1;
        if (!(Math.abs(got[j * m + i] - want) <= 1e-4 * (1 + Math.abs(want)))) {
          throw new Error(`self-check mismatch at [${j},${i}]: ${got[j * m + i]} vs ${want}`);
        }
      }
  } finally {
    for (const t of made) b.disposeData(t.dataId);
  }
}

/**
 * Registers backend `backendName` (cpu storage, all cpu kernels, native overrides) and returns the kernel names made native.
 * Idempotent: a second call re-checks and returns the same list. Throws if the self-check fails.
 */
export function registerNativeBackend(addon: Addon, backendName: string): string[] {
  const done = registered.get(backendName);
  if (done !== undefined && tf.findBackend(backendName) !== null) return done;
  addon.setThreads(defaultThreads());
  const cpu = tf.findBackend("cpu");
  if (cpu === null) throw new Error("the cpu backend is not registered (import ./tf first)");
  const Ctor = cpu.constructor as new () => tf.KernelBackend;
  if (tf.findBackendFactory(backendName) === null) {
    tf.registerBackend(backendName, () => {
      const b = new Ctor() as tf.KernelBackend & { firstUse?: boolean };
      b.firstUse = false; // no "install tfjs-node" banner: this backend is the native one
      attachPool(b);
      return b;
    }, 0);
  }
  tf.copyRegisteredKernels("cpu", backendName);
  const table = nativeKernels(addon);
  const names: string[] = [];
  for (const [name, make] of Object.entries(table)) {
    const cpuKernel = tf.getKernel(name, "cpu");
    if (cpuKernel === undefined) continue; // only kernels TensorFlow.js knows are dispatched by name
    const fallback: KernelFn = cpuKernel !== undefined
      ? (cpuKernel.kernelFunc as unknown as KernelFn)
      : () => {
          throw new Error(`${name}: no JS kernel to defer to for these inputs on backend ${backendName}`);
        };
    setKernel(name, backendName, make(fallback));
    names.push(name);
  }
  selfCheck(backendName);
  registered.set(backendName, names);
  return names;
}
