// Brute-force checks of the HDLM ELBO on a toy chain (one position, small V): the closed-form integrand,
// the generic CTMC path-space integrand, the discrete-time ELBO (sum of KLs) and the model's exact likelihood.
import { HierarchicalScheduleLike } from "../schedules/hierarchical";
import { ClusterLayout, checkXi, clusterDistribution, stateCount } from "../processes/cluster-layout";
import { hdlmMarginal } from "../processes/forward";
import { hdlmGenerator, hdlmTransitionExpm, matrixRow, reverseRates } from "../processes/ctmc";
import { hdlmModelPosterior, hdlmPosteriorGivenX } from "../samplers/posterior-hdlm";
import { HierarchicalSchedule } from "../schedules/hierarchical";
import { makeClusterLayout } from "../processes/cluster-layout";
import { SeededRng } from "../util/rng";

/** A one-position toy problem: a schedule, a cluster layout, ξ, the clean token x and a fixed model table x̂. */
export interface ToyElboProblem {
  schedule: HierarchicalScheduleLike;
  clusters: ClusterLayout;
  xi: number;
  x: number;
  /** Model token probabilities x̂ (length V, positive, sums to 1), fixed or as a function of t. A fixed table is
   *  the exact reverse of data distributed as x̂, so its bound is tight (ELBO = -log x̂(x)); a t-dependent one has a gap. */
  xhat: ArrayLike<number> | ((t: number) => ArrayLike<number>);
}

/** x̂ at time t. */
export function toyXhat(p: ToyElboProblem, t: number): ArrayLike<number> {
  return typeof p.xhat === "function" ? p.xhat(t) : p.xhat;
}

function clusterProbs(p: ToyElboProblem, xhat: ArrayLike<number>): { P: Float64Array; Q: Float64Array } {
  const n = p.clusters.numClusters;
  const xi = checkXi(p.xi, n);
  const r = n > 1 ? (1 - xi) / (n - 1) : 0;
  const P = new Float64Array(n);
  for (let v = 0; v < p.clusters.vocabSize; v++) P[p.clusters.clusterOf[v]] += xhat[v];
  const Q = P.map((pk) => xi * pk + r * (1 - pk));
  return { P, Q };
}

/**
 * Closed-form per-token ELBO (float64 reference of hdlmLoss's elbo, hdlm.md §3.2 and §5.2) for noisy id z at t:
 * 0 for z = x; w_m KL(ĉ(x) || Q_θ) for MASK; w_c (-log x̃(x | k)) for cluster k. `floor: false` uses the exact
 * rates -alpha'/c and m'/m instead of the reference's 1e-4-floored weights (they differ only where c or m < 1e-4).
 */
export function hdlmTokenElbo(p: ToyElboProblem, z: number, t: number, options: { floor?: boolean } = {}): number {
  const V = p.clusters.vocabSize;
  if (z < V) return 0;
  const xhat = toyXhat(p, t);
  const { Q } = clusterProbs(p, xhat);
  const chat = clusterDistribution(p.clusters, p.x, p.xi);
  const floor = options.floor ?? true;
  if (z === V) {
    let kl = 0;
    for (let k = 0; k < Q.length; k++) if (chat[k] > 0) kl += chat[k] * Math.log(chat[k] / Q[k]);
    const w = floor ? p.schedule.weightMask(t) : p.schedule.maskMassPrime(t) / p.schedule.maskMass(t);
    return w * kl;
  }
  const k = z - V - 1;
  const xtilde = (xhat[p.x] * chat[k]) / Q[k];
  const w = floor ? p.schedule.weightCluster(t) : -p.schedule.alphaPrime(t) / p.schedule.clusterMass(t);
  return w * -Math.log(xtilde);
}

/** E_{z ~ q_t(.|x)} of the closed-form per-token ELBO: the integrand of the continuous-time ELBO. */
export function closedFormElboIntegrand(p: ToyElboProblem, t: number, options: { floor?: boolean } = {}): number {
  const q = hdlmMarginal(p.schedule, p.clusters, p.x, t, { xi: p.xi });
  let sum = 0;
  for (let z = 0; z < q.length; z++) if (q[z] > 0) sum += q[z] * hdlmTokenElbo(p, z, t, options);
  return sum;
}

