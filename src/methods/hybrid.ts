// The chained hybrid (hybrid.md §1-§4) as a trainable objective: one DiT (or one per segment) reads token embeddings
// (D1, D2) or the noisy vectors z_u (C, and the decoder at u = a), plus a learned segment embedding (embedding rows
// V+1..V+3) and the conditioning on u. Emb is the DiT's embedding rows 0..V ([MASK] = V included), normalised to
// norm √d. Each sequence draws u ~ U(0, 1) and one coupled chain (src/hybrid/forward.ts); its loss is that segment's
// integrand plus the boundary terms of §4 at every step (decoder at a: one extra pass; b term: trains Emb; -n·H₂).
import { tf } from "../engine/tf";
import type { ModelConfig } from "../models/config";
import type { Params } from "../models/params";
import { SeededRng } from "../util/rng";
import type { TokenBatch } from "../data/sequences";
import type { HybridSegment } from "../schedules/hybrid";
import { makeHybridChainConfig, type HybridChainConfig, type HybridChainOptions } from "../hybrid/config";
import { ChainedSchedule } from "../hybrid/time";
import { embeddingTable } from "../hybrid/embeddings";
import { rowsBySegment, sampleChain, selectRows } from "../hybrid/forward";
import { continuousIntegrand, d1Integrand, d2Integrand } from "../hybrid/integrands";
import { ChainBoundAccumulator, binaryEntropy, boundaryBTerm, decoderTerm, type ChainBoundParts } from "../hybrid/bound";
import { sampleHybrid, type HybridDenoiser, type HybridStepEvent } from "../hybrid/sampler";
import type { BatchTensors, DirectTools, Method, MethodContext } from "./types";
import { normalisedEmbedding, ParamSampler, vectorDit } from "./embedding-dit";
import { ConfigError, object, oneOf, opt } from "../util/validate";

/** The hybrid objective's config (the chain's settings, resolved; see src/hybrid/config.ts). */
export interface HybridObjective {
  kind: "hybrid";
  split: { a: number; b: number };
  maskAtA: number;
  alphaBarAtB: number;
  vpKind: "sqrt" | "cosine" | "linear";
  /** Sampler steps per segment (a sampler's total `steps` option re-splits them proportionally). */
  steps: { D1: number; C: number; D2: number };
  shareBackbone: boolean;
  clamp: boolean;
  d2Form: "ctmc" | "crossEntropy";
  /** Training weight of the C integrand: "unweighted" x₀-MSE (default) or "elbo" (½(-dSNR/du)); the bound is always "elbo". */
  continuousWeighting: "unweighted" | "elbo";
}

/** The hybrid objective's config fields (`totalSteps` is read once and resolved into `steps`). */
export const HYBRID_FIELDS = ["kind", "split", "maskAtA", "alphaBarAtB", "vpKind", "steps", "totalSteps", "shareBackbone", "clamp", "d2Form", "continuousWeighting", "chain"] as const;

/**
 * Validates the hybrid objective (at `path`) through makeHybridChainConfig: a > b, a split outside [0, 1],
 * alphaBarAtB outside (0, 1), maskAtA outside (0, 1), a step count of 0 for a non-empty segment are one line naming
 * the field. `chain: "independent"` (the old split) is not trainable: it is the notebook's cautionary case.
 */
export function parseHybridObjective(o: Record<string, unknown>, path: string): HybridObjective {
  const split = o.split === undefined ? {} : object(o.split, `${path}.split`, ["a", "b"]);
  const steps = o.steps === undefined ? undefined : object(o.steps, `${path}.steps`, ["D1", "C", "D2"]);
  if (o.chain !== undefined && o.chain !== "chained") throw new ConfigError(`${path}.chain must be "chained" (the independent split is not a trainable objective), got ${JSON.stringify(o.chain)}`);
  let c: HybridChainConfig;
  try {
    c = makeHybridChainConfig({ ...(o as HybridChainOptions), split: split as HybridChainOptions["split"], steps: steps as HybridChainOptions["steps"], chain: "chained" });
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigError(`${path}.${e.message.replace(/^hybrid config: /, "")}`);
    throw e;
  }
  return {
    kind: "hybrid",
    split: { a: c.a, b: c.b },
    maskAtA: c.maskAtA,
    alphaBarAtB: c.alphaBarAtB,
    vpKind: c.vpKind,
    steps: { ...c.steps },
    shareBackbone: c.shareBackbone,
    clamp: c.clamp,
    d2Form: c.d2Form,
    continuousWeighting: opt(o, "continuousWeighting", path, "unweighted" as const, (x, p) => oneOf(x, p, ["unweighted", "elbo"] as const)),
  };
}

