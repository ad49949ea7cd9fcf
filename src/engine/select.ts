// Backend selection: the fastest TensorFlow.js backend that actually works here, with a report of why
// each faster one was skipped. Order: tensorflow (tfjs-node-gpu, tfjs-node), native, wasm, cpu.
import { tf, quietCpuBanner } from "./tf";
import { registerSegmentSum } from "./segment-sum";
import { setExplicitTranspose } from "./matmul";
import { loadNativePack, FUSED_OPS } from "./native";

/** Backend names hdlm-lab can select, fastest first. */
export const BACKENDS = ["tensorflow", "native", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What the engine is running on. */
export interface EngineReport {
  backend: BackendName;
  tfjsVersion: string;
  threads: number;
  simd: boolean | null;
  /** Kernels replaced by hdlm-lab on this backend (native kernels, scatter-add segment sum). */
  kernels: string[];
  /** For each faster backend that was skipped, why. */
  skipped: { backend: BackendName; reason: string }[];
  /** Whether 2-D matmul gradients materialise transposes (wasm fast path). */
  explicitTranspose: boolean;
}

let current: EngineReport | null = null;
let pending: Promise<EngineReport> | null = null;

function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0];
}

async function tryTensorflow(): Promise<{ ok: true; threads: number } | { ok: false; reason: string }> {
  const reasons: string[] = [];
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      require(pkg);
      if (tf.findBackend("tensorflow") !== null && (await tf.setBackend("tensorflow"))) {
        return { ok: true, threads: 0 };
      }
      reasons.push(`${pkg} loaded but its backend did not initialise`);
    } catch (e) {
      reasons.push(`${pkg} not installed (${describeError(e).slice(0, 80)})`);
    }
  }
  return { ok: false, reason: reasons.join("; ") };
}

async function tryNative(): Promise<{ ok: true; threads: number; kernels: string[] } | { ok: false; reason: string }> {
  try {
    const pack = loadNativePack();
    if ("error" in pack) return { ok: false, reason: pack.error };
    const kernels = tf.findBackend("native") === null || current === null ? pack.register("native") : current.kernels;
    if (!(await tf.setBackend("native"))) return { ok: false, reason: "native backend failed to initialise" };
    return { ok: true, threads: pack.threads(), kernels };
  } catch (e) {
    return { ok: false, reason: `native pack failed its self-check: ${describeError(e)}` };
  }
}

async function tryWasm(): Promise<{ ok: true; threads: number; simd: boolean } | { ok: false; reason: string }> {
  try {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    if (!(await tf.setBackend("wasm"))) return { ok: false, reason: "wasm backend failed to initialise" };
    registerSegmentSum("wasm");
    const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    return { ok: true, threads: wasm.getThreadsCount(), simd };
  } catch (e) {
    return { ok: false, reason: `wasm unavailable: ${describeError(e)}` };
  }
}

function parseOverride(value: string | undefined): BackendName | null {
  if (value === undefined || value === "" || value === "auto") return null;
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`HDLM_BACKEND=${value} is not a backend; use one of ${BACKENDS.join(", ")} (or unset it to pick the fastest)`);
}

async function select(forced: BackendName | null): Promise<EngineReport> {
  const skipped: EngineReport["skipped"] = [];
  const order = forced === null ? BACKENDS : [forced];
  for (const name of order) {
    let report: EngineReport | null = null;
    const base = { tfjsVersion: tf.version_core, skipped, explicitTranspose: false, kernels: [] as string[], simd: null as boolean | null };
    if (name === "tensorflow") {
      const r = await tryTensorflow();
      if (r.ok) report = { ...base, backend: name, threads: r.threads };
      else skipped.push({ backend: name, reason: r.reason });
    } else if (name === "native") {
      const r = await tryNative();
      if (r.ok) report = { ...base, backend: name, threads: r.threads, simd: true, kernels: r.kernels };
      else skipped.push({ backend: name, reason: r.reason });
    } else if (name === "wasm") {
      const r = await tryWasm();
      if (r.ok) report = { ...base, backend: name, threads: r.threads, simd: r.simd, kernels: ["UnsortedSegmentSum"], explicitTranspose: true };
      else skipped.push({ backend: name, reason: r.reason });
    } else {
      await tf.setBackend("cpu");
      quietCpuBanner("cpu");
      registerSegmentSum("cpu");
      report = { ...base, backend: "cpu", threads: 1, kernels: ["UnsortedSegmentSum"] };
    }
    if (report !== null) {
      setExplicitTranspose(report.explicitTranspose);
      return report;
    }
  }
  const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ");
  throw new Error(`HDLM_BACKEND=${forced} is not available here (${why}); unset HDLM_BACKEND to pick the fastest available backend`);
}

/**
 * Selects and initialises the backend (once per process, later calls return the same report).
 * `HDLM_BACKEND=<name>` (or `options.backend`) forces one and throws a one-line error if it is unavailable.
 */
export async function initEngine(options: { backend?: BackendName | "auto" } = {}): Promise<EngineReport> {
  const forced = parseOverride(options.backend ?? process.env.HDLM_BACKEND);
  if (current !== null && (forced === null || forced === current.backend)) return current;
  if (pending !== null && forced === null) return pending;
  pending = select(forced).then(
    (r) => {
      current = r;
      pending = null;
      return r;
    },
    (e) => {
      pending = null;
      throw e;
    },
  );
  return pending;
}

/** The active engine report (throws if `initEngine` was not awaited). */
export function engineReport(): EngineReport {
  if (current === null) throw new Error("engine not initialised: await initEngine() first");
  return current;
}

/** The short engine label of a results table: "native backend, 2 threads". */
export function engineLabel(r: EngineReport = engineReport()): string {
  return `${r.backend} backend, ${r.threads} thread${r.threads === 1 ? "" : "s"}`;
}

/** One line naming the backend, threads, SIMD and replaced kernels (notebooks print it first). */
export function describeEngine(r: EngineReport = engineReport()): string {
  const simd = r.simd === null ? "n/a" : r.simd ? "on" : "off";
  const kernels = r.kernels.length > 0 ? r.kernels.join(", ") : "none";
  const skipped = r.skipped.length > 0 ? `; skipped ${r.skipped.map((s) => `${s.backend} (${s.reason})`).join(", ")}` : "";
  const fused = r.backend === "native" ? `; fused ops: ${FUSED_OPS.join(", ")}` : "";
  return `backend ${r.backend} (tfjs ${r.tfjsVersion}), threads ${r.threads}, SIMD ${simd}, hdlm kernels: ${kernels}${fused}${skipped}`;
}
