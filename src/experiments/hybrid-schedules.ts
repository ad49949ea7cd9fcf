// What notebook 04 (hybrid schedules) computes, so its cells stay short: the chain's signal curves per segment,
// boundary statistics on real text (masked at a, rounding accuracy at b, tokens kept through b), the (a, b) and ᾱ_b
// sweeps, the old independent split measured against the chain, every library schedule's signal-retained and
// ELBO-weight curves, and the bound and samples of a live-trained model of any objective.
import { tf } from "../engine/tf";
import type { TokenBatch } from "../data/sequences";
import { SeededRng } from "../util/rng";
import { HierarchicalSchedule } from "../schedules/hierarchical";
import { LogLinearSchedule } from "../schedules/log-linear";
import { GeometricSchedule, seddLogLinear } from "../schedules/sedd";
import { ContinuousVp, VpSchedule, discretiseBetas, gaussianProcessTable, type VpKind } from "../schedules/diffusion-lm";
import { encodeAtB, remaskAtA } from "../schedules/hybrid";
import type { Schedule } from "../schedules/schedule";
import { makeHybridChainConfig, type HybridChainConfig } from "../hybrid/config";
import { ChainedSchedule } from "../hybrid/time";
import { sampleChain, type ChainDraw } from "../hybrid/forward";
import { roundToEmbeddings } from "../hybrid/rounding";
import { embeddingTable, type EmbeddingTable } from "../hybrid/embeddings";
import { normalisedEmbedding } from "../methods/embedding-dit";
import { giddSchedule } from "../methods/gidd";
import { ditDenoiser } from "../methods/denoiser";
import { boundPpl, scorerBound, type ValidPplResult } from "../eval/valid-ppl";
import type { Trainer } from "../train/trainer";

/** A schedule's curves on a t grid: the signal retained and the ELBO weight. */
export interface ScheduleCurve {
  family: string;
  name: string;
  t: number[];
  /** α(t): probability a token is still clean (discrete), or ᾱ(t) (Gaussian). */
  signal: number[];
  /** Discrete: -α'/(1-α), the weight of a masked/noised token's cross-entropy; Gaussian: -SNR'/2, the weight of ‖e - ê‖². */
  weight: number[];
}

function discreteCurve(family: string, s: Schedule, t: number[]): ScheduleCurve {
  return { family, name: s.name, t, signal: t.map((u) => s.alpha(u)), weight: t.map((u) => -s.alphaPrime(u) / (1 - s.alpha(u))) };
}

/**
 * The library's schedules on `points` midpoints of [0, 1]: HDLM γ ∈ {0.5, 1, 2, 3} (token still clean), MDLM
 * log-linear, GIDD+ (p_u = 0.1; clean mass), SEDD geometric and log-linear (α = e^{-σ}), and the VP sqrt, cosine and
 * linear schedules of Diffusion-LM (ᾱ, depth to ᾱ(1) = 1e-3).
 */
export function libraryScheduleCurves(points = 200): ScheduleCurve[] {
  const t = Array.from({ length: points }, (_, k) => (k + 0.5) / points);
  const out: ScheduleCurve[] = [];
  for (const gamma of [0.5, 1, 2, 3]) out.push(discreteCurve("HDLM", new HierarchicalSchedule({ gamma }), t));
  out.push(discreteCurve("MDLM", new LogLinearSchedule(), t));
  out.push(discreteCurve("GIDD+", giddSchedule({ pu: 0.1, gamma: 1 }), t));
  out.push({ ...discreteCurve("SEDD", new GeometricSchedule(), t), name: "sedd-geometric(1e-4, 20)" });
  out.push({ ...discreteCurve("SEDD", seddLogLinear(), t), name: "sedd-loglinear(eps=1e-3)" });
  for (const kind of ["sqrt", "cosine", "linear"] as VpKind[]) {
    const s = new ContinuousVp(kind, 1e-3);
    out.push({ family: "Diffusion-LM", name: s.name, t, signal: t.map((u) => s.alpha(u)), weight: t.map((u) => s.elboWeight(u)) });
  }
  return out;
}

/** Boundary facts of the chain on real text, over non-padding positions. */
export interface ChainBoundaryStats {
  a: number;
  b: number;
  alphaBarAtB: number;
  /** Fraction of positions masked in x_a (≈ p_a). */
  maskedAtA: number;
  /** Fraction with x_b = x_a (the rounding accuracy at b, §1). */
  roundingAccuracy: number;
  /** Fraction with x_b = x_0 (the clean token still there after both boundaries). */
  keptAtB: number;
}

