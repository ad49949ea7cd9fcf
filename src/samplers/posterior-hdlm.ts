// HDLM reverse-step probabilities q(z_s | z_t, x) (hdlm.md §6): the exact posterior of the token -> cluster ->
// MASK chain and the reference's Euler rule, given x (Bayes) or the model's x̂ (scalar and batched tensors).
import { tf } from "../engine/tf";
import { checkTime } from "../schedules/schedule";
import { HierarchicalScheduleLike } from "../schedules/hierarchical";
import { ClusterLayout, checkClusterLayout, checkXi, clusterDistribution, stateCount } from "../processes/cluster-layout";
import { linear } from "../engine/matmul";

/** 'exact' posterior of the chain, or the reference's first-order 'euler' rule (hdlm.md §6). */
export type StepRule = "exact" | "euler";
/** ξ < 1 model sampling (hdlm.md §5.3): 'model' uses Q_θ and x̃(.|k); 'reference' uses P_θ and within-cluster x̂. */
export type PerturbSampling = "model" | "reference";

/** Scalar probabilities of one reverse step t -> s for a single position (they depend only on t, s). */
export interface HdlmStepProbabilities {
  /** MASK stays MASK: m_s/m_t. */
  maskStay: number;
  /** MASK -> some cluster: (1 - (1-t)/(1-s)) c_s/m_t (euler: (m_t - m_s)/m_t). */
  maskToCluster: number;
  /** MASK -> a token directly: the rest (euler: 0). */
  maskToToken: number;
  /** Cluster -> its token: 1 - (1-t) c_s/((1-s) c_t) (euler: (alpha_s - alpha_t)/c_t). */
  clusterToToken: number;
  /** Cluster stays: 1 - clusterToToken. */
  clusterStay: number;
}

/** Throws naming s or t unless 0 <= s < t <= 1. */
export function checkStep(t: number, s: number): void {
  checkTime(t, "t");
  checkTime(s, "s");
  if (!(s < t)) throw new RangeError(`s must be < t for a reverse step, got s = ${s}, t = ${t}`);
}

/**
 * The per-position transition probabilities of a reverse step t -> s (hdlm.md §6; sanity at gamma = 1,
 * t = 0.5, s = 0.4: stay 0.60944, cluster 0.33295, token 0.05761; cluster -> token 0.26303, euler 0.28854).
 */
export function hdlmStepProbabilities(schedule: HierarchicalScheduleLike, t: number, s: number, rule: StepRule = "exact"): HdlmStepProbabilities {
  checkStep(t, s);
  const mt = schedule.maskMass(t), ms = schedule.maskMass(s);
  const ct = schedule.clusterMass(t), cs = schedule.clusterMass(s);
  const maskStay = mt > 0 ? ms / mt : 0;
  let maskToCluster: number, maskToToken: number, clusterToToken: number;
  if (rule === "exact") {
    const survive = t === 1 ? 0 : (1 - t) / (1 - s); // a cluster at s is still a cluster at t
    maskToCluster = mt > 0 ? ((1 - survive) * cs) / mt : 0;
    maskToToken = Math.max(0, 1 - maskStay - maskToCluster);
    clusterToToken = ct > 0 ? 1 - (survive * cs) / ct : 1;
  } else if (rule === "euler") {
    maskToCluster = mt > 0 ? (mt - ms) / mt : 0;
    maskToToken = 0;
    clusterToToken = ct > 0 ? Math.min(1, Math.max(0, (schedule.alpha(s) - schedule.alpha(t)) / ct)) : 1;
  } else {
    throw new RangeError(`rule must be 'exact' or 'euler', got '${rule}'`);
  }
  return { maskStay, maskToCluster, maskToToken, clusterToToken, clusterStay: 1 - clusterToToken };
}

export interface HdlmPosteriorOptions {
  xi?: number;
  rule?: StepRule;
  perturbSampling?: PerturbSampling;
}

/**
 * Exact Bayes posterior q(z_s | z_t, x) over all V + 1 + n ids for one position (hdlm.md §6):
 * clean z_t stays; MASK -> MASK / cluster k (weighted c-hat(x)[k]) / x; cluster -> x or stays.
 */