/**
 * The generic CTMC ELBO integrand, from dense matrices only: sum_z q_t(z) sum_{y != z} [R̂ - R + R log(R/R̂)],
 * with R the true reverse rates (time reversal of the brute-force marginals) and R̂(z -> y) =
 * sum_x' p̂(x'|z) R_x'(z -> y), p̂(x'|z) ∝ x̂(x') q_t(z|x'). Uses no closed-form weight. Needs 0 < t < 1.
 */
export function ctmcElboIntegrand(p: ToyElboProblem, t: number): number {
  const { clusters: layout, xi } = p;
  const gamma = p.schedule.gamma;
  const V = layout.vocabSize;
  const S = stateCount(layout);
  const P = hdlmTransitionExpm(layout, gamma, xi, 0, t);
  const Qt = hdlmGenerator(layout, gamma, xi, t);
  const qs: Float64Array[] = [];
  const Rs = [];
  for (let x = 0; x < V; x++) {
    qs.push(matrixRow(P, x));
    Rs.push(reverseRates(qs[x], Qt));
  }
  const qx = qs[p.x];
  const R = Rs[p.x];
  const xhat = toyXhat(p, t);
  let total = 0;
  for (let z = 0; z < S; z++) {
    if (!(qx[z] > 0)) continue;
    // model posterior over the clean token given z
    const post = new Float64Array(V);
    let norm = 0;
    for (let x = 0; x < V; x++) {
      post[x] = xhat[x] * qs[x][z];
      norm += post[x];
    }
    let term = 0;
    for (let y = 0; y < S; y++) {
      if (y === z) continue;
      let rhat = 0;
      for (let x = 0; x < V; x++) if (post[x] > 0) rhat += (post[x] / norm) * Rs[x].data[z * S + y];
      const r = R.data[z * S + y];
      term += rhat - r + (r > 0 ? r * Math.log(r / rhat) : 0);
    }
    total += qx[z] * term;
  }
  return total;
}

/** Midpoint rule with K equal bins on [a, b]. */
export function integrateMidpoint(f: (t: number) => number, K: number, a = 0, b = 1): number {
  if (!Number.isInteger(K) || K <= 0) throw new RangeError(`K must be a positive integer, got ${K}`);
  const h = (b - a) / K;
  let s = 0;
  for (let i = 0; i < K; i++) s += f(a + (i + 0.5) * h);
  return s * h;
}

function kl(p: Float64Array, q: Float64Array): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) s += p[i] * Math.log(p[i] / q[i]);
  return s;
}

/** p_θ(x | z) at the last time: 1 for z = x, x̃(x|k) for a cluster, x̂(x) for MASK. */
function reconstruction(p: ToyElboProblem, z: number, x: number, t: number): number {
  const V = p.clusters.vocabSize;
  const xhat = toyXhat(p, t);
  if (z < V) return z === x ? 1 : 0;
  if (z === V) return xhat[x];
  const { Q } = clusterProbs(p, xhat);
  const k = z - V - 1;
  const n = p.clusters.numClusters;
  const r = n > 1 ? (1 - p.xi) / (n - 1) : 0;
  const chat = p.clusters.clusterOf[x] === k ? p.xi : r;
  return (xhat[x] * chat) / Q[k];
}

/**
 * Discrete-time ELBO with N steps on the grid t_j = delta + (1 - delta) j/N (t_N = 1, where z = MASK surely):
 * sum_j E_{q_{t_j}}[KL(q(z_s|z_t,x) || p_θ(z_s|z_t))] + E_{q_delta}[-log p_θ(x|z)], with the exact step rule.
 * Also returns the exact model log-likelihood log p_N(x) of that N-step reverse chain (by propagation), so
 * that elbo >= -logLikelihood can be checked.
 */
