// The three training integrands of the chained hybrid (hybrid.md §2), one per segment, as differentiable tensors:
// ℓ₁ (D1, target x_0), ℓ_C (C, target Emb(x_a) via the expected embedding ê), ℓ₂ (D2, target x_b over V ∪ {m}).
// With u ~ U(0, 1) per sequence, [u in segment]·ℓ(u) is an unbiased estimate of that segment's integral in §4
// (no Jacobian factor: the integrals are over u itself).
import { tf } from "../engine/tf";
import { HybridSegment } from "../schedules/hybrid";
import { D2Form } from "./config";
import { ChainedSchedule } from "./time";

function checkIds(name: string, ids: tf.Tensor2D, B: number, L: number): void {
  if (ids.rank !== 2 || ids.shape[0] !== B || ids.shape[1] !== L || ids.dtype !== "int32") throw new RangeError(`${name} must be a [${B}, ${L}] int32 tensor, got ${ids.dtype} [${ids.shape}]`);
}

function padArray(padMask: ArrayLike<number> | undefined, N: number): Float32Array {
  if (padMask === undefined) return new Float32Array(N).fill(1);
  if (padMask.length !== N) throw new RangeError(`padMask must hold ${N} values, got ${padMask.length}`);
  return Float32Array.from(padMask, (v) => (v !== 0 ? 1 : 0));
}

function checkTimes(schedule: ChainedSchedule, u: ArrayLike<number>, B: number, segment: HybridSegment): Float32Array {
  if (u.length !== B) throw new RangeError(`u must hold one time per sequence (${B}), got ${u.length}`);
  const { a, b } = schedule.config;
  const w = new Float32Array(B);
  for (let i = 0; i < B; i++) {
    const t = u[i];
    const seg = typeof t === "number" && t >= 0 && t <= 1 ? schedule.segmentOf(t) : null;
    if (segment === "D1") {
      if (seg !== "D1" || !(t > 0)) throw new RangeError(`u[${i}] = ${t} must lie in D1 = (0, ${a})`);
      w[i] = 1 / t;
    } else if (segment === "C") {
      if (seg !== "C") throw new RangeError(`u[${i}] = ${t} must lie in C = [${a}, ${b})`);
      w[i] = schedule.continuousWeight(t);
    } else {
      if (seg !== "D2" || !(t > b)) throw new RangeError(`u[${i}] = ${t} must lie in D2 = (${b}, 1]`);
      w[i] = 1 / (t - b);
    }
  }
  return w;
}

/** Ids with padding positions replaced by 0 (so gathers stay in range). */
function safeIds(ids: tf.Tensor2D, pad: Float32Array, limit: number, name: string): Int32Array {
  const v = Int32Array.from(ids.dataSync());
  for (let i = 0; i < v.length; i++) {
    if (pad[i] === 0) v[i] = 0;
    else if (!(v[i] >= 0 && v[i] < limit)) throw new RangeError(`${name} holds ${v[i]} at flat index ${i}; expected ids in [0, ${limit})`);
  }
  return v;
}

/** Inputs shared by the discrete integrands. */
export interface DiscreteIntegrandInputs {
  /** Network logits `[B, L, W]`: D1 uses columns 0..V-1 (the m logit is -∞ there), D2 columns 0..V. */
  logits: tf.Tensor3D;
  /** Target: x_0 (D1) or x_b (D2), `[B, L]` int32. */
  target: tf.Tensor2D;
  /** Noisy state x_u `[B, L]` int32 (MASK = V). */
  xu: tf.Tensor2D;
  /** u per sequence. */
  u: ArrayLike<number>;
  /** 1 real, 0 padding `[B·L]` (default all real). */
  padMask?: ArrayLike<number>;
}

/**
 * ℓ₁(u) = (1/u)·Σ_{i : x_u,i = m} -log p_θ(x_0,i | x_u, u) per sequence `[B]` (hybrid.md §2, D1; μ₁′/μ₁ = 1/u for
 * any p_a), with p_θ the softmax over the V real-token columns (MDLM's SUBS form: the m logit is dropped).
 * This is the form used (not SEDD's score entropy; same minimiser for the absorbing process).
 */
export function d1Integrand(schedule: ChainedSchedule, vocabSize: number, inputs: DiscreteIntegrandInputs): tf.Tensor1D {
  const { logits, target, xu } = inputs;
  const V = vocabSize;
  if (logits.rank !== 3 || logits.shape[2] < V) throw new RangeError(`logits must be [B, L, W >= ${V}], got [${logits.shape}]`);
  const [B, L] = logits.shape;
  checkIds("x0", target, B, L);
  checkIds("xu", xu, B, L);
  const w = checkTimes(schedule, inputs.u, B, "D1");
  const pad = padArray(inputs.padMask, B * L);
  const x0 = safeIds(target, pad, V, "x0");
  const z = xu.dataSync();
  const sel = new Float32Array(B * L);
  for (let i = 0; i < sel.length; i++) {
    if (pad[i] === 0) continue;
    if (z[i] === V) sel[i] = 1;
    else if (z[i] !== x0[i]) throw new RangeError(`xu holds ${z[i]} at flat index ${i}; a D1 state must be x_0 or MASK = ${V}`);
  }
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.slice(logits, [0, 0, 0], [B, L, V]));
    const ce = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(tf.tensor2d(x0, [B, L], "int32"), V)), -1));
    const per = tf.mul(ce, tf.tensor2d(sel, [B, L]));
    return tf.mul(tf.sum(per, -1), tf.tensor1d(w)) as tf.Tensor1D;
  });
}