export function hdlmPosteriorGivenX(
  schedule: HierarchicalScheduleLike,
  layout: ClusterLayout,
  x: number,
  zt: number,
  t: number,
  s: number,
  options: HdlmPosteriorOptions = {},
): Float64Array {
  const V = layout.vocabSize;
  const xi = checkXi(options.xi ?? 1, layout.numClusters);
  const p = hdlmStepProbabilities(schedule, t, s, options.rule ?? "exact");
  const out = new Float64Array(stateCount(layout));
  const chat = clusterDistribution(layout, x, xi);
  if (zt < V) {
    if (zt !== x) throw new RangeError(`zt = ${zt} is a token other than x = ${x}: impossible under q_t(. | x)`);
    out[x] = 1;
  } else if (zt === V) {
    out[V] = p.maskStay;
    for (let k = 0; k < layout.numClusters; k++) out[V + 1 + k] = p.maskToCluster * chat[k];
    out[x] = p.maskToToken;
  } else {
    const k = zt - V - 1;
    if (!(k < layout.numClusters) || chat[k] === 0) throw new RangeError(`zt = ${zt} is not a cluster reachable from x = ${x}`);
    out[zt] = p.clusterStay;
    out[x] = p.clusterToToken;
  }
  return out;
}

/**
 * Model reverse step p_θ(z_s | z_t) for one position from the model's token probabilities x̂ (length V):
 * MASK -> stay / cluster k with Q_θ(k) (P_θ for 'reference' or ξ = 1) / token v with x̂(v);
 * cluster k -> token v with x̃(v | k) ∝ x̂(v) c-hat(v)[k] ('reference': x̂ renormalised within k) or stays.
 */
export function hdlmModelPosterior(
  schedule: HierarchicalScheduleLike,
  layout: ClusterLayout,
  xhat: ArrayLike<number>,
  zt: number,
  t: number,
  s: number,
  options: HdlmPosteriorOptions = {},
): Float64Array {
  const V = layout.vocabSize, n = layout.numClusters;
  if (xhat.length !== V) throw new RangeError(`xhat must have length vocabSize = ${V}, got ${xhat.length}`);
  const xi = checkXi(options.xi ?? 1, n);
  const mode = options.perturbSampling ?? "model";
  const r = n > 1 ? (1 - xi) / (n - 1) : 0;
  const p = hdlmStepProbabilities(schedule, t, s, options.rule ?? "exact");
  const out = new Float64Array(stateCount(layout));
  if (zt < V) {
    out[zt] = 1;
    return out;
  }
  const P = new Float64Array(n);
  for (let v = 0; v < V; v++) P[layout.clusterOf[v]] += xhat[v];
  if (zt === V) {
    out[V] = p.maskStay;
    for (let k = 0; k < n; k++) out[V + 1 + k] = p.maskToCluster * (mode === "model" ? xi * P[k] + r * (1 - P[k]) : P[k]);
    for (let v = 0; v < V; v++) out[v] = p.maskToToken * xhat[v];
    return out;
  }
  const k = zt - V - 1;
  if (!(k >= 0 && k < n)) throw new RangeError(`zt = ${zt} is not a valid id (width ${V + 1 + n})`);
  let norm = 0;
  const w = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    const member = layout.clusterOf[v] === k;
    w[v] = xhat[v] * (mode === "model" ? (member ? xi : r) : member ? 1 : 0);
    norm += w[v];
  }
  out[zt] = p.clusterStay;
  for (let v = 0; v < V; v++) out[v] = norm > 0 ? (p.clusterToToken * w[v]) / norm : 0;
  if (!(norm > 0)) out[zt] = 1; // no model mass on reachable tokens: stay
  return out;
}

function perSequence(v: tf.Tensor1D | number, B: number, name: string): Float64Array {
  const out = new Float64Array(B);
  if (typeof v === "number") return out.fill(v);
  if (v.rank !== 1 || v.shape[0] !== B) throw new RangeError(`${name} must have shape [${B}] (one time per sequence) or be a number, got [${v.shape}]`);
  const d = v.dataSync();
  for (let i = 0; i < B; i++) out[i] = d[i];
  return out;
}

/**
 * Batched model reverse step: `probs` [B, L, V] model token probabilities x̂, `z` [B, L] int32 current ids,
 * t and s per sequence. Returns [B, L, V + 1 + n] probabilities of z_s (rows sum to 1), as hdlmModelPosterior.
 */
