// The chained hybrid's reverse sampler (hybrid.md §3), u: 1 → 0, over a generic denoiser so any network plugs in:
// D2 masked-diffusion steps from all-m to x̂_b (which may hold m), the generative step z_b ~ N(√ᾱ_b Emb(x̂_b), 1-ᾱ_b),
// ancestral Gaussian steps through C with x₀ = ê (optionally clamped), the decoder draw x̂_a ~ p_θ(x_a | z_a) over
// V ∪ {m}, and D1 masked-diffusion steps down to u = 0 whose last step resolves every m.
import { tf } from "../engine/tf";
import { SeededRng, toSeededRng } from "../util/rng";
import { HybridSegment } from "../schedules/hybrid";
import { HybridChainConfig, HybridSteps } from "./config";
import { EmbeddingTable, embeddingMaskId } from "./embeddings";
import { roundToEmbeddings } from "./rounding";
import { ChainedSchedule } from "./time";

/**
 * The network as the hybrid sampler sees it (hybrid.md §2: one shared backbone with a segment embedding, or one per
 * segment; the sampler does not care). The sampler owns and disposes the returned logits.
 * - `discrete`: token ids `[B, L]` int32 (MASK = V), u `[B]`, the segment → logits `[B, L, W >= V + 1]` over
 *   V ∪ {m} (D1 ignores column V);
 * - `continuous`: noisy vectors z_u `[B, L, d]`, u `[B]` → logits `[B, L, V + 1]`; used in C (ê = softmax·Emb) and at
 *   u = a as the decoder p_θ(x_a | z_a).
 */
export interface HybridDenoiser {
  discrete(tokens: tf.Tensor2D, u: tf.Tensor1D, segment: "D1" | "D2"): tf.Tensor3D;
  continuous(z: tf.Tensor3D, u: tf.Tensor1D): tf.Tensor3D;
}

/** What {@link sampleHybrid}'s onStep sees: the state after each step (a copy the callback may keep). */
export interface HybridStepEvent {
  /** "D2", "C", "D1" for steps inside a segment; "b" and "a" for the two boundary hand-offs. */
  phase: HybridSegment | "b" | "a";
  /** Step index within the phase: 0 is the state at the phase's start, k after k steps. */
  step: number;
  u: number;
  /** Token state `[B·L]` (D2, D1, and both boundaries). */
  tokens?: Int32Array;
  /** Vector state `[B·L·d]` (C and both boundaries). */
  z?: Float64Array;
}

/** Options of {@link sampleHybrid}. */
export interface HybridSampleOptions {
  batch: number;
  length: number;
  seed?: number | SeededRng;
  /** Decoder at a: draw from p_θ (default) or take its argmax. */
  decodeAtA?: "sample" | "argmax";
  /** Overrides config.clamp: clamp ê to the nearest embedding row in C's steps. */
  clamp?: boolean;
  onStep?: (event: HybridStepEvent) => void;
}

/** Samples and the boundary states of one run. */
export interface HybridSampleResult {
  batch: number;
  length: number;
  /** Final tokens `[B·L]` (no m). */
  tokens: Int32Array;
  /** x̂_b (end of D2), z_b, z_a, x̂_a (start of D1). */
  xb: Int32Array;
  zb: Float64Array;
  za: Float64Array;
  xa: Int32Array;
  /** Steps run (one denoiser call each) per segment. */
  stepsRun: HybridSteps;
  /** Decoder calls at u = a (always 1, outside stepsRun). */
  decoderCalls: number;
}

/** Equal steps from `from` to `to` (n ≥ 1), endpoints exact. */
function grid(from: number, to: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, j) => (j === n ? to : from + ((to - from) * j) / n));
}

function logitsRows(t: tf.Tensor3D, B: number, L: number, width: number, name: string): { data: Float32Array; W: number } {
  if (t.rank !== 3 || t.shape[0] !== B || t.shape[1] !== L || t.shape[2] < width) throw new RangeError(`${name} must return logits [${B}, ${L}, >= ${width}], got [${t.shape}]`);
  const data = t.dataSync() as Float32Array;
  return { data: Float32Array.from(data), W: t.shape[2] };
}

