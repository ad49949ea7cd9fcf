// The layers the DiT and the causal transformer are built from (hdlm.md §8.1): bias-free LayerNorm, adaLN
// modulation, tanh-GELU, the sinusoidal time embedding, rotary embedding and masked multi-head attention.
import { tf } from "../engine/tf";
import { linear } from "../engine/matmul";
import {
  fusedNativeActive,
  layerNorm as fusedLayerNorm,
  geluTanh as fusedGeluTanh,
  linearBias as fusedLinearBias,
  attention as fusedAttention,
  modulate as fusedModulate,
  gatedResidual as fusedGatedResidual,
} from "../engine/native/fused";

/**
 * LayerNorm over the last axis without bias: `(x - mean) / sqrt(var + eps) * weight`.
 * On the native backend this is the fused kernel of src/engine/native/fused.ts (one pass, analytic gradient).
 */
export function layerNorm(x: tf.Tensor3D, weight: tf.Tensor1D, eps = 1e-5): tf.Tensor3D {
  if (fusedNativeActive() && x.dtype === "float32") return fusedLayerNorm(x, weight, tf.zeros(weight.shape), eps) as tf.Tensor3D;
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), weight) as tf.Tensor3D;
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
  if (fusedNativeActive() && x.dtype === "float32" && perSequence(x, shift) && perSequence(x, scale)) return fusedModulate(x, shift, scale);
  return tf.add(tf.mul(x, tf.add(scale, 1)), shift) as tf.Tensor3D;
}

/**
 * Gated residual `x + h * gate` with a per-sequence gate of shape (B, 1, d) (DiT blocks). On the native backend one
 * fused C++ pass (and one for the gradient); other shapes and backends use tfjs ops.
 */
export function gatedResidual(x: tf.Tensor3D, h: tf.Tensor3D, gate: tf.Tensor3D): tf.Tensor3D {
  if (fusedNativeActive() && x.dtype === "float32" && perSequence(x, gate) && h.shape.join() === x.shape.join()) return fusedGatedResidual(x, h, gate);
  return tf.add(x, tf.mul(h, gate)) as tf.Tensor3D;
}

const GELU_K = Math.sqrt(2 / Math.PI);

/** tanh-GELU by plain autodiff (reference for tests; keeps every intermediate for the backward pass). */
export function geluTanhAutodiff<T extends tf.Tensor>(x: T): T {
  const inner = tf.mul(GELU_K, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner))) as T;
}

const geluTanhCustom = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: geluTanhAutodiff(x),
    // d/dx 0.5x(1 + tanh u) = 0.5(1 + tanh u) + 0.5x(1 − tanh² u)·k(1 + 3·0.044715x²), u = k(x + 0.044715x³).
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [s] = saved;
      const x2 = tf.mul(s, s);
      const th = tf.tanh(tf.mul(GELU_K, tf.mul(s, tf.add(1, tf.mul(0.044715, x2)))));
      const dinner = tf.mul(GELU_K, tf.add(1, tf.mul(3 * 0.044715, x2)));
      const d = tf.add(tf.mul(0.5, tf.add(1, th)), tf.mul(tf.mul(0.5, s), tf.mul(tf.sub(1, tf.square(th)), dinner)));
      return [tf.mul(dy, d)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * tanh approximation of GELU (PyTorch `approximate="tanh"`), `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`, with an
 * analytic gradient that saves only x (autodiff would keep eight (N, 4d) intermediates per MLP for the backward pass).
 * On the native backend: the fused C++ kernel and its gradient.
 */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  if (fusedNativeActive() && x.dtype === "float32") return fusedGeluTanh(x) as T;
  return geluTanhCustom(x) as T;
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

/** Rotary embedding (GPT-NeoX "rotate half" form, as flash-attn's non-interleaved rotary): x (N, T, hd). */
export function applyRotary(x: tf.Tensor3D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor3D {
  const hd = x.shape[2];
  const [x1, x2] = tf.split(x, [hd / 2, hd / 2], 2);
  const rotated = tf.concat([tf.neg(x2), x1], 2); // (N, T, hd)
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor3D;
}

/**
 * Additive attention bias (B, 1, T, T) or broadcastable: 0 where a query may attend a key, -1e9 where not.
 * `keyMask` (B, T): 1 for real tokens, 0 for padding (padded keys are never attended). `causal`: key <= query.
 */
export function attentionBias(B: number, T: number, keyMask: tf.Tensor2D | null, causal: boolean): tf.Tensor4D | null {
  let bias: tf.Tensor4D | null = null;
  if (keyMask !== null) {
    bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(keyMask, "float32")), -1e9), [B, 1, 1, T]) as tf.Tensor4D;
  }
  if (causal) {
    const c = new Float32Array(T * T);
    for (let q = 0; q < T; q++) for (let k = q + 1; k < T; k++) c[q * T + k] = -1e9;
    const cb = tf.tensor4d(c, [1, 1, T, T]);
    bias = bias === null ? cb : (tf.add(bias, cb) as tf.Tensor4D);
  }
  return bias;
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
 * (rotary and masks applied inside, analytic gradient); elsewhere tfjs ops batched over B*H.
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