export function hdlmReverseProbs(
  probs: tf.Tensor3D,
  z: tf.Tensor2D,
  t: tf.Tensor1D | number,
  s: tf.Tensor1D | number,
  options: HdlmPosteriorOptions & { schedule: HierarchicalScheduleLike; clusters: ClusterLayout },
): tf.Tensor3D {
  const { schedule, clusters } = options;
  checkClusterLayout(clusters, "clusters");
  const V = clusters.vocabSize, n = clusters.numClusters, W = V + 1 + n;
  if (probs.rank !== 3 || probs.shape[2] !== V) throw new RangeError(`probs must be [B, L, vocabSize = ${V}], got [${probs.shape}]`);
  const [B, L] = probs.shape;
  if (z.rank !== 2 || z.dtype !== "int32" || z.shape[0] !== B || z.shape[1] !== L) throw new RangeError(`z must be a [${B}, ${L}] int32 tensor, got ${z.dtype} [${z.shape}]`);
  const xi = checkXi(options.xi ?? 1, n);
  const mode = options.perturbSampling ?? "model";
  if (mode !== "model" && mode !== "reference") throw new RangeError(`perturbSampling must be 'model' or 'reference', got '${mode}'`);
  const r = n > 1 ? (1 - xi) / (n - 1) : 0;
  const ts = perSequence(t, B, "t"), ss = perSequence(s, B, "s");
  const zs = z.dataSync();
  const N = B * L;
  const isMask = new Float32Array(N), isClu = new Float32Array(N), isTok = new Float32Array(N);
  const kObs = new Int32Array(N), tokId = new Int32Array(N);
  const stay = new Float32Array(N), toClu = new Float32Array(N), toTok = new Float32Array(N), cluTok = new Float32Array(N);
  for (let b = 0; b < B; b++) {
    const p = hdlmStepProbabilities(schedule, ts[b], ss[b], options.rule ?? "exact");
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      const id = zs[i];
      if (!(id >= 0 && id < W)) throw new RangeError(`z holds ${id} at flat index ${i}; ids must lie in [0, ${W})`);
      stay[i] = p.maskStay;
      toClu[i] = p.maskToCluster;
      toTok[i] = p.maskToToken;
      cluTok[i] = p.clusterToToken;
      if (id < V) {
        isTok[i] = 1;
        tokId[i] = id;
      } else if (id === V) isMask[i] = 1;
      else {
        isClu[i] = 1;
        kObs[i] = id - V - 1;
      }
    }
  }
  const oh = new Float32Array(V * n);
  for (let v = 0; v < V; v++) oh[v * n + clusters.clusterOf[v]] = 1;
  return tf.tidy(() => {
    const xh = tf.reshape(probs, [N, V]) as tf.Tensor2D;
    const M = tf.tensor2d(oh, [V, n]);
    const P = linear(xh, M) as tf.Tensor2D; // P_θ(k) [N, n]
    const col = (a: Float32Array) => tf.reshape(tf.tensor1d(a), [N, 1]);
    // MASK rows
    const Qm = mode === "model" && xi < 1 ? tf.add(tf.mul(xi - r, P), r) : P;
    const maskRow = tf.concat([tf.mul(xh, col(toTok)), col(stay), tf.mul(Qm, col(toClu))], 1);
    // cluster rows: c-hat(v)[k] as an [N, V] table
    const ohK = n === 1 ? tf.ones([N, 1]) : tf.oneHot(tf.tensor1d(kObs, "int32"), n);
    const member = linear(ohK, tf.transpose(M)); // [N, V]: 1 where clusterOf[v] = k
    const chat = mode === "model" && xi < 1 ? tf.add(tf.mul(member, xi - r), r) : member;
    const num = tf.mul(xh, chat);
    const den = tf.maximum(tf.sum(num, 1, true), 1e-30);
    const cluRow = tf.concat([tf.mul(tf.div(num, den), col(cluTok)), tf.zeros([N, 1]), tf.mul(ohK, tf.sub(1, col(cluTok)))], 1);
    // clean rows: one-hot on the token
    const tokRow = tf.oneHot(tf.tensor1d(tokId, "int32"), W);
    const out = tf.addN([tf.mul(maskRow, col(isMask)), tf.mul(cluRow, col(isClu)), tf.mul(tokRow, col(isTok))]);
    return tf.reshape(out, [B, L, W]) as tf.Tensor3D;
  });
}
