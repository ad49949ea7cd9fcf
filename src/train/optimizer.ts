// AdamW with linear warmup + cosine decay to 0.1·lr and global gradient-norm clipping (hdlm.md §8.2).
// State (moments and step count) is a named map of variables, so checkpoints store it like parameters.
import { tf } from "../engine/tf";
import { Params } from "../models/params";
import { nativeAdamW, nativeSumSquares } from "../engine/native/fused";

/** Σ of the squared entries of all tensors: one native pass each on the native backend, tfjs ops elsewhere. */
function sumOfSquares(ts: tf.Tensor[]): number {
  let total = 0;
  const rest: tf.Tensor[] = [];
  for (const g of ts) {
    const s = nativeSumSquares(g);
    if (s === null) rest.push(g);
    else total += s;
  }
  if (rest.length > 0) total += tf.tidy(() => tf.addN(rest.map((g) => tf.sum(tf.square(g)))).dataSync()[0]);
  return total;
}

/** Optimiser settings; defaults are the reference values of hdlm.md §8.2. */
export interface OptimConfig {
  /** Peak learning rate (5e-4). */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (0.02), applied only where `decays(name, shape)` holds. */
  weightDecay: number;
  /** Global gradient-norm clip (1.0); 0 disables clipping. */
  clipNorm: number;
  /** Linear warmup length in updates. */
  warmupSteps: number;
  /** Final learning rate as a fraction of `lr` (0.1). */
  minLrRatio: number;
}

/** Reference optimiser settings (hdlm.md §8.2); warmup is scaled down by the training presets. */
export const DEFAULT_OPTIM: OptimConfig = {
  lr: 5e-4,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-9,
  weightDecay: 0.02,
  clipNorm: 1.0,
  warmupSteps: 10000,
  minLrRatio: 0.1,
};

/**
 * Learning rate of update `step` (1-based) out of `totalSteps` (hdlm.md §8.2): linear warmup `lr·s/w` for
 * s <= w, then `lr·(r + (1 − r)·(1 + cos(π(s − w)/(S − w)))/2)` with r = minLrRatio, reaching r·lr at s = S.
 */
export function learningRate(step: number, totalSteps: number, c: Pick<OptimConfig, "lr" | "warmupSteps" | "minLrRatio">): number {
  if (!Number.isInteger(step) || step < 1) throw new Error(`step must be an integer >= 1, got ${step}`);
  const w = c.warmupSteps;
  if (step <= w) return (c.lr * step) / w;
  const span = totalSteps - w;
  const progress = span <= 0 ? 1 : Math.min(1, (step - w) / span);
  const r = c.minLrRatio;
  return c.lr * (r + ((1 - r) * (1 + Math.cos(Math.PI * progress))) / 2);
}

/**
 * Whether parameter `name` gets weight decay: the 2-D weight matrices of linear layers and heads. Norm weights,
 * biases (1-D) and the input embedding are not decayed (the usual GPT/nanoGPT split, minus embeddings, which
 * hdlm-lab initialises from cluster centroids and keeps free of shrinkage).
 */
export function decays(name: string, shape: number[]): boolean {
  return shape.length >= 2 && name !== "embed";
}

/** Result of one optimiser step. */
export interface StepInfo {
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * AdamW exactly as PyTorch's `torch.optim.AdamW` (decoupled decay `p ← p(1 − lr·wd)`, bias-corrected moments,
 * `p ← p − (lr/bc1)·m/(sqrt(v)/sqrt(bc2) + eps)`), after scaling all gradients by
 * `min(1, clipNorm/(‖g‖ + 1e-6))` like `clip_grad_norm_`.
 */
export class AdamW {
  readonly config: OptimConfig;
  readonly totalSteps: number;
  /** Updates applied so far. */
  step = 0;
  readonly m: Params = {};
  readonly v: Params = {};
  private readonly params: Params;

  constructor(params: Params, config: OptimConfig, totalSteps: number) {
    this.config = config;
    this.totalSteps = totalSteps;
    this.params = params;
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.v[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    }
  }

  /**
   * Applies one update from gradients keyed by parameter name (missing names count as zero gradient). The gradients
   * used are `gradScale · grads` (e.g. 1/k for a sum over k micro-batches); the norm is that of the scaled gradients.
   * On the native backend each parameter is updated in place by one fused C++ pass (the same float32 operations).
   */
  apply(grads: Record<string, tf.Tensor>, gradScale = 1): StepInfo {
    const c = this.config;
    const names = Object.keys(this.params);
    for (const key of Object.keys(grads)) {
      if (!(key in this.params)) throw new Error(`AdamW.apply: gradient "${key}" names no parameter (keys must be parameter names, e.g. from paramGrads(), not tf.Variable names)`);
    }
    if (!(gradScale > 0 && Number.isFinite(gradScale))) throw new RangeError(`AdamW.apply: gradScale must be a finite number > 0, got ${gradScale}`);
    const present = names.filter((n) => grads[n] !== undefined);
    const gradNorm = gradScale * Math.sqrt(sumOfSquares(present.map((n) => grads[n])));
    const clip = c.clipNorm > 0 ? Math.min(1, c.clipNorm / (gradNorm + 1e-6)) : 1;
    this.step += 1;
    const t = this.step;
    const lr = learningRate(t, this.totalSteps, c);
    const bc1 = 1 - Math.pow(c.beta1, t);
    const bc2 = 1 - Math.pow(c.beta2, t);
    const scale = gradScale * clip;
    for (const name of present) {
      const p = this.params[name];
      const g0 = grads[name];
      const decay = decays(name, p.shape) && c.weightDecay > 0 ? 1 - lr * c.weightDecay : 1;
      const s = { gradScale: scale, decay, beta1: c.beta1, beta2: c.beta2, sqrtBc2: Math.sqrt(bc2), eps: c.eps, stepSize: lr / bc1 };
      if (nativeAdamW(p, this.m[name], this.v[name], g0, s)) continue;
      tf.tidy(() => {
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = tf.add(tf.mul(this.m[name], c.beta1), tf.mul(g, 1 - c.beta1));
        const v = tf.add(tf.mul(this.v[name], c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
        this.m[name].assign(m);
        this.v[name].assign(v);
        const decayed = decay !== 1 ? tf.mul(p, decay) : p;
        const denom = tf.add(tf.div(tf.sqrt(v), s.sqrtBc2), c.eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), s.stepSize)));
      });
    }
    return { lr, gradNorm };
  }

  /** Disposes the moment variables. */
  dispose(): void {
    for (const v of [...Object.values(this.m), ...Object.values(this.v)]) v.dispose();
  }
}