export function discreteTimeElbo(p: ToyElboProblem, N: number, delta = 1e-8): { elbo: number; logLikelihood: number } {
  if (!Number.isInteger(N) || N <= 0) throw new RangeError(`N must be a positive integer, got ${N}`);
  const S = stateCount(p.clusters);
  const grid = Array.from({ length: N + 1 }, (_, j) => (j === N ? 1 : delta + ((1 - delta) * j) / N));
  const opts = { xi: p.xi, rule: "exact" as const };
  let elbo = 0;
  let pi = new Float64Array(S);
  pi[p.clusters.vocabSize] = 1; // all MASK at t = 1
  for (let j = N; j >= 1; j--) {
    const t = grid[j], s = grid[j - 1];
    const q = hdlmMarginal(p.schedule, p.clusters, p.x, t, { xi: p.xi });
    const next = new Float64Array(S);
    for (let z = 0; z < S; z++) {
      const model = pi[z] > 0 || q[z] > 0 ? hdlmModelPosterior(p.schedule, p.clusters, toyXhat(p, t), z, t, s, opts) : null;
      if (model === null) continue;
      if (q[z] > 0) elbo += q[z] * kl(hdlmPosteriorGivenX(p.schedule, p.clusters, p.x, z, t, s, opts), model);
      if (pi[z] > 0) for (let y = 0; y < S; y++) next[y] += pi[z] * model[y];
    }
    pi = next;
  }
  const q0 = hdlmMarginal(p.schedule, p.clusters, p.x, grid[0], { xi: p.xi });
  let like = 0;
  for (let z = 0; z < S; z++) {
    if (q0[z] > 0) elbo += q0[z] * -Math.log(reconstruction(p, z, p.x, grid[0]));
    if (pi[z] > 0) like += pi[z] * reconstruction(p, z, p.x, grid[0]);
  }
  return { elbo, logLikelihood: Math.log(like) };
}

/**
 * Continuous-time ELBO of the toy problem: the closed-form integrand (exact, unfloored rates) integrated over
 * t in (0, 1) by the midpoint rule in u with t = 1 - (1-u)^2, which removes the log singularity of w_m at t = 1.
 */
export function continuousElbo(p: ToyElboProblem, K = 4000, options: { floor?: boolean } = { floor: false }): number {
  return integrateMidpoint((u) => 2 * (1 - u) * closedFormElboIntegrand(p, 1 - (1 - u) * (1 - u), options), K);
}

/** For the notebook: N, discrete ELBO, gap to the continuous ELBO and -log p_N(x), for each N. */
export function elboConvergence(p: ToyElboProblem, Ns: number[], K = 4000): { continuous: number; rows: { N: number; discrete: number; gap: number; nll: number }[] } {
  const continuous = continuousElbo(p, K);
  const rows = Ns.map((N) => {
    const d = discreteTimeElbo(p, N);
    return { N, discrete: d.elbo, gap: d.elbo - continuous, nll: -d.logLikelihood };
  });
  return { continuous, rows };
}

/**
 * A seeded toy problem for notebooks and tests: cluster map `clusterOf`, gamma, xi, clean token x, and a model
 * table that drifts linearly in t between two seeded softmax tables (`drift: false` keeps it fixed, a tight bound).
 */
export function makeToyProblem(options: { clusterOf: number[]; gamma?: number; xi?: number; x?: number; seed?: number; drift?: boolean }): ToyElboProblem {
  const clusters = makeClusterLayout(options.clusterOf);
  const V = clusters.vocabSize;
  const rng = new SeededRng(options.seed ?? 0);
  const table = (scale: number): Float64Array => {
    const l = Array.from({ length: V }, () => rng.normal() * scale);
    const m = Math.max(...l);
    const e = l.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return Float64Array.from(e.map((v) => v / s));
  };
  const a = table(1), b = table(2);
  const drift = options.drift ?? true;
  return {
    schedule: new HierarchicalSchedule({ gamma: options.gamma ?? 1 }),
    clusters,
    xi: options.xi ?? 1,
    x: options.x ?? 0,
    xhat: drift ? (t: number) => a.map((v, i) => (1 - t) * v + t * b[i]) : a,
  };
}