/**
 * ℓ₂(u) per sequence `[B]` (hybrid.md §2, D2), with p_θ the softmax over V ∪ {m} (columns 0..V), summed over the
 * positions with x_u,i = m and weighted by 1/(u - b):
 * - `"ctmc"`: `(1 - p_θ(m)) - [x_b,i ≠ m]·(1 + log p_θ(x_b,i))`, the exact continuous-time KL rate of the reverse
 *   chain in which a drawn m stays m (for x_b,i real: `-log p(x_b,i) - p(m)`; for x_b,i = m: `1 - p(m)`);
 * - `"crossEntropy"`: `-log p_θ(x_b,i)`, the spec's literal form, pointwise >= the above.
 */
export function d2Integrand(schedule: ChainedSchedule, vocabSize: number, inputs: DiscreteIntegrandInputs, form: D2Form = schedule.config.d2Form): tf.Tensor1D {
  const { logits, target, xu } = inputs;
  const V = vocabSize;
  if (form !== "ctmc" && form !== "crossEntropy") throw new RangeError(`form must be 'ctmc' or 'crossEntropy', got ${String(form)}`);
  if (logits.rank !== 3 || logits.shape[2] < V + 1) throw new RangeError(`logits must be [B, L, W >= ${V + 1}] (V tokens and m), got [${logits.shape}]`);
  const [B, L] = logits.shape;
  checkIds("xb", target, B, L);
  checkIds("xu", xu, B, L);
  const w = checkTimes(schedule, inputs.u, B, "D2");
  const pad = padArray(inputs.padMask, B * L);
  const xb = safeIds(target, pad, V + 1, "xb");
  const z = xu.dataSync();
  const sel = new Float32Array(B * L);
  const real = new Float32Array(B * L);
  for (let i = 0; i < sel.length; i++) {
    if (pad[i] === 0) continue;
    if (z[i] === V) sel[i] = 1;
    else if (z[i] !== xb[i]) throw new RangeError(`xu holds ${z[i]} at flat index ${i}; a D2 state must be x_b or MASK = ${V}`);
    real[i] = xb[i] !== V ? 1 : 0;
  }
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.slice(logits, [0, 0, 0], [B, L, V + 1]));
    const lt = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor2d(xb, [B, L], "int32"), V + 1)), -1);
    let per: tf.Tensor;
    if (form === "crossEntropy") per = tf.neg(lt);
    else {
      const pm = tf.exp(tf.squeeze(tf.slice(logp, [0, 0, V], [B, L, 1]), [2]));
      per = tf.sub(tf.sub(1, pm), tf.mul(tf.tensor2d(real, [B, L]), tf.add(1, lt)));
    }
    return tf.mul(tf.sum(tf.mul(per, tf.tensor2d(sel, [B, L])), -1), tf.tensor1d(w)) as tf.Tensor1D;
  });
}

/** Inputs of {@link continuousIntegrand}. */
export interface ContinuousIntegrandInputs {
  /** Network logits at (z_u, u) `[B, L, V + 1]` over V ∪ {m}. */
  logits: tf.Tensor3D;
  /** x_a `[B, L]` int32 (may hold m). */
  xa: tf.Tensor2D;
  /** Emb `[V + 1, d]` (mask row last); gradients flow into it through both Emb(x_a) and ê. */
  emb: tf.Tensor2D;
  u: ArrayLike<number>;
  padMask?: ArrayLike<number>;
}

/**
 * ℓ_C(u) = ½·(-dSNR/du)·Σ_i ‖Emb(x_a,i) - ê_i‖² per sequence `[B]` (hybrid.md §2, C), ê = softmax(logits)·Emb (the
 * x₀-parametrisation). `weighting: "unweighted"` drops the SNR factor (plain x₀-MSE, a training option only; the
 * bound always uses the weighted form).
 */
export function continuousIntegrand(schedule: ChainedSchedule, inputs: ContinuousIntegrandInputs, weighting: "elbo" | "unweighted" = "elbo"): tf.Tensor1D {
  const { logits, xa, emb } = inputs;
  if (weighting !== "elbo" && weighting !== "unweighted") throw new RangeError(`weighting must be 'elbo' or 'unweighted', got ${String(weighting)}`);
  if (emb.rank !== 2) throw new RangeError(`emb must be [V + 1, d], got [${emb.shape}]`);
  const [S, d] = emb.shape;
  if (logits.rank !== 3 || logits.shape[2] !== S) throw new RangeError(`logits must be [B, L, ${S}] (one column per embedding row), got [${logits.shape}]`);
  const [B, L] = logits.shape;
  checkIds("xa", xa, B, L);
  const w = checkTimes(schedule, inputs.u, B, "C");
  const pad = padArray(inputs.padMask, B * L);
  const ids = safeIds(xa, pad, S, "xa");
  return tf.tidy(() => {
    const probs = tf.reshape(tf.softmax(logits), [B * L, S]);
    const eHat = tf.matMul(probs, emb);
    const target = tf.gather(emb, tf.tensor1d(ids, "int32"));
    const sq = tf.reshape(tf.sum(tf.square(tf.sub(target, eHat)), -1), [B, L]);
    const perSeq = tf.sum(tf.mul(sq, tf.tensor2d(pad, [B, L])), -1);
    return (weighting === "elbo" ? tf.mul(perSeq, tf.tensor1d(w)) : perSeq) as tf.Tensor1D;
  });
}

/** ê = softmax(logits)·Emb `[B, L, d]`: the continuous segment's x₀ estimate (also the sampler's). */
export function expectedEmbedding(logits: tf.Tensor3D, emb: tf.Tensor2D): tf.Tensor3D {
  const [B, L, S] = logits.shape;
  if (emb.shape[0] !== S) throw new RangeError(`logits width ${S} must equal the embedding rows ${emb.shape[0]}`);
  return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(tf.softmax(logits), [B * L, S]), emb), [B, L, emb.shape[1]]) as tf.Tensor3D);
}
