// Matmuls whose backward pass stays on the fast path of the active backend.
// wasm (XNNPACK) is fast only for plain, untransposed 2-D matmuls; autodiff of tf.matMul uses
// transposed operands, so `linear` materialises each transpose before multiplying.
import { tf } from "./tf";

let explicitTranspose = false;

/** Chooses whether gradients materialise transposes (set by the engine for wasm). */
export function setExplicitTranspose(on: boolean): void {
  explicitTranspose = on;
}

/** True when `linear` materialises transposes in its gradient. */
export function explicitTransposeEnabled(): boolean {
  return explicitTranspose;
}

const matmul2dExplicit = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const da = tf.matMul(dy as tf.Tensor2D, tf.transpose(sb));
      const db = tf.matMul(tf.transpose(sa), dy as tf.Tensor2D);
      return [da, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** `a @ b` for 2-D operands, `[m, k] x [k, n] -> [m, n]`, with a fast-path gradient on wasm. */
export function matmul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2) throw new Error(`matmul2d: expected 2-D operands, got shapes [${a.shape}] and [${b.shape}]`);
  if (a.shape[1] !== b.shape[0]) throw new Error(`matmul2d: inner dimensions differ: [${a.shape}] x [${b.shape}]`);
  return (explicitTranspose ? matmul2dExplicit(a, b) : tf.matMul(a, b)) as tf.Tensor2D;
}

/** `x @ w` over the last axis of x: `[..., k] x [k, n] -> [..., n]` (a dense layer without bias). */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const k = x.shape[x.rank - 1];
  if (k !== w.shape[0]) throw new Error(`linear: input width ${k} does not match weight rows ${w.shape[0]}`);
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape(x, [-1, k]) as tf.Tensor2D;
  return tf.reshape(matmul2d(flat, w), [...lead, w.shape[1]]);
}
