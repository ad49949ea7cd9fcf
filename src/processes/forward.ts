// Forward noising q_t(z | x) for HDLM (token -> cluster -> MASK) and MDLM (token -> MASK):
// per-token marginals over all ids, and batched seeded sampling of z_t on int32 tensors (hdlm.md §2, §5).
import { tf } from "../engine/tf";
import { Schedule, checkTime } from "../schedules/schedule";
import { HierarchicalScheduleLike } from "../schedules/hierarchical";
import { SeededRng, toSeededRng } from "../util/rng";
import { ClusterLayout, checkClusterLayout, checkXi, clusterDistribution, referenceClusterDistribution, stateCount } from "./cluster-layout";

/** 'consistent' is hdlm-lab's c-hat (sums to 1); 'reference' pushes the p/n deficit to the last cluster (§5.1). */
export type PerturbVariant = "consistent" | "reference";

export interface HdlmForwardOptions {
  /** Probability mass of the true cluster, in (0, 1] (default 1). */
  xi?: number;
  /** Cluster law for xi < 1 (default 'consistent'). */
  variant?: PerturbVariant;
}

function checkToken(x: number, V: number, name = "x"): void {
  if (!Number.isInteger(x) || x < 0 || x >= V) throw new RangeError(`${name} must be a real token id in [0, ${V}), got ${x}`);
}

/**
 * q_t(z | x) over all V + 1 + n ids (hdlm.md §2): alpha_t on x, c_t c-hat(x)[k] on cluster k, m_t on MASK.
 */
export function hdlmMarginal(
  schedule: HierarchicalScheduleLike,
  layout: ClusterLayout,
  x: number,
  t: number,
  options: HdlmForwardOptions = {},
): Float64Array {
  checkTime(t);
  checkToken(x, layout.vocabSize);
  const xi = checkXi(options.xi ?? 1, layout.numClusters);
  const chat = options.variant === "reference" ? referenceClusterDistribution(layout, x, xi).probs : clusterDistribution(layout, x, xi);
  const V = layout.vocabSize;
  const out = new Float64Array(stateCount(layout));
  out[x] = schedule.alpha(t);
  const c = schedule.clusterMass(t);
  for (let k = 0; k < layout.numClusters; k++) out[V + 1 + k] = c * chat[k];
  out[V] = schedule.maskMass(t);
  return out;
}

/** q_t(z | x) over V + 1 ids for a masked process: alpha_t on x, 1 - alpha_t on MASK = V. */
export function mdlmMarginal(schedule: Schedule, vocabSize: number, x: number, t: number): Float64Array {
  checkTime(t);
  checkToken(x, vocabSize);
  const out = new Float64Array(vocabSize + 1);
  const a = schedule.alpha(t);
  out[x] = a;
  out[vocabSize] = 1 - a;
  return out;
}

function readTimes(t: tf.Tensor1D | number, batch: number): Float64Array {
  const out = new Float64Array(batch);
  if (typeof t === "number") {
    checkTime(t);
    out.fill(t);
    return out;
  }
  if (t.rank !== 1 || t.shape[0] !== batch) throw new RangeError(`t must have shape [${batch}] (one time per sequence), got [${t.shape}]`);
  const v = t.dataSync();
  for (let i = 0; i < batch; i++) out[i] = checkTime(v[i], `t[${i}]`);
  return out;
}

function readTokens(x: tf.Tensor2D, V: number): Int32Array {
  if (x.rank !== 2) throw new RangeError(`x must be a [B, L] int32 tensor, got shape [${x.shape}]`);
  if (x.dtype !== "int32") throw new TypeError(`x must have dtype int32, got ${x.dtype}`);
  const v = x.dataSync() as Int32Array;
  for (let i = 0; i < v.length; i++) if (v[i] < 0 || v[i] >= V) throw new RangeError(`x holds ${v[i]} at flat index ${i}; clean tokens must lie in [0, ${V})`);
  return v;
}

/**
 * Samples z_t ~ q_t(. | x) independently per position (hdlm.md §2.3): x [B, L] int32 clean tokens,
 * t one time per sequence ([B] tensor) or one number. xi = 1: one uniform u per position (token if
 * u < alpha_t, cluster if u < alpha_t + c_t, else MASK). xi < 1: the cluster is then drawn from c-hat(x)
 * ('consistent') or the reference's deficit law ('reference'). Returns [B, L] int32 ids.
 */
export function sampleHdlmForward(
  schedule: HierarchicalScheduleLike,
  layout: ClusterLayout,
  x: tf.Tensor2D,
  t: tf.Tensor1D | number,
  seedOrRng: number | SeededRng,
  options: HdlmForwardOptions = {},
): tf.Tensor2D {
  checkClusterLayout(layout);
  const xi = checkXi(options.xi ?? 1, layout.numClusters);
  const variant = options.variant ?? "consistent";
  const rng = toSeededRng(seedOrRng);
  const [B, L] = x.shape;
  const times = readTimes(t, B);
  const xs = readTokens(x, layout.vocabSize);
  const V = layout.vocabSize;
  const n = layout.numClusters;
  const out = new Int32Array(B * L);
  const p = 1 - xi;
  for (let b = 0; b < B; b++) {
    const a = schedule.alpha(times[b]);
    const ac = a + schedule.clusterMass(times[b]);
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      const tok = xs[i];
      const u = rng.uniform();
      if (u < a) {
        out[i] = tok;
      } else if (u < ac) {
        const own = layout.clusterOf[tok];
        let k = own;
        if (xi < 1) {
          const v = rng.uniform();
          if (variant === "consistent") {
            // true cluster with xi, else uniform over the n - 1 others
            if (v >= xi) {
              const j = Math.min(n - 2, Math.floor(((v - xi) / p) * (n - 1)));
              k = j < own ? j : j + 1;
            }
          } else {
            // reference: 1 - p on own, p/n on each other, deficit p/n on the last cluster
            if (v >= 1 - p) {
              const j = Math.min(n - 1, Math.floor(((v - (1 - p)) / p) * n));
              k = j === own ? n - 1 : j;
            }
          }
        }
        out[i] = V + 1 + k;
      } else {
        out[i] = V;
      }
    }
  }
  return tf.tensor2d(out, [B, L], "int32");
}

/** Samples an MDLM z_t: each position is MASK (= vocabSize) with probability 1 - alpha_t, else x. */
export function sampleMdlmForward(schedule: Schedule, vocabSize: number, x: tf.Tensor2D, t: tf.Tensor1D | number, seedOrRng: number | SeededRng): tf.Tensor2D {
  const rng = toSeededRng(seedOrRng);
  const [B, L] = x.shape;
  const times = readTimes(t, B);
  const xs = readTokens(x, vocabSize);
  const out = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const a = schedule.alpha(times[b]);
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      out[i] = rng.uniform() < a ? xs[i] : vocabSize;
    }
  }
  return tf.tensor2d(out, [B, L], "int32");
}
