// HDLM ancestral sampler (hdlm.md §6, reference `HDLMSampler`): all MASK start, N stochastic reverse steps on the
// grid ts_j = (1-2ε)j/N + ε with the exact or Euler posterior, clean tokens carried over, then a final argmax.
import { tf } from "../engine/tf";
import { SeededRng } from "../util/rng";
import { ClusterLayout, checkClusterLayout, checkXi } from "../processes/cluster-layout";
import { HierarchicalScheduleLike } from "../schedules/hierarchical";
import { hdlmReverseProbs, StepRule, PerturbSampling } from "./posterior-hdlm";
import { argmaxPositive, checkMinP, checkTemperature, drawGrouped } from "./gumbel";
import { GridSampler, StepGrid, checkSteps } from "./sampler";
import type { DecodingKind } from "../decoding/decoding-config";

/** Options of {@link HdlmSampler}. Defaults follow hdlm.md §6 (and the reference's evaluation settings). */
export interface HdlmSamplerOptions {
  schedule: HierarchicalScheduleLike;
  clusters: ClusterLayout;
  /** N: stochastic steps (default 128). */
  steps?: number;
  /** 'exact' posterior of the chain (default) or the reference's 'euler' rule (hdlm.md §6 steps 2-3). */
  rule?: StepRule;
  /** ξ, the true-cluster mass of the forward perturbation (default 1, §5.2). */
  xi?: number;
  /** ξ < 1: 'model' draws from Q_θ and x̃(.|k) (default); 'reference' from P_θ and within-cluster x̂ (§5.3). */
  perturbSampling?: PerturbSampling;
  /** Destination draws ∝ p^{1/T} (Gumbel-max); 0 = greedy (default 1). */
  temperature?: number;
  /** Drop destinations below minP * (max) before drawing (default 0 = off). */
  minP?: number;
  /**
   * 'hdlm-lab' (default): N steps ts_N -> ... -> ts_0, then the argmax at ts_0 (N + 1 model calls).
   * 'reference': the reference loop i = N-1..0, i.e. N-1 steps from ts_{N-1}, then the argmax (N model calls).
   */
  grid?: "hdlm-lab" | "reference";
  /** ε of the grid (default 1e-4). */
  tEps?: number;
  /** Reuse x̂ when nothing changed in a step. Only valid if the model ignores t: HDLM's DiT does not (default false). */
  cache?: boolean;
  /**
   * Force transition (default true, hdlm.md §6 step 3): a cluster k becomes a token drawn from x̃(.|k), within k.
   * false (the ablation): the token is drawn from the full x̂, so it may leave k; the final argmax is over all tokens.
   */
  forceTransition?: boolean;
}

/** The time pairs (t, s) of the stochastic steps, the time of the final argmax and the start time. */
export interface HdlmGrid extends StepGrid {
  final: number;
}

/** ts_j = (1 - 2ε) j/N + ε, j = 0..N (hdlm.md §6). */
export function hdlmGrid(steps: number, grid: "hdlm-lab" | "reference" = "hdlm-lab", tEps = 1e-4): HdlmGrid {
  checkSteps(steps);
  if (!(tEps >= 0 && tEps < 0.5)) throw new RangeError(`tEps must be a number in [0, 0.5), got ${tEps}`);
  const ts = Array.from({ length: steps + 1 }, (_, j) => ((1 - 2 * tEps) * j) / steps + tEps);
  const pairs: Array<[number, number]> = [];
  if (grid === "hdlm-lab") {
    for (let j = steps; j >= 1; j--) pairs.push([ts[j], ts[j - 1]]);
    return { pairs, final: ts[0], start: ts[steps] };
  }
  if (grid === "reference") {
    // Reference: for i = N-1..0, step (ts[i], ts[max(0, i-1)]); i = 0 is the argmax at ts[0].
    for (let i = steps - 1; i >= 1; i--) pairs.push([ts[i], ts[i - 1]]);
    return { pairs, final: ts[0], start: ts[steps - 1] };
  }
  throw new RangeError(`grid must be 'hdlm-lab' or 'reference', got '${grid}'`);
}

/**
 * The force-transition ablation on host posterior rows [N*(V+1+n)]: at every cluster position, the mass of moving to
 * a token is kept but spread over all V tokens by x̂ [N*V] instead of within the cluster (x̃(.|k)). Returns a copy.
 */
export function withoutForceTransition(rows: ArrayLike<number>, xhat: ArrayLike<number>, z: ArrayLike<number>, V: number, n: number): Float32Array {
  const W = V + 1 + n;
  const out = Float32Array.from(rows);
  for (let i = 0; i < z.length; i++) {
    if (z[i] <= V) continue;
    let mass = 0;
    for (let v = 0; v < V; v++) mass += rows[i * W + v];
    let total = 0;
    for (let v = 0; v < V; v++) total += xhat[i * V + v];
    for (let v = 0; v < V; v++) out[i * W + v] = total > 0 ? (mass * xhat[i * V + v]) / total : 0;
  }
  return out;
}

/**
 * HDLM ancestral sampler (hdlm.md §6). Each step runs the model once, turns x̂ into the per-position posterior
 * p_θ(z_s | z_t) with {@link hdlmReverseProbs} (MASK -> stay / cluster / token, cluster -> its token with
 * "force transition" x̃(.|k), clean tokens carried over), and draws every non-clean position: the event exactly,
 * the destination with temperature and min-p. The last step maps every remaining MASK to the argmax of x̂ and
 * every cluster k to the argmax of x̃(.|k) (within the cluster for ξ = 1), the posterior of ts_0 -> 0.
 */
