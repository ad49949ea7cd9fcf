// The causal LM's loss: next-token cross-entropy with the analytic log-sum-exp gradient.
import { tf } from "../engine/tf";
import { logSumExpRows } from "./logsumexp";

/**
 * Per-row cross-entropy `logsumexp(l) − l·y` of logits (N, V) against one-hot targets (N, V). The log-sum-exp has
 * the analytic gradient softmax · dy ({@link logSumExpRows}), so the whole gradient is `(softmax(l) − y)·dy`
 * without tf.logSumExp's slow max-gradient mask.
 */
export function rowCrossEntropy(logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor1D {
  return tf.sub(logSumExpRows(logits), tf.sum(tf.mul(logits, onehot), 1)) as tf.Tensor1D;
}

/**
 * Causal LM cross-entropy: position q predicts token q + 1, scored where the target is not padding.
 * logits (B, T, V), tokens (B, T), mask (B, T) -> mean over scored positions of `logsumexp(l) − l[y]`.
 */
export function causalCrossEntropy(logits: tf.Tensor3D, tokens: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const [B, T, V] = logits.shape;
  const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), [B * (T - 1), V]) as tf.Tensor2D; // (B(T-1), V)
  const target = tf.reshape(tf.slice(tokens, [0, 1], [B, T - 1]), [-1]); // (B(T-1),)
  const w = tf.reshape(tf.slice(mask, [0, 1], [B, T - 1]), [-1]); // (B(T-1),)
  const nll = rowCrossEntropy(pred, tf.oneHot(tf.cast(target, "int32"), V) as tf.Tensor2D); // (B(T-1),)
  return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
}
