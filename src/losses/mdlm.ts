// MDLM loss with the SUBS parameterisation (baselines.md §1): masked positions score -log p_θ(x) with the
// MASK logit removed, weighted by -alpha'_t/(1 - alpha_t) from any Schedule; clean positions are copied (loss 0).
import { tf } from "../engine/tf";
import { clusterLogSumExp } from "../engine/native/fused";
import { Schedule } from "../schedules/schedule";
import { maskedTokenMean } from "./segment";
import type { LossResult } from "./loss-result";

export interface MdlmLossOptions {
  schedule: Schedule;
  /** Number of real tokens V; MASK is id V. */
  vocabSize: number;
  /** [B, L] 1 for real positions, 0 for padding (default all 1). */
  padMask?: tf.Tensor2D;
}

/**
 * MDLM ELBO per token: [z = MASK] * (-alpha'_t/(1-alpha_t)) * (-log softmax(l_{0..V-1})[x]) (SUBS: the MASK
 * logit is -inf and unmasked positions copy z, so they cost 0). `logits` [B, L, W] with W = V or W >= V + 1.
 * The training loss is the ELBO itself (trainPerToken === elboPerToken values).
 */
export function mdlmLoss(logits: tf.Tensor3D, x: tf.Tensor2D, z: tf.Tensor2D, t: tf.Tensor1D, options: MdlmLossOptions): LossResult {
  const V = options.vocabSize;
  if (!Number.isInteger(V) || V <= 0) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
  if (logits.rank !== 3) throw new RangeError(`logits must be [B, L, width], got [${logits.shape}]`);
  const [B, L, W] = logits.shape;
  if (W < V) throw new RangeError(`logits width must be >= vocabSize = ${V}, got ${W}`);
  if (x.rank !== 2 || x.dtype !== "int32" || x.shape[0] !== B || x.shape[1] !== L) throw new RangeError(`x must be a [${B}, ${L}] int32 tensor, got ${x.dtype} [${x.shape}]`);
  if (z.rank !== 2 || z.dtype !== "int32" || z.shape[0] !== B || z.shape[1] !== L) throw new RangeError(`z must be a [${B}, ${L}] int32 tensor, got ${z.dtype} [${z.shape}]`);
  if (t.rank !== 1 || t.shape[0] !== B) throw new RangeError(`t must have shape [${B}] (one time per sequence), got [${t.shape}]`);
  const xs = Int32Array.from(x.dataSync());
  const zs = z.dataSync();
  const tv = t.dataSync();
  const pm = options.padMask === undefined ? new Float32Array(B * L).fill(1) : Float32Array.from(options.padMask.dataSync());
  const w = new Float32Array(B * L);
  const masked = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    if (!(tv[b] > 0 && tv[b] <= 1)) throw new RangeError(`t[${b}] must lie in (0, 1], got ${tv[b]}`);
    const a = options.schedule.alpha(tv[b]);
    const wb = -options.schedule.alphaPrime(tv[b]) / (1 - a);
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      if (pm[i] === 0) {
        xs[i] = 0;
        continue;
      }
      if (!(xs[i] >= 0 && xs[i] < V)) throw new RangeError(`x holds ${xs[i]} at flat index ${i}; clean tokens must lie in [0, ${V})`);
      if (zs[i] === V) masked[i] = 1;
      else if (zs[i] !== xs[i]) throw new RangeError(`z holds ${zs[i]} at flat index ${i}; MDLM z must be x or MASK = ${V}`);
      w[i] = wb;
    }
  }
  const tokenCount = pm.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
  const sel = new Uint8Array(B * L);
  for (let i = 0; i < sel.length; i++) sel[i] = masked[i] !== 0 && pm[i] !== 0 ? 1 : 0;
  const out = tf.tidy(() => {
    // -log softmax(l_{0..V-1})[x] per row from one fused pass over the [N, W] head (the MASK column is ignored).
    const stats = clusterLogSumExp(tf.reshape(logits, [B * L, W]) as tf.Tensor2D, V, xs, null, null);
    const [lse, , lx] = tf.split(stats, 3, 1).map((c) => tf.reshape(c, [B * L]));
    const ce = tf.sub(lse, lx);
    // Selected, not multiplied by the indicator: unmasked and padding positions are exactly 0.
    const per = tf.reshape(tf.where(tf.tensor1d(sel, "bool"), tf.mul(ce, tf.tensor1d(w)), tf.zeros([B * L])), [B, L]) as tf.Tensor2D;
    const pad = tf.tensor2d(pm, [B, L]);
    const mean = maskedTokenMean(per, pad);
    return { trainPerToken: tf.clone(per), elboPerToken: per, trainLoss: tf.clone(mean), elbo: mean };
  });
  return { ...out, tokenCount };
}
