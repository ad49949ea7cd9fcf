// Training objectives behind one interface, resolved from the config's discriminated union by an exhaustive switch.
// `ar`: causal next-token CE; `mdlm`, `hdlm` and `gidd`: DiT on z_t ~ q_t(.|x) scored by the closed-form losses of src/losses.
import { tf } from "../engine/tf";
import { ModelConfig } from "../models/config";
import { Params, initDiffusionEmbedding } from "../models/params";
import { arForward, ditForward } from "../models/transformer";
import { SeededRng } from "../processes/rng";
import { sampleHdlmForward, sampleMdlmForward } from "../processes/forward";
import { sampleGiddForward } from "../processes/gidd-forward";
import { GiddSchedule } from "../schedules/gidd";
import { giddElbo, giddTokenMean } from "../losses/gidd";
import { HierarchicalSchedule } from "../schedules/hierarchical";
import { LogLinearSchedule } from "../schedules/log-linear";
import { TimeSampler } from "../schedules/time-sampler";
import { hdlmLoss } from "../losses/hdlm";
import { mdlmLoss } from "../losses/mdlm";
import { logSumExpRows } from "../losses/logsumexp";
import { ClusterMap, createClusterMap } from "../vocab/cluster-map";
import { loadClusterMap } from "../vocab/cluster-map-io";
import { corpusClusters } from "../experiments/clusters";
import { ObjectiveConfig, HdlmObjective, GiddObjective, TrainConfig } from "./config";
import { TokenData } from "./text-data";

/** A batch on the device: clean ids (B, T) int32 and the padding mask (B, T) float32. */
export interface BatchTensors {
  tokens: tf.Tensor2D;
  mask: tf.Tensor2D;
}

/** One objective: which model it trains, its vocabulary widths, and its mean loss per scored token. */
export interface Objective {
  readonly kind: ObjectiveConfig["kind"];
  /** "dit" (bidirectional, time-conditioned) or "ar" (causal). */
  readonly modelKind: "dit" | "ar";
  /** Embedding rows the model needs. */
  readonly inputSize: number;
  /** Output columns the model needs. */
  readonly outputSize: number;
  /** Cluster map (HDLM only). */
  readonly clusters: ClusterMap | null;
  /**
   * Scalar loss of a batch (token mean over scored positions). `rng` is this step's generator for every random
   * draw (t, z_t). `training` = true gives the training loss (clipped weights); false the ELBO / NLL.
   */
  loss(params: Params, model: ModelConfig, batch: BatchTensors, rng: SeededRng, training: boolean): tf.Scalar;
  /**
   * Adjusts freshly initialised parameters. HDLM: [MASK] row 0, cluster rows = centroids (hdlm.md §1.4); MDLM and
   * GIDD keep the random [MASK] row of their reference code (a zero row there leaves the network without gradients).
   */
  initParams(params: Params): void;
}

/**
 * Per-row cross-entropy `logsumexp(l) − l·y` of logits (N, V) against one-hot targets (N, V). The log-sum-exp has
 * the analytic gradient softmax · dy ({@link logSumExpRows}), so the whole gradient is `(softmax(l) − y)·dy`
 * without tf.logSumExp's slow max-gradient mask.
 */
export function rowCrossEntropy(logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor1D {
  return tf.sub(logSumExpRows(logits), tf.sum(tf.mul(logits, onehot), 1)) as tf.Tensor1D;
}

/**
 * Causal LM cross-entropy: position q predicts token q + 1, scored where the target is not padding.
 * logits (B, T, V), tokens (B, T), mask (B, T) -> mean over scored positions of `logsumexp(l) − l[y]`.
 */
export function causalCrossEntropy(logits: tf.Tensor3D, tokens: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const [B, T, V] = logits.shape;
  const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), [B * (T - 1), V]) as tf.Tensor2D; // (B(T-1), V)
  const target = tf.reshape(tf.slice(tokens, [0, 1], [B, T - 1]), [-1]); // (B(T-1),)
  const w = tf.reshape(tf.slice(mask, [0, 1], [B, T - 1]), [-1]); // (B(T-1),)
  const nll = rowCrossEntropy(pred, tf.oneHot(tf.cast(target, "int32"), V) as tf.Tensor2D); // (B(T-1),)
  return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
}

/** The HDLM cluster map: from `clusterFile`, or k-means over co-occurrence embeddings of the training split (cached). */
export function hdlmClusters(o: HdlmObjective, data: TokenData, seed: number): ClusterMap {
  const V = data.vocabSize;
  if (o.clusterFile !== null) return loadClusterMap(o.clusterFile, { vocabSize: V, numClusters: o.numClusters });
  if (o.numClusters === 1) return createClusterMap(new Int32Array(V), 1, { source: "single cluster (n = 1 is MDLM)" });
  // Built once per (training tokens, settings) and cached under .cache/clusters (src/experiments/clusters.ts).
  return corpusClusters(data.trainTokens(), V, { numClusters: o.numClusters, cooc: { dim: Math.min(64, V - 1), seed }, kmeans: { seed } }).map;
}

