// HDLM closed-form ELBO and training loss from token logits (hdlm.md §3, §5): L_m (cluster CE from MASK),
// L_c (within-cluster CE from a cluster token), clipped/empirical training weights, hard mode, xi < 1 losses.
import { tf } from "../engine/tf";
import { logSumExpRows } from "./logsumexp";
import { HierarchicalScheduleLike } from "../schedules/hierarchical";
import { WeightClip, WEIGHT_CLIP_PRESETS, LossWeighting, checkWeightClip, empiricalWeights } from "../schedules/weighting";
import { ClusterLayout, checkClusterLayout, checkXi } from "../processes/cluster-layout";
import { SegmentMethod, segmentLogSumExp, maskedTokenMean } from "./segment";
import type { LossResult } from "./loss-result";
import { clusterLogSumExp } from "../engine/native/fused";

/** Options of the HDLM loss. Defaults follow the reference OWT config (hdlm.md §3.3). */
export interface HdlmLossOptions {
  schedule: HierarchicalScheduleLike;
  clusters: ClusterLayout;
  /** True-cluster mass of the forward perturbation, (0, 1] (default 1). */
  xi?: number;
  /** ξ < 1 loss: 'consistent' (exact ELBO, §5.2, default) or the reference's approximate loss (§5.1). */
  perturbLoss?: "consistent" | "reference";
  /** Training weights: 'elbo' (clipped ELBO weights, default) or the reference's 'empirical' polynomials. */
  weighting?: LossWeighting;
  /** Clipping of the training weights (default [0, 2]); the ELBO is never clipped. */
  clip?: WeightClip;
  /** Train MASK positions on the full-vocabulary CE -log x̂(x) (§3.4, default false). */
  hardTraining?: boolean;
  /** [B, L] 1 for real positions, 0 for padding (default all 1). */
  padMask?: tf.Tensor2D;
  /**
   * How the per-cluster log-sum-exp is computed for xi < 1 (default 'gather', exact). With xi = 1 and no method given,
   * the loss uses the fused per-row LSE over the true cluster only (clusterLogSumExp, exact); a given method forces the
   * [N, n] segment path (for comparisons).
   */
  segmentMethod?: SegmentMethod;
}


/** Reads and validates x, z and the pad mask on the host (they are integer inputs, not differentiated). */
function readPositions(x: tf.Tensor2D, z: tf.Tensor2D, padMask: tf.Tensor2D | undefined, V: number, width: number) {
  if (x.rank !== 2 || x.dtype !== "int32") throw new RangeError(`x must be a [B, L] int32 tensor, got ${x.dtype} [${x.shape}]`);
  if (z.rank !== 2 || z.dtype !== "int32" || z.shape[0] !== x.shape[0] || z.shape[1] !== x.shape[1]) {
    throw new RangeError(`z must be a [B, L] int32 tensor shaped like x [${x.shape}], got ${z.dtype} [${z.shape}]`);
  }
  if (padMask !== undefined && (padMask.shape[0] !== x.shape[0] || padMask.shape[1] !== x.shape[1])) {
    throw new RangeError(`padMask must have shape [${x.shape}], got [${padMask.shape}]`);
  }
  const xs = Int32Array.from(x.dataSync());
  const zs = Int32Array.from(z.dataSync());
  const pm = padMask === undefined ? new Float32Array(xs.length).fill(1) : Float32Array.from(padMask.dataSync());
  for (let i = 0; i < xs.length; i++) {
    if (pm[i] === 0) {
      xs[i] = 0;
      zs[i] = 0; // padding: treated as a clean position (loss 0), then masked out
      continue;
    }
    if (!(xs[i] >= 0 && xs[i] < V)) throw new RangeError(`x holds ${xs[i]} at flat index ${i}; clean tokens must lie in [0, ${V})`);
    if (!(zs[i] >= 0 && zs[i] < width)) throw new RangeError(`z holds ${zs[i]} at flat index ${i}; noisy ids must lie in [0, ${width})`);
    if (zs[i] < V && zs[i] !== xs[i]) throw new RangeError(`z holds token ${zs[i]} at flat index ${i} but x there is ${xs[i]}; a clean position must equal x`);
  }
  return { xs, zs, pm };
}

