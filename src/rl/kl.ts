// The k3 estimator of KL(π_θ ‖ π_ref) per token (temporal.md §5 objective; Schulman's "approximating KL"):
// exp(ref − logp) − (ref − logp) − 1, which is >= 0 and 0 exactly when the two log-probabilities agree.
import { tf } from "../engine/tf";

/** k3 KL of one token from log-probabilities: e^d − d − 1 with d = ref − logp, via expm1 for accuracy near 0. */
export function k3KlValue(refLogp: number, logp: number): number {
  const d = refLogp - logp;
  return Math.max(0, Math.expm1(d) - d);
}

/**
 * Elementwise k3 KL of log-probability tensors (same shape): expm1(d) − d with d = ref − logp, floored at 0
 * so float rounding never makes it negative. The gradient w.r.t. logp is 1 − e^d.
 */
export function k3Kl<T extends tf.Tensor>(refLogp: T, logp: T): T {
  return tf.tidy(() => {
    const d = tf.sub(refLogp, logp);
    return tf.relu(tf.sub(tf.expm1(d), d)) as T;
  });
}
