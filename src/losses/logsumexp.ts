// Row log-sum-exp with an analytic gradient (softmax · dy): tf.logSumExp's autodiff goes through the gradient of
// its max (an Equal mask over every logit), which costs ~19% of an MDLM step on wasm; the analytic form skips it.
import { tf } from "../engine/tf";

const rowLse = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const lse = tf.logSumExp(x, 1, true); // (N, 1): the same forward values as tf.logSumExp
  save([x, lse]);
  return {
    value: tf.reshape(lse, [-1]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, m] = saved;
      return [tf.mul(tf.exp(tf.sub(xs, m)), tf.reshape(dy, [-1, 1]))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor1D;

/**
 * `log Σ_j exp(x[i, j])` of every row of `x` (N, V) -> (N,), the log-partition of the token softmax in the losses
 * (hdlm.md §3.2, baselines.md §1). Values equal `tf.logSumExp(x, 1)`; the gradient is `softmax(x) · dy`.
 */
export function logSumExpRows(x: tf.Tensor2D): tf.Tensor1D {
  if (x.rank !== 2) throw new RangeError(`logSumExpRows needs a rank-2 (N, V) tensor, got shape [${x.shape}]`);
  return rowLse(x);
}
