// The one TensorFlow.js import of the library: every module takes `tf` from here, so the core,
// the gradients, the cpu and wasm backends and any native pack share one kernel registry.
// The union package is used because tfjs-core's Node build registers neither gradients nor chained ops.
// Library code still prefers functional ops (tf.reshape(x, s)) for readability across backends.
import * as tf from "@tensorflow/tfjs";

// Production mode silences tfjs's console warnings (the "install tfjs-node" banner of every cpu-class
// backend among them); hdlm-lab reports backend choices itself through the engine report.
tf.enableProdMode();

export { tf };
export type Tensor = tf.Tensor;

/** Silences the cpu backend's one-time "install tfjs-node" banner (hdlm-lab picks its own backend). */
export function quietCpuBanner(backendName: string): void {
  const b = tf.findBackend(backendName) as unknown as { firstUse?: boolean } | null;
  if (b !== null && typeof b.firstUse === "boolean") b.firstUse = false;
}
