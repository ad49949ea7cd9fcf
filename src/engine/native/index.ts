// Loader of the native kernel pack: an N-API addon over OpenBLAS, built at install time.
// Until the addon is built, `loadNativePack` reports why it is unavailable and the engine falls back.
import * as path from "path";
import * as fs from "fs";

/** What the engine needs from a loaded native pack. */
export interface NativePack {
  /** Registers a backend named `backendName` (cpu storage, native kernels) and returns the kernel names it made native. */
  register(backendName: string): string[];
  /** Threads the native kernels use. */
  threads(): number;
}

/** Path of the compiled addon, if it was built. */
export function addonPath(): string {
  return path.resolve(__dirname, "..", "..", "..", "build", "Release", "hdlm_native.node");
}

/** Loads the native pack or returns the reason it cannot be used. */
export function loadNativePack(): NativePack | { error: string } {
  const p = addonPath();
  if (!fs.existsSync(p)) return { error: `native addon not built (${p} missing; run \`npm run build:native\`)` };
  return { error: "native kernel registration not available in this build" };
}
