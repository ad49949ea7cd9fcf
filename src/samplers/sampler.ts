// The one interface every full sampler implements (HDLM ancestral, MDLM ddpm-cache): a denoiser function in,
// token sequences out, with an onStep callback that sees every intermediate state; plus the shared host helpers.
import { tf } from "../engine/tf";
import { SeededRng } from "../processes/rng";
import { argmaxPositive } from "./gumbel";

/**
 * The model as the samplers see it: noisy ids `tokens` [B, L] int32 and one time per sequence `t` [B] in,
 * logits [B, L, W] out (W >= V; only the first V columns, the real tokens, are used). The sampler owns and
 * disposes the returned tensor. Tests plug a fixed toy table; real runs wrap `ditForward`.
 */
export type Denoiser = (tokens: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor3D;

/** B sequences of length L as one row-major Int32Array (ids of the sampler's layout). */
export interface SampleBatch {
  readonly batch: number;
  readonly length: number;
  /** Row-major ids, `data[b * length + l]`. */
  readonly data: Int32Array;
}

/** Row `b` of a batch (a copy). */
export function tokenRow(tokens: SampleBatch, b: number): Int32Array {
  if (!Number.isInteger(b) || b < 0 || b >= tokens.batch) throw new RangeError(`row must be an integer in [0, ${tokens.batch}), got ${b}`);
  return tokens.data.slice(b * tokens.length, (b + 1) * tokens.length);
}

/** All rows of a batch as plain number arrays (for printing, decoding and notebooks). */
export function tokenRows(tokens: SampleBatch): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < tokens.batch; b++) out.push(Array.from(tokenRow(tokens, b)));
  return out;
}

/**
 * Called with the state at time `t` after step `step`: step 0 is the start (all MASK plus the prompt) at the
 * first grid time, steps 1..S are after each stochastic transition, and the last call (t = 0) is the final
 * clean output. `tokens` is a fresh copy the callback may keep (trajectory analysis).
 */
export type StepCallback = (step: number, t: number, tokens: SampleBatch) => void;

/** What to sample. */
export interface SampleRequest {
  /** Number of sequences B. */
  batch: number;
  /** Sequence length L. */
  length: number;
  /** Seed (or generator) of every random draw (default 0). Same seed, same samples. */
  seed?: number | SeededRng;
  /**
   * Prompt tokens held fixed for the whole run: length L (the same for every row) or B*L, with -1 for a free
   * position (default: none).
   */
  prompt?: ArrayLike<number>;
  /** Sees every intermediate state. */
  onStep?: StepCallback;
}

/** Samples and counters of one run. */
export interface SampleResult {
  /** Clean sequences: only real token ids 0..V-1. */
  tokens: SampleBatch;
  /** Stochastic steps taken (the final argmax denoise not included). */
  steps: number;
  /** Calls of the denoiser. */
  modelCalls: number;
  /** Steps that reused the previous model output (cache; nothing changed and the model ignores t). */
  cacheHits: number;
}

/** A full sampler: interchangeable in notebooks (swap one for another in a line). */
export interface Sampler {
  /** Short name for tables and legends. */
  readonly name: string;
  /** Runs the reverse process from all MASK (plus prompt) to clean tokens. */
  sample(denoise: Denoiser, request: SampleRequest): SampleResult;
}

/** Validates B and L. */
export function checkRequest(request: SampleRequest): { B: number; L: number } {
  const { batch: B, length: L } = request;
  if (!Number.isInteger(B) || B <= 0) throw new RangeError(`batch must be a positive integer, got ${B}`);
  if (!Number.isInteger(L) || L <= 0) throw new RangeError(`length must be a positive integer, got ${L}`);
  return { B, L };
}

/** Throws naming `steps` unless it is a positive integer. */
export function checkSteps(steps: number): number {
  if (!Number.isInteger(steps) || steps <= 0) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  return steps;
}

/**
 * The start state: `maskId` everywhere except the prompt's fixed tokens (validated to lie in [0, V)).
 */
export function initialState(B: number, L: number, maskId: number, V: number, prompt?: ArrayLike<number>): Int32Array {
  const z = new Int32Array(B * L).fill(maskId);
  if (prompt === undefined) return z;
  if (prompt.length !== L && prompt.length !== B * L) throw new RangeError(`prompt must have length L = ${L} or B*L = ${B * L} (-1 for free positions), got ${prompt.length}`);
  for (let i = 0; i < B * L; i++) {
    const p = prompt[prompt.length === L ? i % L : i];
    if (p === -1) continue;
    if (!Number.isInteger(p) || p < 0 || p >= V) throw new RangeError(`prompt[${prompt.length === L ? i % L : i}] = ${p} must be a real token id in [0, ${V}) or -1 (free)`);
    z[i] = p;
  }
  return z;
}

/**
 * Final denoise of a masked sampler (MDLM's noise_removal, GIDD's last step): every position still holding an id
 * >= V (MASK) becomes the argmax of the model's probabilities [B, L, V] there (0 if the row has no positive entry).
 * Modifies `z` in place; reads the tensor only if some position is still masked.
 */
export function argmaxMasked(probs: tf.Tensor3D, z: Int32Array, V: number): void {
  let data: Float32Array | null = null;
  for (let i = 0; i < z.length; i++) {
    if (z[i] < V) continue;
    data = data ?? (probs.dataSync() as Float32Array);
    const v = argmaxPositive(data, i * V, V);
    z[i] = v < 0 ? 0 : v;
  }
}

/** A SampleBatch holding a copy of `data`. */
export function snapshot(data: Int32Array, B: number, L: number): SampleBatch {
  return { batch: B, length: L, data: data.slice() };
}

/**
 * Runs the denoiser on the host state and returns the model's token probabilities x̂ = softmax over the first V
 * logit columns, [B, L, V] (the caller disposes it). Throws naming the denoiser if its output has the wrong shape.
 */
export function modelProbs(denoise: Denoiser, z: Int32Array, B: number, L: number, t: number, V: number): tf.Tensor3D {
  return tf.tidy(() => {
    const tokens = tf.tensor2d(z, [B, L], "int32");
    const times = tf.fill([B], t, "float32") as tf.Tensor1D;
    const logits = denoise(tokens, times);
    if (logits.rank !== 3 || logits.shape[0] !== B || logits.shape[1] !== L || logits.shape[2] < V) {
      throw new RangeError(`denoiser must return logits [${B}, ${L}, W >= ${V}], got [${logits.shape}]`);
    }
    const tok = logits.shape[2] === V ? logits : tf.slice(logits, [0, 0, 0], [B, L, V]);
    return tf.softmax(tok) as tf.Tensor3D;
  });
}

/**
 * The model probabilities for this step, reusing `cache` when allowed (the model ignores t and no position changed
 * since it was computed, as MDLM's ddpm-cache); otherwise disposes the old cache and calls the model.
 */
export class ProbsCache {
  private probs: tf.Tensor3D | null = null;
  modelCalls = 0;
  cacheHits = 0;

  constructor(private readonly enabled: boolean) {}

  get(denoise: Denoiser, z: Int32Array, B: number, L: number, t: number, V: number, changed: boolean): tf.Tensor3D {
    if (this.enabled && !changed && this.probs !== null) {
      this.cacheHits++;
      return this.probs;
    }
    this.dispose();
    this.probs = modelProbs(denoise, z, B, L, t, V);
    this.modelCalls++;
    return this.probs;
  }

  dispose(): void {
    if (this.probs !== null) this.probs.dispose();
    this.probs = null;
  }
}
