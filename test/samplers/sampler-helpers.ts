// Shared helpers of the sampler and eval tests: a chi-square p-value, and an enumerable toy data distribution
// (V = 3 tokens, 2 clusters, L = 2) whose exact posterior marginals serve as the denoiser.
import { tf } from "../../src/engine/tf";
import { HierarchicalScheduleLike } from "../../src/schedules/hierarchical";
import { ClusterLayout, makeClusterLayout } from "../../src/processes/cluster-layout";
import { hdlmMarginal } from "../../src/processes/forward";
import { Denoiser } from "../../src/samplers/sampler";

function lnGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Regularized upper incomplete gamma Q(a, x) (Numerical Recipes gser/gcf). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    let sum = 1 / a, del = sum, ap = a;
    for (let n = 0; n < 1000; n++) {
      del *= x / ++ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
  }
  let b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** Pearson chi-square statistic and p-value of `counts` against probabilities `probs` (cells with p = 0 must be empty). */
export function chiSquare(counts: ArrayLike<number>, probs: ArrayLike<number>): { stat: number; df: number; p: number } {
  let N = 0;
  for (let i = 0; i < counts.length; i++) N += counts[i];
  let stat = 0, df = -1;
  for (let i = 0; i < counts.length; i++) {
    const e = N * probs[i];
    if (e === 0) {
      if (counts[i] !== 0) return { stat: Infinity, df: counts.length - 1, p: 0 };
      continue;
    }
    stat += (counts[i] - e) ** 2 / e;
    df++;
  }
  return { stat, df, p: gammaQ(df / 2, stat / 2) };
}

/** The toy vocabulary: tokens 0, 1 in cluster 0 and token 2 in cluster 1. */
export const TOY: ClusterLayout = makeClusterLayout([0, 0, 1], 2);

/** A correlated toy data distribution over the 9 pairs (x1, x2), row-major p[x1 * 3 + x2]. */
export const TOY_DATA = [0.3, 0.05, 0.05, 0.02, 0.2, 0.08, 0.05, 0.05, 0.2];

/**
 * Exact posterior marginals p(x_l | z) of the toy data under the HDLM forward process at time t, for one
 * length-2 noisy sequence z: p(x | z) ∝ p_data(x) q_t(z_1 | x_1) q_t(z_2 | x_2).
 */
export function toyMarginals(schedule: HierarchicalScheduleLike, z: ArrayLike<number>, t: number, data = TOY_DATA, layout = TOY): number[][] {
  const V = layout.vocabSize;
  const q = Array.from({ length: V }, (_, x) => hdlmMarginal(schedule, layout, x, t));
  const m = [new Array(V).fill(0), new Array(V).fill(0)];
  let total = 0;
  for (let a = 0; a < V; a++) {
    for (let b = 0; b < V; b++) {
      const w = data[a * V + b] * q[a][z[0]] * q[b][z[1]];
      m[0][a] += w;
      m[1][b] += w;
      total += w;
    }
  }
  if (!(total > 0)) throw new Error(`toy state [${Array.from(z)}] has probability 0 at t = ${t}`);
  return m.map((r) => r.map((v) => v / total));
}

/** The toy denoiser: logits = log of the exact posterior marginals (width V + 1 + n; extra columns are -30). */
export function toyDenoiser(schedule: HierarchicalScheduleLike, calls?: { n: number }, data = TOY_DATA, layout = TOY): Denoiser {
  const V = layout.vocabSize;
  const W = V + 1 + layout.numClusters;
  // Memoised per time: the logits of all (V + 1 + n)^2 joint states (the sampler asks for one t at a time).
  const memo = new Map<number, Float32Array>();
  const table = (t: number): Float32Array => {
    let tab = memo.get(t);
    if (tab === undefined) {
      tab = new Float32Array(W * W * 2 * W).fill(-30);
      for (let a = 0; a < W; a++) {
        for (let b = 0; b < W; b++) {
          let m: number[][];
          try {
            m = toyMarginals(schedule, [a, b], t, data, layout);
          } catch {
            continue; // unreachable state: logits stay flat
          }
          for (let l = 0; l < 2; l++) for (let v = 0; v < V; v++) tab[((a * W + b) * 2 + l) * W + v] = Math.log(Math.max(m[l][v], 1e-30));
        }
      }
      if (memo.size > 4) memo.clear();
      memo.set(t, tab);
    }
    return tab;
  };
  return (tokens, t) => {
    if (calls) calls.n++;
    const [B, L] = tokens.shape;
    if (L !== 2) throw new Error("toy denoiser is for L = 2");
    const z = tokens.dataSync();
    const ts = t.dataSync();
    const out = new Float32Array(B * L * W);
    for (let b = 0; b < B; b++) {
      const tab = table(ts[b]);
      out.set(tab.subarray((z[b * 2] * W + z[b * 2 + 1]) * 2 * W, (z[b * 2] * W + z[b * 2 + 1] + 1) * 2 * W), b * 2 * W);
    }
    return tf.tensor3d(out, [B, L, W]);
  };
}

/** A denoiser that ignores its input and returns log `probs` (length V) at every position, width `W`. */
export function constDenoiser(probs: number[], W: number, calls?: { n: number }): Denoiser {
  return (tokens) => {
    if (calls) calls.n++;
    const [B, L] = tokens.shape;
    const row = new Float32Array(W).fill(-30);
    probs.forEach((p, v) => (row[v] = Math.log(p)));
    const out = new Float32Array(B * L * W);
    for (let i = 0; i < B * L; i++) out.set(row, i * W);
    return tf.tensor3d(out, [B, L, W]);
  };
}

/** Counts of each id 0..W-1 in `data`. */
export function histogram(data: ArrayLike<number>, W: number): number[] {
  const c = new Array(W).fill(0);
  for (let i = 0; i < data.length; i++) c[data[i]]++;
  return c;
}
