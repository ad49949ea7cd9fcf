// Per-cluster log-sum-exp of token logits ("segment logsumexp", hdlm.md §1.2) and the masked token mean
// used by every loss: log P_theta(k) = lse_{v in k}(l_v) - lse_v(l_v), computed without summing probabilities.
import { tf } from "../engine/tf";
import { ClusterLayout, checkClusterLayout } from "../processes/cluster-layout";
import { linear } from "../engine/matmul";
import { logSumExpRows } from "./logsumexp";

/** 'gather': exact for any logits (members gathered into a padded [n, maxSize] table; memory N*n*maxSize).
 *  'matmul': exp(l - rowmax) @ onehot(V x n) on the fast matmul path (memory N*n); a cluster whose mass is
 *  below ~1e-38 of the row maximum underflows and is floored there (its log-probability reads about -87). */
export type SegmentMethod = "gather" | "matmul";

interface SegmentTables {
  members: tf.Tensor1D; // [n * maxSize] indices into [logits | sentinel]
  maxSize: number;
  onehot: tf.Tensor2D; // [V, n]
}

const tables = new WeakMap<Int32Array, SegmentTables>();

function segmentTables(layout: ClusterLayout): SegmentTables {
  const cached = tables.get(layout.clusterOf);
  if (cached !== undefined && !cached.members.isDisposed) return cached;
  checkClusterLayout(layout);
  const { vocabSize: V, numClusters: n, clusterOf } = layout;
  const lists: number[][] = Array.from({ length: n }, () => []);
  for (let v = 0; v < V; v++) lists[clusterOf[v]].push(v);
  const maxSize = Math.max(...lists.map((l) => l.length));
  const idx = new Int32Array(n * maxSize).fill(V); // V = the sentinel column
  lists.forEach((l, k) => l.forEach((v, j) => (idx[k * maxSize + j] = v)));
  const oh = new Float32Array(V * n);
  for (let v = 0; v < V; v++) oh[v * n + clusterOf[v]] = 1;
  const t: SegmentTables = tf.tidy(() => ({
    members: tf.keep(tf.tensor1d(idx, "int32")),
    maxSize,
    onehot: tf.keep(tf.tensor2d(oh, [V, n])),
  }));
  tables.set(layout.clusterOf, t);
  return t;
}

/** Very negative stand-in for -infinity in padded member slots (keeps gradients finite). */
const SENTINEL = -1e30;

/**
 * lse_{v: clusterOf[v] = k} logits[..., v] for every cluster k: [..., V] -> [..., n] (hdlm.md §1.2, §3.2).
 * Differentiable in the logits. The per-layout index tables are cached (kept outside tf.tidy scopes).
 */
export function segmentLogSumExp(logits: tf.Tensor, layout: ClusterLayout, method: SegmentMethod = "gather"): tf.Tensor {
  const V = layout.vocabSize;
  const n = layout.numClusters;
  const width = logits.shape[logits.rank - 1];
  if (width !== V) throw new RangeError(`logits last dimension must be vocabSize = ${V}, got ${width}`);
  const lead = logits.shape.slice(0, -1);
  const tb = segmentTables(layout);
  return tf.tidy(() => {
    const flat = tf.reshape(logits, [-1, V]) as tf.Tensor2D;
    const N = flat.shape[0];
    if (method === "gather") {
      const padded = tf.concat([flat, tf.fill([N, 1], SENTINEL)], 1);
      const g = tf.reshape(tf.gather(padded, tb.members, 1), [N * n, tb.maxSize]) as tf.Tensor2D;
      return tf.reshape(logSumExpRows(g), [...lead, n]);
    }
    if (method !== "matmul") throw new RangeError(`method must be 'gather' or 'matmul', got '${method}'`);
    return tf.reshape(matmulSegmentLse(flat, tb.onehot), [...lead, n]);
  });
}

/** Floor of the per-cluster sums of exp(l − rowmax) on the matmul path. */
const FLOOR = 1e-38;

/**
 * The matmul path with its analytic gradient: out = log(max(exp(l − m) @ onehot, FLOOR)) + m, m = rowmax, and
 * d out_k / d l_v = [cluster(v) = k] exp(l_v − out_k) (0 where the sum hit the floor); the shift m has no gradient.
 */
function matmulSegmentLse(flat: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const rowMax = tf.max(x, 1, true);
    const e = tf.exp(tf.sub(x, rowMax));
    const raw = linear(e, onehot) as tf.Tensor2D; // [N, n]
    save([e, raw]);
    return {
      value: tf.add(tf.log(tf.maximum(raw, FLOOR)), rowMax),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [es, sums] = saved;
        const w = tf.where(tf.greaterEqual(sums, FLOOR), tf.div(dy, tf.maximum(sums, FLOOR)), tf.zerosLike(sums));
        return [tf.mul(es, tf.matMul(w as tf.Tensor2D, onehot, false, true))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
  return f(flat);
}

/** Token mean over non-padding positions: sum(loss * mask) / sum(mask) (hdlm.md §3.2). */
export function maskedTokenMean(perToken: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(perToken, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar);
}
