// Loss and gradients keyed by parameter name (the keys AdamW.apply expects), not by tf.Variable name.
import { tf } from "../engine/tf";
import type { Params } from "../models/params";

/** Value of `loss()` and its gradient for every parameter in `params`, keyed like `params`. */
export function paramGrads(params: Params, loss: () => tf.Scalar): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const entries = Object.entries(params);
  const { value, grads } = tf.variableGrads(loss, entries.map(([, v]) => v));
  const byName: Record<string, tf.Tensor> = {};
  for (const [name, v] of entries) if (grads[v.name] !== undefined) byName[name] = grads[v.name];
  return { value, grads: byName };
}