/**
 * Which model an objective trains and its embedding rows / head columns for V real tokens and n clusters:
 * AR V; MDLM and GIDD V + 1 ([MASK] = V); HDLM V + 1 + n (clusters V+1..V+n, hdlm.md §1.1).
 */
export function objectiveSizes(kind: ObjectiveConfig["kind"], V: number, numClusters = 0): { modelKind: "dit" | "ar"; inputSize: number; outputSize: number } {
  switch (kind) {
    case "ar":
      return { modelKind: "ar", inputSize: V, outputSize: V };
    case "mdlm":
    case "gidd":
      return { modelKind: "dit", inputSize: V + 1, outputSize: V + 1 };
    case "hdlm":
      return { modelKind: "dit", inputSize: V + 1 + numClusters, outputSize: V + 1 + numClusters };
    default: {
      const never: never = kind;
      throw new Error(`objective.kind ${String(never)} has no implementation`);
    }
  }
}

/** GIDD's mixing schedule of a `gidd` objective config. */
export function giddSchedule(o: GiddObjective): GiddSchedule {
  return new GiddSchedule({ pu: o.pu, gamma: o.gamma });
}

/** The objective for `config.objective` over the corpus vocabulary of `data`. */
export function makeObjective(config: TrainConfig, data: TokenData): Objective {
  const V = data.vocabSize;
  const o = config.objective;
  const kind = o.kind;
  const times = new TimeSampler({ method: config.timeSampling, eps: config.tEps, rescale: "symmetric" });
  switch (kind) {
    case "ar":
      return {
        kind,
        ...objectiveSizes(kind, V),
        clusters: null,
        loss: (params, model, b) => causalCrossEntropy(arForward(params, model, b.tokens, b.mask), b.tokens, b.mask),
        initParams: () => undefined,
      };
    case "mdlm": {
      const schedule = new LogLinearSchedule();
      return {
        kind,
        ...objectiveSizes(kind, V), // tokens and [MASK] = V; the loss removes the MASK column (SUBS)
        clusters: null,
        loss: (params, model, b, rng, training) => {
          const [B] = b.tokens.shape;
          const t = times.sampleTensor(B, rng);
          const z = sampleMdlmForward(schedule, V, b.tokens, t, rng);
          const logits = ditForward(params, model, z, t, b.mask).logits;
          const r = mdlmLoss(logits, b.tokens, z, t, { schedule, vocabSize: V, padMask: b.mask });
          return training ? r.trainLoss : r.elbo;
        },
        // A random [MASK] row, as in the MDLM reference: MDLM's loss lives only at [MASK] positions, so a zero row
        // (HDLM's init, hdlm.md §1.4) would give them a zero hidden state, zero head gradients and a unigram model.
        initParams: () => undefined,
      };
    }
    case "gidd": {
      const g = o as GiddObjective;
      const schedule = giddSchedule(g);
      const clip = { minWeight: g.minLossWeight, maxWeight: g.maxLossWeight };
      return {
        kind,
        ...objectiveSizes(kind, V),
        clusters: null,
        loss: (params, model, b, rng, training) => {
          const [B] = b.tokens.shape;
          const t = times.sampleTensor(B, rng);
          const z = sampleGiddForward(schedule, V, b.tokens, t, rng);
          const logits = ditForward(params, model, z, t, b.mask).logits;
          // Training: GIDD+ dynamic (clipped) or ELBO weights; validation: always the unclipped ELBO.
          const r = giddElbo(schedule, { logits, x: b.tokens, zt: z, t }, { maskId: V, weighting: training ? g.lossWeighting : "elbo", clip });
          return giddTokenMean(training ? r.loss : r.elbo, b.mask);
        },
        initParams: () => undefined, // random [MASK] row, as in the GIDD reference (see MDLM above)
      };
    }
    case "hdlm": {
      const h = o as HdlmObjective;
      const clusters = hdlmClusters(h, data, config.seed);
      const n = clusters.numClusters;
      const schedule = new HierarchicalSchedule({ gamma: h.gamma });
      const clip = { minLossWeight: h.minLossWeight, maxLossWeight: h.maxLossWeight };
      return {
        kind,
        ...objectiveSizes(kind, V, n), // the loss restricts the columns it scores
        clusters,
        loss: (params, model, b, rng, training) => {
          const [B] = b.tokens.shape;
          const t = times.sampleTensor(B, rng);
          const z = sampleHdlmForward(schedule, clusters, b.tokens, t, rng, { xi: h.xi });
          const logits = ditForward(params, model, z, t, b.mask).logits;
          const r = hdlmLoss(logits, b.tokens, z, t, { schedule, clusters, xi: h.xi, clip, hardTraining: h.hardTraining, padMask: b.mask });
          return training ? r.trainLoss : r.elbo;
        },
        initParams: (params) =>
          void initDiffusionEmbedding(params, { vocabSize: V, maskId: V, clusterStart: V + 1 }, {
            centroids: clusters.centroids?.data ?? null,
            centroidDim: clusters.centroids?.dim,
            numClusters: n,
          }),
      };
    }
    default: {
      const never: never = kind;
      throw new Error(`objective.kind ${String(never)} has no implementation`);
    }
  }
}