/** The chain config of an objective (optionally with `totalSteps` re-split proportionally over the segments). */
export function hybridChainConfig(h: HybridObjective, totalSteps?: number): HybridChainConfig {
  const { split, maskAtA, alphaBarAtB, vpKind, shareBackbone, clamp, d2Form } = h;
  return makeHybridChainConfig({ split, maskAtA: split.a === 0 ? undefined : maskAtA, alphaBarAtB, vpKind, shareBackbone, clamp, d2Form, ...(totalSteps === undefined ? { steps: h.steps } : { totalSteps }) });
}

const SEGMENTS: readonly HybridSegment[] = ["D1", "C", "D2"];

/** Parameters of segment `seg`'s backbone: the shared ones, or D1/D2's own copies (`<seg>/<name>`; C and Emb shared). */
function backbone(params: Params, seg: HybridSegment, share: boolean): Params {
  if (share || seg === "C") return params;
  const view: Params = {};
  for (const [n, v] of Object.entries(params)) if (!n.includes("/")) view[n] = params[`${seg}/${n}`] ?? v;
  return view;
}

/** The network on input vectors of one segment: + that segment's embedding row, then its backbone's DiT. */
function segmentLogits(params: Params, model: ModelConfig, h: HybridObjective, seg: HybridSegment, x: tf.Tensor3D, u: tf.Tensor1D, pad: tf.Tensor2D | null): tf.Tensor3D {
  return tf.tidy(() => {
    const V = model.outputSize - 1;
    const row = tf.slice(params.embed, [V + 1 + SEGMENTS.indexOf(seg), 0], [1, model.hidden]);
    return vectorDit(backbone(params, seg, h.shareBackbone), model, tf.add(x, tf.reshape(row, [1, 1, model.hidden])) as tf.Tensor3D, u, pad);
  });
}

/** One chain draw's per-sequence terms of §4 (tensors `[B]` in nats) and its host facts. */
export interface HybridRowTerms {
  segment: HybridSegment[];
  /** The segment integrand at each row's u (ℓ₁, ℓ_C or ℓ₂), with the requested C weighting. */
  integrand: tf.Tensor1D;
  decoderA: tf.Tensor1D;
  boundaryB: tf.Tensor1D;
  /** Non-padding tokens and positions with x_b = x_a per row. */
  tokens: Float64Array;
  roundingMatches: Float64Array;
  /** H₂(p_a) (nats per token). */
  maskEntropy: number;
}

/** Draws the chain at each row's u and evaluates every term of §4 for it (differentiable in the parameters). */
export function hybridRowTerms(
  h: HybridObjective,
  params: Params,
  model: ModelConfig,
  batch: BatchTensors,
  u: ArrayLike<number>,
  rng: SeededRng,
  weighting: "elbo" | "unweighted",
): HybridRowTerms {
  const config = hybridChainConfig(h);
  const schedule = new ChainedSchedule(config);
  const [B, L] = batch.tokens.shape;
  const V = model.outputSize - 1;
  const d = model.hidden;
  const x0 = batch.tokens.dataSync();
  const pad = batch.mask.dataSync();
  const emb = normalisedEmbedding(params, V + 1);
  try {
    const draw = sampleChain(schedule, embeddingTable(emb.dataSync(), d), { x0, batch: B, length: L, u, padMask: pad, seed: rng });
    const rows = rowsBySegment(draw);
    const tokens = new Float64Array(B);
    const matches = new Float64Array(B);
    for (let i = 0; i < B * L; i++) {
      if (pad[i] === 0) continue;
      tokens[Math.floor(i / L)]++;
      if (draw.xa[i] === draw.xb[i]) matches[Math.floor(i / L)]++;
    }
    const order = [...rows.D1, ...rows.C, ...rows.D2];
    const inverse = new Int32Array(B);
    order.forEach((r, k) => (inverse[r] = k));
    const ids = (a: Int32Array, r: readonly number[]) => tf.tensor2d(selectRows(a, r, L), [r.length, L], "int32");
    const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
    const tensors = tf.tidy(() => {
      const parts: tf.Tensor1D[] = [];
      for (const seg of SEGMENTS) {
        const r = rows[seg];
        if (r.length === 0) continue;
        const padR = Float32Array.from(selectRows(Float64Array.from(pad), r, L));
        const ur = r.map((k) => draw.u[k]);
        const padT = tf.tensor2d(padR, [r.length, L]);
        const xa = ids(draw.xa, r);
        let input: tf.Tensor3D;
        if (seg === "C") {
          const ab = tf.tensor3d(f32(r.map((k) => draw.alphaBarU[k])), [r.length, 1, 1]);
          const noise = tf.tensor3d(f32(selectRows(draw.noiseU, r, L * d)), [r.length, L, d]);
          input = tf.add(tf.mul(tf.sqrt(ab), tf.gather(emb, xa)), tf.mul(tf.sqrt(tf.sub(1, ab)), noise)) as tf.Tensor3D;
        } else input = tf.gather(emb, ids(draw.xu, r)) as tf.Tensor as tf.Tensor3D;
        const logits = segmentLogits(params, model, h, seg, input, tf.tensor1d(f32(ur)), padT);
        if (seg === "C") parts.push(continuousIntegrand(schedule, { logits, xa, emb, u: ur, padMask: padR }, weighting));
        else {
          const target = seg === "D1" ? ids(Int32Array.from(x0), r) : ids(draw.xb, r);
          const integrand = seg === "D1" ? d1Integrand : d2Integrand;
          parts.push(integrand(schedule, V, { logits, target, xu: ids(draw.xu, r), u: ur, padMask: padR }));
        }
      }
      const integrand = tf.gather(tf.concat(parts), tf.tensor1d(inverse, "int32")) as tf.Tensor1D;
      const all = Array.from({ length: B }, (_, k) => k);
      const xa = ids(draw.xa, all);
      // z_a rebuilt from Emb so the decoder term also trains Emb: z_a = √ᾱ(a)·Emb(x_a) + √(1-ᾱ(a))·noiseA.
      const zaT = tf.add(tf.mul(Math.sqrt(draw.alphaBarA), tf.gather(emb, xa)), tf.mul(Math.sqrt(1 - draw.alphaBarA), tf.tensor3d(f32(draw.noiseA), [B, L, d])));
      const decLogits = segmentLogits(params, model, h, "C", zaT as tf.Tensor3D, tf.fill([B], config.a) as tf.Tensor1D, batch.mask);
      const decoderA = decoderTerm(decLogits, xa, pad);
      const boundaryB = boundaryBTerm(emb, xa, ids(draw.xb, all), tf.tensor3d(f32(draw.noiseB), [B, L, d]), config.alphaBarAtB, pad);
      return { integrand, decoderA, boundaryB };
    });
    return { segment: draw.segment, ...tensors, tokens, roundingMatches: matches, maskEntropy: binaryEntropy(config.maskAtA) };
  } finally {
    emb.dispose();
  }
}