/** One chain draw per row at u = b (x_u = x_b) for every batch; the boundary facts over all real positions. */
export function chainBoundaryStats(config: HybridChainConfig, emb: EmbeddingTable, batches: TokenBatch[], seed = 0): ChainBoundaryStats {
  const schedule = new ChainedSchedule(config);
  const rng = new SeededRng(seed);
  let n = 0, masked = 0, same = 0, kept = 0;
  const V = emb.rows - 1;
  for (const b of batches) {
    const draw = sampleChain(schedule, emb, { x0: b.tokens, batch: b.batchSize, length: b.seqLen, u: new Float64Array(b.batchSize).fill(config.b), padMask: b.mask, seed: rng });
    for (let i = 0; i < b.tokens.length; i++) {
      if (b.mask[i] === 0) continue;
      n++;
      if (draw.xa[i] === V) masked++;
      if (draw.xb[i] === draw.xa[i]) same++;
      if (draw.xb[i] === b.tokens[i]) kept++;
    }
  }
  if (n === 0) throw new Error("chainBoundaryStats: no real tokens in the batches");
  return { a: config.a, b: config.b, alphaBarAtB: config.alphaBarAtB, maskedAtA: masked / n, roundingAccuracy: same / n, keptAtB: kept / n };
}

/** The chain draw of one sequence at u = b (x_a with masks, z_b, x_b = round(z_b)), for showing the states. */
export function boundaryStates(config: HybridChainConfig, emb: EmbeddingTable, x0: ArrayLike<number>, seed = 0): ChainDraw {
  return sampleChain(new ChainedSchedule(config), emb, { x0, batch: 1, length: x0.length, u: [config.b], seed });
}

/**
 * The chain's curves over u (`points` midpoints): `tokens` = fraction of positions still holding x_0's token (D1
 * 1 - μ₁(u); C 1 - p_a; D2 (1 - μ₂(u))·keptAtB, with keptAtB measured), `vectors` = ᾱ(u) on C (NaN elsewhere).
 */
export function chainSignalCurves(config: HybridChainConfig, keptAtB: number, points = 200): { u: number[]; tokens: number[]; vectors: number[]; segment: string[] } {
  const s = new ChainedSchedule(config);
  const u = Array.from({ length: points }, (_, k) => (k + 0.5) / points);
  const segment = u.map((x) => s.segmentOf(x));
  const tokens = u.map((x, k) => (segment[k] === "D1" ? 1 - s.maskD1(x) : segment[k] === "C" ? 1 - config.maskAtA : (1 - s.maskD2(x)) * keptAtB));
  const vectors = u.map((x, k) => (segment[k] === "C" ? s.alphaBar(x) : NaN));
  return { u, tokens, vectors, segment };
}

/** The old independent split (each segment clean → fully noisy) against the chain, measured on real text. */
export interface IndependentCollapse {
  /** Fraction of tokens unmasked after D1's full schedule (SEDD log-linear, σ(1) = -log 1e-3) vs the chain's 1 - p_a. */
  survivingAtA: { independent: number; chained: number };
  /** Rounding accuracy of the embeddings after C's full schedule (sqrt VP, T = 2000, ᾱ_T) vs the chain's ᾱ_b. */
  roundingAtB: { independent: number; chained: number; abarTop: number };
}

/** Measures {@link IndependentCollapse} with the embedding table `emb` on `batches`. */
export function independentCollapse(config: HybridChainConfig, emb: EmbeddingTable, batches: TokenBatch[], seed = 0): IndependentCollapse {
  const V = emb.rows - 1;
  const sigma1 = seddLogLinear().sigma(1);
  const table = gaussianProcessTable(discretiseBetas(new VpSchedule("sqrt"), 2000));
  const abarTop = table.alphasCumprod[table.T - 1];
  const rng = new SeededRng(seed);
  let n = 0, survive = 0, rounded = 0;
  for (const b of batches) {
    const x = tf.tensor2d(b.tokens, [b.batchSize, b.seqLen], "int32");
    try {
      const masked = remaskAtA(x, sigma1, V, rng);
      const m = masked.dataSync();
      masked.dispose();
      const z = tf.tidy(() => encodeAtB(tf.gather(tf.tensor2d(Float32Array.from(emb.data), [emb.rows, emb.dim]), x) as tf.Tensor as tf.Tensor3D, abarTop, rng).dataSync());
      const ids = roundToEmbeddings(emb, z, abarTop);
      for (let i = 0; i < b.tokens.length; i++) {
        if (b.mask[i] === 0) continue;
        n++;
        if (m[i] !== V) survive++;
        if (ids[i] === b.tokens[i]) rounded++;
      }
    } finally {
      x.dispose();
    }
  }
  const chained = chainBoundaryStats(config, emb, batches, seed);
  return { survivingAtA: { independent: survive / n, chained: 1 - chained.maskedAtA }, roundingAtB: { independent: rounded / n, chained: chained.roundingAccuracy, abarTop } };
}