export class HdlmSampler extends GridSampler {
  readonly name: string;
  readonly schedule: HierarchicalScheduleLike;
  readonly clusters: ClusterLayout;
  readonly steps: number;
  readonly rule: StepRule;
  readonly xi: number;
  readonly perturbSampling: PerturbSampling;
  readonly temperature: number;
  readonly minP: number;
  readonly grid: "hdlm-lab" | "reference";
  readonly tEps: number;
  readonly cache: boolean;
  readonly forceTransition: boolean;

  constructor(options: HdlmSamplerOptions) {
    super();
    this.schedule = options.schedule;
    this.clusters = checkClusterLayout(options.clusters, "clusters");
    this.steps = checkSteps(options.steps ?? 128);
    this.rule = options.rule ?? "exact";
    if (this.rule !== "exact" && this.rule !== "euler") throw new RangeError(`rule must be 'exact' or 'euler', got '${this.rule}'`);
    this.xi = checkXi(options.xi ?? 1, this.clusters.numClusters);
    this.perturbSampling = options.perturbSampling ?? "model";
    if (this.perturbSampling !== "model" && this.perturbSampling !== "reference") throw new RangeError(`perturbSampling must be 'model' or 'reference', got '${this.perturbSampling}'`);
    this.temperature = checkTemperature(options.temperature ?? 1);
    this.minP = checkMinP(options.minP ?? 0);
    this.grid = options.grid ?? "hdlm-lab";
    this.tEps = options.tEps ?? 1e-4;
    hdlmGrid(this.steps, this.grid, this.tEps); // validates grid and tEps
    this.cache = options.cache ?? false;
    this.forceTransition = options.forceTransition ?? true;
    if (typeof this.forceTransition !== "boolean") throw new RangeError(`forceTransition must be true or false, got ${String(options.forceTransition)}`);
    this.name = `hdlm-${this.rule}(N=${this.steps}, T=${this.temperature}${this.xi < 1 ? `, xi=${this.xi} ${this.perturbSampling}` : ""}${this.forceTransition ? "" : ", no force transition"})`;
  }

  /** V real tokens. */
  get vocabSize(): number {
    return this.clusters.vocabSize;
  }

  /** The mask id V. */
  get maskId(): number {
    return this.clusters.vocabSize;
  }

  protected get stateWidth(): number {
    return this.clusters.vocabSize + 1 + this.clusters.numClusters;
  }

  protected get reuseModelOutput(): boolean {
    return this.cache;
  }

  timeGrid(): StepGrid {
    return hdlmGrid(this.steps, this.grid, this.tEps);
  }

  /** 'hdlm-conv' gates the MASK -> cluster move (hdlm-lab's extension, not the paper's). */
  protected override get decodingKinds(): readonly DecodingKind[] {
    return ["hdlm-conv", "confidence", "semi-ar"];
  }

  protected override blockPairs(steps: number): Array<[number, number]> {
    return hdlmGrid(steps, "hdlm-lab", this.tEps).pairs;
  }

  protected stepRows(probs: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number): Float32Array {
    return this.rows(probs, z, B, L, t, s, this.rule);
  }

  /** Clean tokens are carried over; MASK and clusters draw event then destination ({@link drawGrouped}). */
  protected drawPosition(rows: Float32Array, offset: number, current: number, rng: SeededRng): number {
    return drawGrouped(rows, offset, current, this.clusters.vocabSize, this.clusters.numClusters, this.temperature, rng, this.minP);
  }

  /** Posterior rows [B*L, V+1+n] on the host for the step t -> s (s = 0 with 'exact' is the final argmax law). */
  private rows(probs: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number, rule: StepRule): Float32Array {
    return tf.tidy(() => {
      const zt = tf.tensor2d(z, [B, L], "int32");
      const post = hdlmReverseProbs(probs, zt, t, s, { schedule: this.schedule, clusters: this.clusters, xi: this.xi, rule, perturbSampling: this.perturbSampling }).dataSync() as Float32Array;
      return this.forceTransition ? post : withoutForceTransition(post, probs.dataSync(), z, this.clusters.vocabSize, this.clusters.numClusters);
    });
  }

  /** Every non-clean position becomes the argmax of its ts_0 -> 0 posterior over the real tokens (in place). */
  protected override finalize(probs: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number): void {
    const V = this.clusters.vocabSize;
    const W = V + 1 + this.clusters.numClusters;
    const rows = this.rows(probs, z, B, L, t, 0, "exact");
    let xhat: Float32Array | null = null;
    for (let i = 0; i < B * L; i++) {
      if (z[i] < V) continue;
      let v = argmaxPositive(rows, i * W, V);
      if (v < 0) {
        // No model mass on any reachable token (underflow): fall back to the argmax of x̂ over the members.
        xhat = xhat ?? (probs.dataSync() as Float32Array);
        const k = z[i] > V ? z[i] - V - 1 : -1;
        let best = -1;
        for (let u = 0; u < V; u++) {
          if (k >= 0 && this.clusters.clusterOf[u] !== k) continue;
          if (best < 0 || xhat[i * V + u] > xhat[i * V + best]) best = u;
        }
        v = best;
      }
      z[i] = v;
    }
  }
}