/** Per-row total of a draw (integrand + decoder + b term - n·H₂), `[B]` nats. */
function rowTotal(r: HybridRowTerms): tf.Tensor1D {
  return tf.tidy(() => tf.sub(tf.add(tf.add(r.integrand, r.decoderA), r.boundaryB), tf.tensor1d(Float32Array.from(r.tokens, (n) => n * r.maskEntropy))) as tf.Tensor1D);
}

function disposeTerms(r: HybridRowTerms): void {
  tf.dispose([r.integrand, r.decoderA, r.boundaryB]);
}

/** The §4 bound of a hybrid model on a set of batches, part by part (nats per token), its SE and the rounding accuracy at b. */
export interface HybridPartsScore {
  parts: ChainBoundParts;
  natsPerToken: number;
  standardError: number;
  roundingAccuracy: number;
  /** Chain draws accumulated (sequences × strata). */
  draws: number;
}

/**
 * The bound of §4 part by part on `batches`: per batch K strata of u per sequence (u_k = (k + o_b)/K, one uniform
 * offset per sequence, as validationPpl's stratified estimator), one chain draw each, accumulated by
 * ChainBoundAccumulator (parts per token; the total is their sum).
 */
export function hybridBoundParts(h: HybridObjective, params: Params, model: ModelConfig, batches: readonly TokenBatch[], strata: number, seed: number): HybridPartsScore {
  if (!Number.isInteger(strata) || strata < 1) throw new RangeError(`strata must be an integer >= 1, got ${strata}`);
  const acc = new ChainBoundAccumulator(h.maskAtA);
  const rng = new SeededRng(seed);
  for (const b of batches) {
    const B = b.batchSize;
    const offset = Float64Array.from({ length: B }, () => rng.uniform());
    const tokens = tf.tensor2d(b.tokens, [B, b.seqLen], "int32");
    const mask = tf.tensor2d(Float32Array.from(b.mask), [B, b.seqLen]);
    try {
      for (let k = 0; k < strata; k++) {
        const u = offset.map((o) => 1e-4 + (1 - 2e-4) * ((k + o) / strata));
        const r = hybridRowTerms(h, params, model, { tokens, mask }, u, rng, "elbo");
        const [ig, da, bb] = [r.integrand.dataSync(), r.decoderA.dataSync(), r.boundaryB.dataSync()];
        disposeTerms(r);
        for (let i = 0; i < B; i++) {
          if (r.tokens[i] > 0) acc.add({ segment: r.segment[i], integrand: ig[i], decoderA: da[i], boundaryB: bb[i], tokens: r.tokens[i], roundingMatches: r.roundingMatches[i] });
        }
      }
    } finally {
      tf.dispose([tokens, mask]);
    }
  }
  const res = acc.result();
  return { parts: res.parts, natsPerToken: res.natsPerToken, standardError: res.standardError, roundingAccuracy: res.roundingAccuracy ?? NaN, draws: res.rows };
}