/** Softmax of row `i` of `[N, W]` logits over the first `n` columns, into `out` (length n). */
function softmaxRow(logits: Float32Array, W: number, i: number, n: number, out: Float64Array): void {
  let m = -Infinity;
  for (let k = 0; k < n; k++) m = Math.max(m, logits[i * W + k]);
  let s = 0;
  for (let k = 0; k < n; k++) {
    out[k] = Math.exp(logits[i * W + k] - m);
    s += out[k];
  }
  for (let k = 0; k < n; k++) out[k] /= s;
}

/**
 * Runs the reverse chain of hybrid.md §3 with config.steps per segment (each step one denoiser call):
 * - D2 (u = 1 → b, steps.D2): a masked position stays m with probability μ₂(s)/μ₂(t) + (1 - μ₂(s)/μ₂(t))·p_θ(m), else
 *   takes v with (1 - μ₂(s)/μ₂(t))·p_θ(v); at s = b (μ₂ = 0) every position is drawn from p_θ over V ∪ {m}.
 * - b: z_b = √ᾱ_b Emb(x̂_b) + √(1 - ᾱ_b) ε.
 * - C (u = b → a, steps.C): z_s = c₁ ê + c₂ z_t + σ ε with the DDPM posterior q(z_s | z_t, x₀ = ê) of ᾱ(t) → ᾱ(s).
 * - a: x̂_a ~ p_θ(x_a | z_a) over V ∪ {m} (over V only when D1 is empty, a = 0).
 * - D1 (u = a → 0, steps.D1): a masked position unmasks with probability (t - s)/t to v ~ p_θ over V; at s = 0 all do.
 */
