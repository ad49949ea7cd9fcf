// Loader of the native kernel pack: an N-API addon over OpenBLAS (native/), built at npm install or by
// `npm run build:native`, registered as the TensorFlow.js backend "native". Reports why when it is unavailable.
import { loadAddon, addonPath as compiledAddonPath } from "./addon";
import { registerNativeBackend } from "./backend";

/** What the engine needs from a loaded native pack. */
export interface NativePack {
  /** Registers a backend named `backendName` (cpu storage, native kernels) and returns the kernel names it made native. */
  register(backendName: string): string[];
  /** Threads the native kernels use. */
  threads(): number;
  /** Sets the threads of the native kernels (OpenBLAS stays at 1 per thread); returns the count in force. */
  setThreads(n: number): number;
  /** OpenBLAS build configuration and the core type it selected. */
  blasInfo(): string;
}

/** Path of the compiled addon, if it was built. */
export function addonPath(): string {
  return compiledAddonPath();
}

/** Loads the native pack or returns the reason it cannot be used. */
export function loadNativePack(): NativePack | { error: string } {
  const addon = loadAddon();
  if ("error" in addon) return addon;
  return {
    register: (backendName: string) => registerNativeBackend(addon, backendName),
    threads: () => addon.threads(),
    setThreads: (n: number) => {
      if (!Number.isInteger(n) || n < 1) throw new Error(`threads must be a positive integer, got ${n}`);
      return addon.setThreads(n);
    },
    blasInfo: () => addon.blasInfo(),
  };
}

export { defaultThreads } from "./backend";

/** The fused training ops with their own C++ gradients (src/engine/native/fused.ts) that the models use on native. */
export const FUSED_OPS: readonly string[] = [
  "layerNorm", "geluTanh", "attention (rotary, padding/causal mask)", "linearBias", "weightedCrossEntropy", "clusterLogSumExp", "giddKlLogRatio", "modulate", "gatedResidual", "FusedAdam", "AdamW",
];
export { layerNorm, geluTanh, attention, linearBias, weightedCrossEntropy, clusterLogSumExp, giddKlLogRatio, modulate, gatedResidual, FusedAdam, nativeAdamW, nativeSumSquares } from "./fused";
export type { ClusterAssignment, AdamWScalars } from "./fused";
