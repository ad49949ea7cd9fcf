// The layers the DiT and the causal transformer are built from (hdlm.md §8.1): bias-free LayerNorm, adaLN
// modulation, tanh-GELU, the sinusoidal time embedding, rotary embedding and masked multi-head attention.
import { tf } from "../engine/tf";
import { linear } from "../engine/matmul";
import {
  fusedNativeActive,
  layerNorm as fusedLayerNorm,
  linearBias as fusedLinearBias,
  attention as fusedAttention,
  modulate as fusedModulate,
  gatedResidual as fusedGatedResidual,
} from "../engine/native/fused";

/**
 * LayerNorm over the last axis without bias: `(x - mean) / sqrt(var + eps) * weight` (the op of
 * src/engine/native/fused.ts: one fused pass with an analytic gradient on native, tfjs ops elsewhere).
 */
export function layerNorm(x: tf.Tensor3D, weight: tf.Tensor1D, eps = 1e-5): tf.Tensor3D {
  return fusedLayerNorm(x, weight, tf.zeros(weight.shape), eps) as tf.Tensor3D;
}

/** Whether `v` holds one d-vector per sequence of x (B, T, d): shape (B, 1, d). */
function perSequence(x: tf.Tensor, v: tf.Tensor): boolean {
  return x.rank === 3 && v.rank === 3 && v.shape[0] === x.shape[0] && v.shape[1] === 1 && v.shape[2] === x.shape[2];
}

/**
 * adaLN modulation `x * (1 + scale) + shift` with per-sequence shift/scale of shape (B, 1, d). On the native backend
 * one fused C++ pass (and one for the gradient); other shapes and backends use tfjs ops.
 */
export function modulate(x: tf.Tensor3D, shift: tf.Tensor3D, scale: tf.Tensor3D): tf.Tensor3D {
  if (perSequence(x, shift) && perSequence(x, scale)) return fusedModulate(x, shift, scale); // native or its tfjs path
  return tf.add(tf.mul(x, tf.add(scale, 1)), shift) as tf.Tensor3D;
}

/**
 * Gated residual `x + h * gate` with a per-sequence gate of shape (B, 1, d) (DiT blocks). On the native backend one
 * fused C++ pass (and one for the gradient); other shapes and backends use tfjs ops.
 */
export function gatedResidual(x: tf.Tensor3D, h: tf.Tensor3D, gate: tf.Tensor3D): tf.Tensor3D {
  if (perSequence(x, gate) && h.shape.join() === x.shape.join()) return fusedGatedResidual(x, h, gate); // native or its tfjs path
  return tf.add(x, tf.mul(h, gate)) as tf.Tensor3D;
}

/** SiLU `x * sigmoid(x)`. */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x)) as T;
}

/** `x @ w + b` over the last axis (b optional; on the native backend one fused sgemm-onto-bias with its gradient). */
export function dense(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  if (b !== undefined && fusedNativeActive() && x.dtype === "float32") return fusedLinearBias(x, w, b);
  const y = linear(x, w);
  return b === undefined ? y : tf.add(y, b);
}

/**
 * Sinusoidal embedding of times t (B,) -> (B, dim): `[cos(t f_i), sin(t f_i)]` with
 * `f_i = maxPeriod^(-i / (dim/2))` (MDLM/DiT `TimestepEmbedder`, cos then sin; hdlm.md §8.1).
 */
export function timestepEmbedding(t: tf.Tensor1D, dim = 256, maxPeriod = 10000): tf.Tensor2D {
  const half = Math.floor(dim / 2);
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp((-Math.log(maxPeriod) * i) / half);
  const args = tf.mul(tf.reshape(t, [-1, 1]), tf.tensor2d(freqs, [1, half])); // (B, half)
  return tf.concat([tf.cos(args), tf.sin(args)], 1) as tf.Tensor2D; // (B, dim)
}

const rotaryCache = new Map<string, { cos: Float32Array; sin: Float32Array }>();

/** Rotary tables for positions 0..T-1 and head width hd: cos and sin of shape (T, hd), halves repeated (values cached). */
export function rotaryTables(T: number, hd: number, base = 10000): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const key = `${T},${hd},${base}`;
  let v = rotaryCache.get(key);
  if (v === undefined) {
    const half = hd / 2;
    const cos = new Float32Array(T * hd);
    const sin = new Float32Array(T * hd);
    for (let p = 0; p < T; p++) {
      for (let i = 0; i < half; i++) {
        const a = p * Math.pow(base, (-2 * i) / hd);
        cos[p * hd + i] = cos[p * hd + half + i] = Math.cos(a);
        sin[p * hd + i] = sin[p * hd + half + i] = Math.sin(a);
      }
    }
    v = { cos, sin };
    rotaryCache.set(key, v);
  }
  // Copies: a backend may keep the array it is given as the tensor's storage.
  return { cos: tf.tensor2d(v.cos.slice(), [T, hd]), sin: tf.tensor2d(v.sin.slice(), [T, hd]) };
}

/** Which keys a query may attend: `keyMask` (B, T) 1 real / 0 padding (or null), and `causal` (key <= query). */
export interface AttentionMask {
  keyMask: tf.Tensor2D | null;
  causal: boolean;
}

/**
 * Multi-head self-attention with a fused bias-free QKV projection and rotary q, k (hdlm.md §8.1).
 * h (B, T, d) -> (B, T, d); not-attended keys get the additive score bias -1e9 (as {@link attentionBias}).
 * The core is the fused `attention` of src/engine/native/fused.ts: on native one C++ pass reading Q, K, V in place
 * (rotary and masks applied inside, analytic gradient); elsewhere tfjs ops batched over B*H (the same file's
 * `applyRotary` and `attentionBias`).
 */
export function attention(
  h: tf.Tensor3D,
  wQkv: tf.Tensor2D,
  wProj: tf.Tensor2D,
  heads: number,
  rope: { cos: tf.Tensor2D; sin: tf.Tensor2D },
  mask: AttentionMask,
): tf.Tensor3D {
  const qkv = linear(h, wQkv) as tf.Tensor3D; // (B, T, 3d): q | k | v, heads contiguous in each
  const merged = fusedAttention(qkv, heads, { rope, keyMask: mask.keyMask, causal: mask.causal }); // (B, T, d)
  return linear(merged, wProj) as tf.Tensor3D; // (B, T, d)
}