export function sampleHybrid(config: HybridChainConfig, emb: EmbeddingTable, denoiser: HybridDenoiser, options: HybridSampleOptions): HybridSampleResult {
  if (config.chain !== "chained") throw new RangeError(`sampleHybrid runs the chained process; config.chain is '${config.chain}' (the independent split lives in src/schedules/hybrid.ts)`);
  const { batch: B, length: L } = options;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`batch must be an integer >= 1, got ${B}`);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`length must be an integer >= 1, got ${L}`);
  const decodeAtA = options.decodeAtA ?? "sample";
  if (decodeAtA !== "sample" && decodeAtA !== "argmax") throw new RangeError(`decodeAtA must be 'sample' or 'argmax', got ${String(decodeAtA)}`);
  const clamp = options.clamp ?? config.clamp;
  const schedule = new ChainedSchedule(config);
  const rng = toSeededRng(options.seed ?? 0);
  const V = embeddingMaskId(emb);
  const S = V + 1;
  const d = emb.dim;
  const N = B * L;
  const { a, b } = config;
  const stepsRun: HybridSteps = { D1: 0, C: 0, D2: 0 };
  const emit = (e: HybridStepEvent) => options.onStep?.(e);
  const probs = new Float64Array(S);
  const uTensor = (u: number) => tf.fill([B], u) as tf.Tensor1D;

  const discreteLogits = (x: Int32Array, u: number, seg: "D1" | "D2") => {
    const out = tf.tidy(() => denoiser.discrete(tf.tensor2d(x, [B, L], "int32"), uTensor(u), seg));
    try {
      return logitsRows(out, B, L, seg === "D2" ? S : V, `denoiser.discrete (${seg})`);
    } finally {
      out.dispose();
    }
  };
  const continuousLogits = (z: Float64Array, u: number) => {
    const out = tf.tidy(() => denoiser.continuous(tf.tensor3d(Float32Array.from(z), [B, L, d]), uTensor(u)));
    try {
      return logitsRows(out, B, L, S, "denoiser.continuous");
    } finally {
      out.dispose();
    }
  };

  // D2: all m at u = 1 down to b.
  const x = new Int32Array(N).fill(V);
  emit({ phase: "D2", step: 0, u: 1, tokens: x.slice() });
  const g2 = grid(1, b, config.steps.D2);
  for (let j = 0; j < config.steps.D2; j++) {
    const t = g2[j];
    const s = g2[j + 1];
    const keep = schedule.maskD2(s) / schedule.maskD2(t);
    const { data, W } = discreteLogits(x, t, "D2");
    stepsRun.D2++;
    for (let i = 0; i < N; i++) {
      if (x[i] !== V) continue;
      softmaxRow(data, W, i, S, probs);
      for (let k = 0; k < S; k++) probs[k] *= 1 - keep;
      probs[V] += keep;
      x[i] = rng.categorical(probs);
    }
    emit({ phase: "D2", step: j + 1, u: s, tokens: x.slice() });
  }
  const xb = x.slice();

  // Boundary b: tokens -> vectors.
  const abB = config.alphaBarAtB;
  let z = new Float64Array(N * d);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < d; k++) z[i * d + k] = Math.sqrt(abB) * emb.data[xb[i] * d + k] + Math.sqrt(1 - abB) * rng.normal();
  }
  const zb = z.slice();
  emit({ phase: "b", step: 0, u: b, tokens: xb.slice(), z: zb.slice() });

  // C: ancestral Gaussian steps from b down to a.
  if (config.steps.C > 0) {
    emit({ phase: "C", step: 0, u: b, z: z.slice() });
    const gc = grid(b, a, config.steps.C);
    for (let j = 0; j < config.steps.C; j++) {
      const t = gc[j];
      const s = gc[j + 1];
      const abT = schedule.alphaBar(t);
      const abS = schedule.alphaBar(s);
      const { data, W } = continuousLogits(z, t);
      stepsRun.C++;
      const beta = 1 - abT / abS;
      const c1 = (Math.sqrt(abS) * beta) / (1 - abT);
      const c2 = (Math.sqrt(1 - beta) * (1 - abS)) / (1 - abT);
      const sd = Math.sqrt(Math.max(0, (beta * (1 - abS)) / (1 - abT)));
      let eHat = new Float64Array(N * d);
      for (let i = 0; i < N; i++) {
        softmaxRow(data, W, i, S, probs);
        for (let k = 0; k < S; k++) for (let c = 0; c < d; c++) eHat[i * d + c] += probs[k] * emb.data[k * d + c];
      }
      if (clamp) {
        const ids = roundToEmbeddings(emb, eHat, 1);
        eHat = new Float64Array(N * d);
        for (let i = 0; i < N; i++) for (let c = 0; c < d; c++) eHat[i * d + c] = emb.data[ids[i] * d + c];
      }
      const next = new Float64Array(N * d);
      for (let k = 0; k < N * d; k++) next[k] = c1 * eHat[k] + c2 * z[k] + sd * rng.normal();
      z = next;
      emit({ phase: "C", step: j + 1, u: s, z: z.slice() });
    }
  }
  const za = z.slice();

  // Boundary a: vectors -> tokens through the decoder.
  const dec = continuousLogits(za, a);
  const width = a > 0 ? S : V;
  const xa = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    softmaxRow(dec.data, dec.W, i, width, probs);
    if (decodeAtA === "argmax") {
      let best = 0;
      for (let k = 1; k < width; k++) if (probs[k] > probs[best]) best = k;
      xa[i] = best;
    } else xa[i] = rng.categorical(probs, 0, width);
  }
  emit({ phase: "a", step: 0, u: a, tokens: xa.slice(), z: za.slice() });

  // D1: from x̂_a at u = a down to 0.
  const y = xa.slice();
  if (config.steps.D1 > 0) {
    emit({ phase: "D1", step: 0, u: a, tokens: y.slice() });
    const g1 = grid(a, 0, config.steps.D1);
    for (let j = 0; j < config.steps.D1; j++) {
      const t = g1[j];
      const s = g1[j + 1];
      const move = (t - s) / t;
      const { data, W } = discreteLogits(y, t, "D1");
      stepsRun.D1++;
      for (let i = 0; i < N; i++) {
        if (y[i] !== V) continue;
        if (s > 0 && rng.uniform() >= move) continue;
        softmaxRow(data, W, i, V, probs);
        y[i] = rng.categorical(probs, 0, V);
      }
      emit({ phase: "D1", step: j + 1, u: s, tokens: y.slice() });
    }
  }
  return { batch: B, length: L, tokens: y, xb, zb, za, xa, stepsRun, decoderCalls: 1 };
}
