// The reference training step of engine.md §4 written with TensorFlow.js ops: a pre-LN bidirectional
// transformer (fused QKV, tanh-GELU MLP 4x, untied head) trained with masked, weighted cross-entropy and Adam.
import { tf, linear } from "../src/engine";
import { FusedAdam, attention as fusedAttention, linearBias, geluTanh as fusedGelu, layerNorm as fusedLayerNorm, weightedCrossEntropy } from "../src/engine/native/fused";
import { SeededRng } from "../src/util/rng";

/** Shapes of the reference model (engine.md §4: B16, T128, D256, 4 heads, 4 layers, vocabulary 8192). */
export interface RefConfig {
  batch: number;
  seq: number;
  width: number;
  heads: number;
  layers: number;
  vocab: number;
}

/** The reference configuration of engine.md §4. */
export const REFERENCE_CONFIG: RefConfig = { batch: 16, seq: 128, width: 256, heads: 4, layers: 4, vocab: 8192 };
/** A tiny configuration for tests and smoke runs. */
export const TINY_CONFIG: RefConfig = { batch: 2, seq: 8, width: 16, heads: 2, layers: 2, vocab: 32 };

/** Parameter count of the reference model for `c` (weights and biases, learned positions, untied head). */
export function parameterCount(c: RefConfig): number {
  const d = c.width;
  const perLayer = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (4 * d * d + 4 * d) + (4 * d * d + d);
  return c.vocab * d + c.seq * d + c.layers * perLayer + 2 * d + (d * c.vocab + c.vocab);
}

/** Forward FLOPs of one step (matmuls only, 2 per multiply-add). */
export function forwardFlops(c: RefConfig): number {
  const n = c.batch * c.seq;
  const d = c.width;
  const perLayer = 2 * n * d * (3 * d) + 2 * n * d * d + 2 * (2 * n * d * 4 * d) + 2 * (2 * c.batch * c.seq * c.seq * d);
  return c.layers * perLayer + 2 * n * d * c.vocab;
}

type Params = Record<string, tf.Variable>;
let instances = 0;

/** Names and shapes of all parameters, in a fixed order (the same order as bench/torch_reference.py). */
export function parameterShapes(c: RefConfig): [string, number[]][] {
  const d = c.width;
  const out: [string, number[]][] = [
    ["tok", [c.vocab, d]],
    ["pos", [c.seq, d]],
  ];
  for (let l = 0; l < c.layers; l++) {
    out.push(
      [`l${l}.ln1.g`, [d]], [`l${l}.ln1.b`, [d]],
      [`l${l}.qkv.w`, [d, 3 * d]], [`l${l}.qkv.b`, [3 * d]],
      [`l${l}.o.w`, [d, d]], [`l${l}.o.b`, [d]],
      [`l${l}.ln2.g`, [d]], [`l${l}.ln2.b`, [d]],
      [`l${l}.fc1.w`, [d, 4 * d]], [`l${l}.fc1.b`, [4 * d]],
      [`l${l}.fc2.w`, [4 * d, d]], [`l${l}.fc2.b`, [d]],
    );
  }
  out.push(["lnf.g", [d]], ["lnf.b", [d]], ["head.w", [d, c.vocab]], ["head.b", [c.vocab]]);
  return out;
}

/** Initial parameter values from a seeded generator: LayerNorm gains 1, biases 0, weights N(0, 0.02). */
export function initialValues(c: RefConfig, seed: number): Map<string, Float32Array> {
  const rng = new SeededRng(seed);
  const vals = new Map<string, Float32Array>();
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (name.endsWith(".g")) v.fill(1);
    else if (!name.endsWith(".b")) for (let i = 0; i < n; i++) v[i] = 0.02 * rng.normal();
    vals.set(name, v);
  }
  return vals;
}

/** A batch: input tokens (masked positions hold vocab-1), targets, and per-position loss weights (0 where unmasked). */
export interface RefBatch {
  tokens: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
}

/** A seeded synthetic batch: about half the positions are masked, each with weight 1/t for a drawn t in (0, 1]. */
export function syntheticBatch(c: RefConfig, seed: number): RefBatch {
  const rng = new SeededRng(seed);
  const n = c.batch * c.seq;
  const tokens = new Int32Array(n);
  const targets = new Int32Array(n);
  const weights = new Float32Array(n);
  for (let b = 0; b < c.batch; b++) {
    const t = 0.05 + 0.95 * rng.uniform();
    for (let s = 0; s < c.seq; s++) {
      const i = b * c.seq + s;
      targets[i] = rng.int(c.vocab - 1);
      const masked = rng.uniform() < t;
      tokens[i] = masked ? c.vocab - 1 : targets[i];
      weights[i] = masked ? 1 / t : 0;
    }
  }
  return { tokens, targets, weights };
}

/** Composite LayerNorm (tfjs ops only). */
function layerNormOps(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, 1e-5))), g), b);
}

