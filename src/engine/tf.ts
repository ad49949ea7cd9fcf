// The one TensorFlow.js import of the library: every module takes `tf` from here,
// so the core, the cpu and wasm backends and any native package share one registry.
import * as tf from "@tensorflow/tfjs-core";
// Chained ops are not registered in the Node build: library code uses functional ops (tf.reshape(x, s)).
import "@tensorflow/tfjs-backend-cpu";

export { tf };
export type Tensor = tf.Tensor;