function readTimes(t: tf.Tensor1D, B: number): Float64Array {
  if (t.rank !== 1 || t.shape[0] !== B) throw new RangeError(`t must have shape [${B}] (one time per sequence), got [${t.shape}]`);
  const v = t.dataSync();
  const out = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) throw new RangeError(`t[${i}] must lie in [0, 1], got ${v[i]}`);
    out[i] = v[i];
  }
  return out;
}

/** One-hot rows [N, depth] (tf.oneHot rejects depth 1, which n = 1 needs). */
function oneHotRows(idx: Int32Array, depth: number): tf.Tensor2D {
  return (depth === 1 ? tf.ones([idx.length, 1]) : tf.oneHot(tf.tensor1d(idx, "int32"), depth)) as tf.Tensor2D;
}

/** Throws naming `logits` unless its last dimension is V (tokens only) or at least V + 1 + n (full id space, maybe padded). */
export function checkLogitWidth(logits: tf.Tensor, V: number, n: number): number {
  if (logits.rank !== 3) throw new RangeError(`logits must be [B, L, width], got rank ${logits.rank} [${logits.shape}]`);
  const w = logits.shape[2] as number;
  if (w !== V && w < V + 1 + n) {
    throw new RangeError(`logits width must be vocabSize = ${V} or >= vocabSize + 1 + numClusters = ${V + 1 + n}, got ${w}`);
  }
  return w;
}

/**
 * HDLM loss (hdlm.md §3.2-§3.4, §5.2). `logits` [B, L, W] are token-head logits; only the first V columns
 * (real tokens) are used, i.e. MASK and cluster columns count as -inf. `x` clean tokens, `z` noisy ids
 * (0..V-1 clean, V MASK, V+1+k cluster k), `t` one time per sequence.
 * Per position: elbo = w_m * L_m [z = MASK] + w_c * L_c [z cluster], with (ξ = 1)
 *   L_m = lse_v l_v - lse_{v in c(x)} l_v,  L_c = lse_{v in k} l_v - l_x;
 * for ξ < 1: L_m = KL(ĉ(x) || Q_θ), L_c = -log x̃(x | k), Q_θ(k) = ξ P_θ(k) + (1-ξ)(1-P_θ(k))/(n-1).
 */