/** Boundary facts for every split (a, b) and every ᾱ_b (the spec's defaults otherwise). */
export function splitSweep(emb: EmbeddingTable, batches: TokenBatch[], splits: { a: number; b: number }[], alphaBars: number[], seed = 0): ChainBoundaryStats[] {
  const out: ChainBoundaryStats[] = [];
  for (const split of splits) for (const alphaBarAtB of alphaBars) out.push(chainBoundaryStats(makeHybridChainConfig({ split, alphaBarAtB }), emb, batches, seed));
  return out;
}

/** The likelihood bound of a live-trained model of any objective (K t strata per sequence, fixed seed). */
export function trainerBound(trainer: Trainer, batches: TokenBatch[], strata = 8, seed = 0): ValidPplResult {
  const m = trainer.objective;
  const tools = m.direct?.(trainer.params, trainer.model);
  if (tools === undefined && m.scorer === null) throw new Error(`trainerBound: an ${m.kind} model has an exact likelihood, not a bound`);
  const name = tools?.name ?? m.scorer?.name ?? m.kind;
  const bound = tools?.bound ?? scorerBound(ditDenoiser(trainer.params, trainer.model), m.scorer!);
  return boundPpl(bound, name, batches, { estimator: "stratified", quadraturePoints: strata, seed });
}

/** `n` unconditional samples of a live-trained diffusion model with its own sampler. */
export function trainerSamples(trainer: Trainer, n: number, steps: number, seed = 0): Int32Array[] {
  const m = trainer.objective;
  const L = trainer.model.seqLen;
  const sampler = m.direct?.(trainer.params, trainer.model).sampler({ steps }) ?? m.sampler({ steps });
  const r = sampler.sample(ditDenoiser(trainer.params, trainer.model), { batch: n, length: L, seed });
  return Array.from({ length: n }, (_, b) => r.tokens.data.slice(b * L, (b + 1) * L));
}

/** The live-trained hybrid's Emb (the DiT's rows 0..V normalised to norm √d, [MASK] last) as a host table. */
export function hybridEmbedding(trainer: Trainer): EmbeddingTable {
  const V = trainer.model.outputSize - 1;
  const e = normalisedEmbedding(trainer.params, V + 1);
  try {
    return embeddingTable(e.dataSync(), trainer.model.hidden);
  } finally {
    e.dispose();
  }
}

/** A hybrid sample's boundary states and what crossed them (information flow, hybrid.md "What to test"). */
export interface HybridTrace {
  xb: Int32Array;
  xa: Int32Array;
  final: Int32Array;
  /** Fraction of x̂_a positions that are [MASK] (≈ p_a). */
  maskedAtA: number;
  /** Among positions where x̂_b holds a token: the fraction whose final token is that same token. */
  finalEqualsXb: number;
  /** Among positions where x̂_a holds a token: the fraction whose final token is that token (D1 keeps them). */
  finalEqualsXa: number;
}

/** Samples `n` sequences from a live-trained hybrid and records x̂_b (end of D2), x̂_a (after the decoder) and the output. */
export function hybridTrace(trainer: Trainer, n: number, steps: number, seed = 0): HybridTrace {
  const m = trainer.objective;
  if (m.kind !== "hybrid" || m.direct === undefined) throw new Error(`hybridTrace needs a hybrid model, got ${m.kind}`);
  const h = trainer.config.objective as { split: { a: number; b: number } };
  const V = trainer.model.outputSize - 1;
  let xb: Int32Array | null = null;
  let xa: Int32Array | null = null;
  const r = m.direct(trainer.params, trainer.model).sampler({ steps }).sample(ditDenoiser(trainer.params, trainer.model), {
    batch: n,
    length: trainer.model.seqLen,
    seed,
    onStep: (_k, u, tokens) => {
      if (u === h.split.b && xb === null) xb = tokens.data.slice();
      if (u === h.split.a && xa === null) xa = tokens.data.slice();
    },
  });
  if (xb === null || xa === null) throw new Error("hybridTrace: the sampler reported no state at a boundary");
  const final = r.tokens.data;
  const frac = (from: Int32Array) => {
    let k = 0, same = 0;
    for (let i = 0; i < final.length; i++) if (from[i] !== V) (k++, from[i] === final[i] && same++);
    return k > 0 ? same / k : NaN;
  };
  const xaArr: Int32Array = xa;
  return { xb, xa: xaArr, final, maskedAtA: xaArr.filter((v) => v === V).length / xaArr.length, finalEqualsXb: frac(xb), finalEqualsXa: frac(xaArr) };
}
