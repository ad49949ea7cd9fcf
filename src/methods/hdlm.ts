// HDLM (hdlm.md §2-§6): token -> cluster -> [MASK] diffusion with the closed-form ELBO, clipped training weights,
// the spec'd embedding initialisation and the ancestral sampler with force transition. Ids: tokens 0..V-1,
// [MASK] = V, clusters V+1..V+n (hdlm.md §1.1). n = 1 is MDLM (§9).
import { initDiffusionEmbedding } from "../models/params";
import { createClusterMap, type ClusterMap } from "../vocab/cluster-map";
import { loadClusterMap } from "../vocab/cluster-map-io";
import { corpusClusters } from "../vocab/corpus-clusters";
import type { TokenStream } from "../vocab/embeddings-cooc";
import { sampleHdlmForward } from "../processes/forward";
import type { ClusterLayout } from "../processes/cluster-layout";
import { HierarchicalSchedule, type HierarchicalScheduleLike } from "../schedules/hierarchical";
import { hdlmLoss } from "../losses/hdlm";
import { HdlmSampler } from "../samplers/hdlm-sampler";
import { diffusionLoss, elboPerToken } from "./diffusion-loss";
import type { ElboScorer, Method, MethodContext } from "./types";
import { bool, fail, integer, lossWeightClip, number, opt, string } from "../util/validate";

/** The HDLM objective's config. */
export interface HdlmObjective {
  kind: "hdlm";
  /** Schedule exponent gamma (hdlm.md §2.1). */
  gamma: number;
  /** Number of clusters n. */
  numClusters: number;
  /** Cluster map file (hdlm.md §1.2); null = build one with k-means over co-occurrence embeddings of the training split (§1.3). */
  clusterFile: string | null;
  /** True-cluster mass of the forward perturbation, (0, 1] (hdlm.md §5). */
  xi: number;
  /** Training-weight clipping bounds (hdlm.md §3.3; the ELBO is never clipped). */
  minLossWeight: number;
  maxLossWeight: number;
  /** Train MASK positions on the full CE (hdlm.md §3.4). */
  hardTraining: boolean;
}

/** The HDLM objective's config fields. */
export const HDLM_FIELDS = ["kind", "gamma", "numClusters", "clusterFile", "xi", "minLossWeight", "maxLossWeight", "hardTraining"] as const;

/** Validates the HDLM objective's fields of `o` (at `path`) and fills the defaults (n = 64, γ = 1, ξ = 1, clip [0, 2]). */
export function parseHdlmObjective(o: Record<string, unknown>, path: string): HdlmObjective {
  const numClusters = opt(o, "numClusters", path, 64, (x, p) => integer(x, p, 1));
  const xi = opt(o, "xi", path, 1, (x, p) => number(x, p, 0, 1, true));
  if (xi < 1 && numClusters < 2) fail(`${path}.xi`, `< 1 needs numClusters >= 2, got numClusters ${numClusters}`);
  const { minLossWeight, maxLossWeight } = lossWeightClip(o, path);
  return {
    kind: "hdlm",
    gamma: opt(o, "gamma", path, 1, (x, p) => number(x, p, 0, 100, true)),
    numClusters,
    clusterFile: opt<string | null>(o, "clusterFile", path, null, (x, p) => (x === null ? null : string(x, p))),
    xi,
    minLossWeight,
    maxLossWeight,
    hardTraining: opt(o, "hardTraining", path, false, bool),
  };
}

/**
 * HDLM's cluster map for training: from `clusterFile`, a single cluster for n = 1, or k-means over co-occurrence
 * embeddings of the training tokens (hdlm.md §1.3; built once per tokens and settings, cached under .cache/clusters).
 */
export function hdlmClusters(h: HdlmObjective, source: { vocabSize: number; trainTokens(): TokenStream }, seed: number): ClusterMap {
  const V = source.vocabSize;
  if (h.clusterFile !== null) return loadClusterMap(h.clusterFile, { vocabSize: V, numClusters: h.numClusters });
  if (h.numClusters === 1) return createClusterMap(new Int32Array(V), 1, { source: "single cluster (n = 1 is MDLM)" });
  return corpusClusters(source.trainTokens(), V, { numClusters: h.numClusters, cooc: { dim: Math.min(64, V - 1), seed }, kmeans: { seed } }).map;
}

/** HDLM's ELBO (hdlm.md §3.2, §5.2; unclipped weights): z_t from the two-stage forward process. */
export function hdlmElboScorer(options: { schedule: HierarchicalScheduleLike; clusters: ClusterLayout; xi?: number }): ElboScorer {
  const { schedule, clusters, xi } = options;
  return {
    name: `hdlm(${schedule.name}, n=${clusters.numClusters}${xi !== undefined && xi < 1 ? `, xi=${xi}` : ""})`,
    noise: (x, t, rng) => sampleHdlmForward(schedule, clusters, x, t, rng, { xi }),
    elbo: (logits, x, z, t, padMask) => elboPerToken(hdlmLoss(logits, x, z, t, { schedule, clusters, xi, padMask })),
  };
}

/** The HDLM method over V tokens with the context's cluster map (required). */
export function hdlmMethod(h: HdlmObjective, ctx: MethodContext): Method {
  const V = ctx.vocabSize;
  const clusters = ctx.clusters;
  if (clusters === null) throw new Error("an hdlm objective needs its cluster map");
  if (clusters.vocabSize !== V) throw new Error(`the cluster map covers ${clusters.vocabSize} tokens but the vocabulary has ${V}`);
  const n = clusters.numClusters;
  const schedule = new HierarchicalSchedule({ gamma: h.gamma });
  const clip = { minLossWeight: h.minLossWeight, maxLossWeight: h.maxLossWeight };
  const scorer = hdlmElboScorer({ schedule, clusters, xi: h.xi });
  return {
    kind: "hdlm",
    modelKind: "dit",
    inputSize: V + 1 + n, // the loss restricts the columns it scores
    outputSize: V + 1 + n,
    clusters,
    loss: diffusionLoss(ctx.times, scorer.noise, (logits, b, z, t, training) => {
      const r = hdlmLoss(logits, b.tokens, z, t, { schedule, clusters, xi: h.xi, clip, hardTraining: h.hardTraining, padMask: b.mask });
      return training ? r.trainLoss : r.elbo;
    }),
    initParams: (params) =>
      void initDiffusionEmbedding(params, { vocabSize: V, maskId: V, clusterStart: V + 1 }, {
        centroids: clusters.centroids?.data ?? null,
        centroidDim: clusters.centroids?.dim,
        numClusters: n,
      }),
    scorer,
    sampler: (options = {}) => new HdlmSampler({ schedule, clusters, xi: h.xi, ...options }),
  };
}