/** Composite tanh-GELU (tfjs ops only). */
function geluOps(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Composite dense layer with bias (tfjs ops; `linear` keeps wasm on its fast matmul path). */
function linearBiasOps(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(linear(x, w as tf.Tensor2D), b);
}

/**
 * The reference model and its Adam optimiser, with parameters created on the active backend.
 * `fused` (default true) uses the fused LayerNorm, GELU, cross-entropy and Adam of src/engine/native/fused.ts
 * (one C++ pass each on the native backend, the same math in tfjs ops elsewhere); false uses plain tfjs ops only.
 */
export class ReferenceModel {
  readonly params: Params = {};
  private readonly optimizer: tf.Optimizer;
  private readonly layerNorm: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  private readonly gelu: (x: tf.Tensor) => tf.Tensor;
  private readonly dense: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;

  constructor(readonly config: RefConfig, seed = 1, learningRate = 1e-3, readonly fused = true) {
    this.layerNorm = fused ? (x, g, b) => fusedLayerNorm(x, g, b, 1e-5) : layerNormOps;
    this.gelu = fused ? fusedGelu : geluOps;
    this.dense = fused ? (x, w, b) => linearBias(x, w as tf.Tensor2D, b as tf.Tensor1D) : linearBiasOps;
    if (config.width % config.heads !== 0) throw new Error(`width ${config.width} must be divisible by heads ${config.heads}`);
    const id = instances++;
    for (const [name, v] of initialValues(config, seed)) {
      const shape = parameterShapes(config).find((p) => p[0] === name)![1];
      const init = tf.tensor(v, shape);
      this.params[name] = tf.variable(init, true, `ref${id}_${name}`);
      init.dispose();
    }
    this.optimizer = fused ? new FusedAdam(learningRate) : tf.train.adam(learningRate);
  }

  /** Mean over all positions of weight x cross-entropy (a scalar). */
  loss(batch: RefBatch): tf.Scalar {
    const c = this.config;
    const p = this.params;
    const [B, T, D, H] = [c.batch, c.seq, c.width, c.heads];
    const dh = D / H;
    const tokens = tf.tensor1d(batch.tokens, "int32");
    let x = tf.reshape(tf.gather(p.tok, tokens), [B, T, D]);
    x = tf.add(x, p.pos);
    for (let l = 0; l < c.layers; l++) {
      const h = this.layerNorm(x, p[`l${l}.ln1.g`], p[`l${l}.ln1.b`]);
      const qkv = this.dense(tf.reshape(h, [B * T, D]), p[`l${l}.qkv.w`], p[`l${l}.qkv.b`]);
      let merged: tf.Tensor;
      if (this.fused) merged = tf.reshape(fusedAttention(tf.reshape(qkv, [B, T, 3 * D]) as tf.Tensor3D, H), [B * T, D]);
      else {
        const heads = tf.transpose(tf.reshape(qkv, [B, T, 3, H, dh]), [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
        const [q, k, v] = tf.unstack(heads, 0);
        const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh));
        const att = tf.matMul(tf.softmax(scores), v); // [B, H, T, dh]
        merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * T, D]);
      }
      x = tf.add(x, tf.reshape(this.dense(merged, p[`l${l}.o.w`], p[`l${l}.o.b`]), [B, T, D]));
      const h2 = tf.reshape(this.layerNorm(x, p[`l${l}.ln2.g`], p[`l${l}.ln2.b`]), [B * T, D]);
      const f1 = this.gelu(this.dense(h2, p[`l${l}.fc1.w`], p[`l${l}.fc1.b`]));
      const f2 = this.dense(f1, p[`l${l}.fc2.w`], p[`l${l}.fc2.b`]);
      x = tf.add(x, tf.reshape(f2, [B, T, D]));
    }
    const hf = tf.reshape(this.layerNorm(x, p["lnf.g"], p["lnf.b"]), [B * T, D]);
    const logits = this.dense(hf, p["head.w"], p["head.b"]) as tf.Tensor2D;
    const targets = tf.tensor1d(batch.targets, "int32");
    const weights = tf.tensor1d(batch.weights);
    if (this.fused) return tf.mean(weightedCrossEntropy(logits, targets, weights)) as tf.Scalar;
    const logp = tf.logSoftmax(logits);
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(targets, c.vocab)), -1));
    return tf.mean(tf.mul(nll, weights)) as tf.Scalar;
  }

  /** One Adam step; returns the loss before the update. */
  step(batch: RefBatch): number {
    const lossT = this.optimizer.minimize(() => this.loss(batch), true, Object.values(this.params));
    if (lossT === null) throw new Error("reference step returned no loss");
    const v = lossT.dataSync()[0];
    lossT.dispose();
    return v;
  }

  /** Frees the parameters and the optimiser state. */
  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
    this.optimizer.dispose();
  }
}