/** Fresh D1 and D2 backbones (shareBackbone false): every DiT tensor but the embedding, its entries permuted per segment. */
function separateBackbones(params: Params, seed: number): void {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (const seg of ["D1", "D2"] as const) {
    for (const [n, v] of Object.entries(params)) {
      if (n === "embed" || n.includes("/")) continue;
      const data = Float32Array.from(v.dataSync());
      for (let i = data.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = data[i];
        data[i] = data[j];
        data[j] = t;
      }
      params[`${seg}/${n}`] = tf.tidy(() => tf.variable(tf.tensor(data, v.shape, "float32"), true));
    }
  }
}

/** The chained hybrid method over V tokens ([MASK] = V; embedding rows V+1..V+3 are the segment embeddings). */
export function hybridMethod(h: HybridObjective, ctx: MethodContext): Method {
  const V = ctx.vocabSize;
  const config = hybridChainConfig(h);
  const direct = (params: Params, model: ModelConfig): DirectTools => ({
    name: `hybrid(a=${h.split.a}, b=${h.split.b}, p_a=${h.maskAtA}, alpha-bar_b=${h.alphaBarAtB}; §4 bound)`,
    bound: (x, t, pad, rng) => {
      const r = hybridRowTerms(h, params, model, { tokens: x, mask: pad }, t.dataSync(), rng, "elbo");
      try {
        // The row's total spread evenly over its tokens (the estimators sum per row).
        return tf.tidy(() => tf.mul(tf.reshape(tf.div(rowTotal(r), tf.tensor1d(Float32Array.from(r.tokens, (n) => Math.max(n, 1)))), [-1, 1]), pad) as tf.Tensor2D);
      } finally {
        disposeTerms(r);
      }
    },
    sampler: (options = {}) => {
      const c = options.steps === undefined ? config : hybridChainConfig(h, options.steps);
      const name = `hybrid-chained(D2 ${c.steps.D2}, C ${c.steps.C}, D1 ${c.steps.D1} steps${c.clamp ? ", clamp" : ""})`;
      return new ParamSampler(name, (request) => {
        const emb = normalisedEmbedding(params, V + 1);
        try {
          const denoiser: HybridDenoiser = {
            discrete: (tokens, u, seg) => segmentLogits(params, model, h, seg, tf.gather(emb, tokens) as tf.Tensor as tf.Tensor3D, u, null),
            continuous: (z, u) => segmentLogits(params, model, h, "C", z, u, null),
          };
          const r = sampleHybrid(c, embeddingTable(emb.dataSync(), model.hidden), denoiser, {
            batch: request.batch,
            length: request.length,
            seed: request.seed,
            onStep: request.onStep === undefined ? undefined : (() => {
              let k = 0;
              return (e: HybridStepEvent) => {
                if (e.tokens !== undefined) request.onStep?.(k++, e.u, { batch: request.batch, length: request.length, data: e.tokens });
              };
            })(),
          });
          const steps = r.stepsRun.D1 + r.stepsRun.C + r.stepsRun.D2;
          return { tokens: { batch: r.batch, length: r.length, data: r.tokens }, steps, modelCalls: steps + r.decoderCalls, cacheHits: 0 };
        } finally {
          emb.dispose();
        }
      });
    },
  });
  return {
    kind: "hybrid",
    modelKind: "dit",
    inputSize: V + 4, // tokens, [MASK] = V, three segment embeddings
    outputSize: V + 1,
    clusters: null,
    loss: (params, model, b, rng, training) => {
      const u = ctx.times.sample(b.tokens.shape[0], rng);
      const r = hybridRowTerms(h, params, model, b, u, rng, training ? h.continuousWeighting : "elbo");
      try {
        return tf.tidy(() => tf.div(tf.sum(rowTotal(r)), Math.max(1, r.tokens.reduce((a, n) => a + n, 0))) as tf.Scalar);
      } finally {
        disposeTerms(r);
      }
    },
    initParams: (params) => {
      if (!h.shareBackbone) separateBackbones(params, 0x5eed);
    },
    scorer: null,
    sampler: () => {
      throw new Error(`a hybrid run samples with its parameters (its network reads vectors): use a loaded run's sampler() or method.direct(params, model).sampler()`);
    },
    direct,
  };
}