export function hdlmLoss(logits: tf.Tensor3D, x: tf.Tensor2D, z: tf.Tensor2D, t: tf.Tensor1D, options: HdlmLossOptions): LossResult {
  const { schedule, clusters } = options;
  checkClusterLayout(clusters, "clusters");
  const V = clusters.vocabSize;
  const n = clusters.numClusters;
  const xi = checkXi(options.xi ?? 1, n);
  const perturb = options.perturbLoss ?? "consistent";
  if (perturb !== "consistent" && perturb !== "reference") throw new RangeError(`perturbLoss must be 'consistent' or 'reference', got '${perturb}'`);
  const weighting = options.weighting ?? "elbo";
  if (weighting !== "elbo" && weighting !== "empirical") throw new RangeError(`weighting must be 'elbo' or 'empirical', got '${weighting}'`);
  const clip = checkWeightClip(options.clip ?? WEIGHT_CLIP_PRESETS.reference);
  checkLogitWidth(logits, V, n);
  const [B, L] = [logits.shape[0], logits.shape[1]];
  if (x.shape[0] !== B || x.shape[1] !== L) throw new RangeError(`x must have shape [${B}, ${L}] to match logits, got [${x.shape}]`);
  const { xs, zs, pm } = readPositions(x, z, options.padMask, V, V + 1 + n);
  const ts = readTimes(t, B);
  const N = B * L;

  // Host-side per-position tables (inputs are integers; nothing here needs gradients). The weights are selected,
  // never multiplied by an indicator: a position outside a term (padding, clean, the other kind of noisy id) contributes
  // exactly 0 even where the unclipped weight is infinite (t = 1 with gamma <= 1).
  const selMask = new Uint8Array(N); // real MASK position
  const selCluster = new Uint8Array(N); // real cluster position
  const isTrue = new Float32Array(N); // cluster position whose cluster is c(x)
  const kObs = new Int32Array(N);
  const cx = new Int32Array(N);
  const wElboC = new Float32Array(N), wElboM = new Float32Array(N), wTrainC = new Float32Array(N), wTrainM = new Float32Array(N);
  const clipW = (w: number) => Math.min(Math.max(w, clip.minLossWeight), clip.maxLossWeight);
  for (let b = 0; b < B; b++) {
    const wc = schedule.weightCluster(ts[b]);
    const wm = schedule.weightMask(ts[b]);
    const emp = weighting === "empirical" ? empiricalWeights(ts[b]) : null;
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      cx[i] = clusters.clusterOf[xs[i]];
      if (zs[i] > V) {
        kObs[i] = zs[i] - V - 1;
        if (kObs[i] === cx[i]) isTrue[i] = 1;
        if (xi === 1 && kObs[i] !== cx[i]) throw new RangeError(`z holds cluster ${kObs[i]} at flat index ${i} but x is in cluster ${cx[i]}; with xi = 1 only the true cluster is reachable`);
      }
      if (pm[i] === 0) continue; // padding: every weight stays 0 and no term is selected
      if (zs[i] === V) {
        selMask[i] = 1;
        wElboM[i] = wm;
        wTrainM[i] = emp ? emp.weightMask : clipW(wm);
      } else if (zs[i] > V) {
        selCluster[i] = 1;
        wElboC[i] = wc;
        wTrainC[i] = emp ? emp.weightCluster : clipW(wc);
      }
    }
  }
  const hard = options.hardTraining === true;
  const tokenCount = pm.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);
  const W = logits.shape[2];

  const out = tf.tidy(() => {
    let maskElbo: tf.Tensor, maskTrain: tf.Tensor, cluLoss: tf.Tensor, ceFull: tf.Tensor;
    if (xi === 1 && options.segmentMethod === undefined) {
      // Default path: per row only lse over all tokens, lse over the true cluster c(x) (= the observed one) and l_x,
      // from one fused pass over the logits (native kernel; tfjs ops elsewhere), read in place of the [N, W] head.
      const stats = clusterLogSumExp(tf.reshape(logits, [N, W]) as tf.Tensor2D, V, xs, cx, clusters);
      const [lseAll, lseC, lx] = tf.split(stats, 3, 1).map((c) => tf.reshape(c, [N]));
      ceFull = tf.sub(lseAll, lx); // -log x̂(x)
      maskElbo = tf.sub(lseAll, lseC); // L_m
      maskTrain = maskElbo;
      cluLoss = tf.sub(lseC, lx); // L_c, within-cluster CE
    } else {
      const tok = tf.reshape(tf.slice(logits, [0, 0, 0], [B, L, V]), [N, V]) as tf.Tensor2D;
      const lseAll = logSumExpRows(tok); // [N], analytic gradient
      const seg = segmentLogSumExp(tok, clusters, options.segmentMethod) as tf.Tensor2D; // [N, n]
      const lx = tf.sum(tf.mul(tok, tf.oneHot(tf.tensor1d(xs, "int32"), V)), 1); // l_x [N]
      const ohC = oneHotRows(cx, n); // [N, n]
      const ohK = oneHotRows(kObs, n);
      ceFull = tf.sub(lseAll, lx);
      if (xi === 1) {
        const lseC = tf.sum(tf.mul(seg, ohC), 1);
        const lseK = tf.sum(tf.mul(seg, ohK), 1);
        maskElbo = tf.sub(lseAll, lseC); // L_m
        maskTrain = maskElbo;
        cluLoss = tf.sub(lseK, lx); // L_c, within-cluster CE
      } else {
        const r = (1 - xi) / (n - 1);
        const logP = tf.sub(seg, tf.expandDims(lseAll, 1)); // log P_θ(k) [N, n]
        const P = tf.exp(logP);
        if (perturb === "consistent") {
          const logQ = tf.log(tf.add(r, tf.mul(xi - r, P))); // log Q_θ(k) >= log min(ξ, r)
          const logQc = tf.sum(tf.mul(logQ, ohC), 1);
          const logQk = tf.sum(tf.mul(logQ, ohK), 1);
          // Σ_k ĉ(x)[k](-log Q(k)) = -[(ξ - r) log Q(c(x)) + r Σ_k log Q(k)]
          const crossEnt = tf.neg(tf.add(tf.mul(xi - r, logQc), tf.mul(r, tf.sum(logQ, 1))));
          const entropy = -xi * Math.log(xi) - (1 - xi) * Math.log(r);
          maskElbo = tf.sub(crossEnt, entropy); // KL(ĉ(x) || Q_θ)
          maskTrain = crossEnt; // the constant H(ĉ) is dropped for training
          // -log x̃(x | k) = -log x̂(x) - log ĉ(x)[k] + log Q_θ(k)
          const logChat = tf.add(tf.mul(tf.tensor1d(isTrue), Math.log(xi)), tf.mul(tf.sub(1, tf.tensor1d(isTrue)), Math.log(r)));
          cluLoss = tf.add(tf.sub(ceFull, logChat), logQk);
        } else {
          // reference approximate loss (hdlm.md §5.1), for comparison only
          const Pc = tf.sum(tf.mul(P, ohC), 1);
          const Ptilde = tf.add(Pc, tf.mul((1 - xi) / (xi * (n - 1)), tf.sub(1, Pc)));
          const logPt = tf.log(Ptilde);
          maskElbo = tf.mul(-xi, logPt);
          maskTrain = maskElbo;
          cluLoss = tf.add(ceFull, tf.mul(tf.tensor1d(isTrue), logPt));
        }
      }
    }
    // One cluster: P_θ(c) = 1 exactly, so L_m = 0 (hdlm.md §9): the MASK term is dropped (no round-off, no inf · 0).
    const oneCluster = n === 1;
    if (hard) maskTrain = ceFull;

    const zero = tf.zeros([N]);
    const mSel = tf.tensor1d(selMask, "bool");
    const cSel = tf.tensor1d(selCluster, "bool");
    /** Σ of the selected weighted terms: where(sel, w · loss, 0), so unselected positions are exactly 0. */
    const combine = (wM: Float32Array, lossM: tf.Tensor, wC: Float32Array, lossC: tf.Tensor, dropMask: boolean): tf.Tensor => {
      const cluTerm = tf.where(cSel, tf.mul(tf.tensor1d(wC), lossC), zero);
      return dropMask ? cluTerm : tf.add(tf.where(mSel, tf.mul(tf.tensor1d(wM), lossM), zero), cluTerm);
    };
    const elbo = combine(wElboM, maskElbo, wElboC, cluLoss, oneCluster);
    const train = combine(wTrainM, maskTrain, wTrainC, cluLoss, oneCluster && !hard);
    const pad = tf.tensor2d(pm, [B, L]);
    const elbo2 = tf.reshape(elbo, [B, L]) as tf.Tensor2D;
    const train2 = tf.reshape(train, [B, L]) as tf.Tensor2D;
    return {
      trainPerToken: train2,
      elboPerToken: elbo2,
      trainLoss: maskedTokenMean(train2, pad),
      elbo: maskedTokenMean(elbo2, pad),
    };
  });
  return { ...out, tokenCount };
}
