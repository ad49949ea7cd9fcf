// The one interface every full sampler implements (HDLM ancestral, MDLM ddpm-cache, GIDD, SEDD, Diffusion-LM): a
// model function in, token sequences out, with an onStep callback that sees every intermediate state; the one
// reverse loop of the discrete samplers ({@link GridSampler}); plus the shared host helpers.
import { tf } from "../engine/tf";
import { SeededRng, toSeededRng } from "../util/rng";
import { argmaxPositive } from "./gumbel";
import type { DecodingConfig, DecodingKind } from "../decoding/decoding-config";
import { makeDecoder, DecodingAccess } from "./decoded-step";

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

/** What a step hook sees besides the state. */
export interface SampleStepInfo {
  /**
   * The model's full clean guess from the denoiser call this step made (on the previous step's state): tokens
   * already decoded kept, every undecided position (MASK, and for HDLM a cluster id) filled with the argmax of the
   * model's token probabilities. Computed when called (one host read), and only valid during the callback.
   * Absent at step 0 (no model call yet) and for samplers without token probabilities.
   */
  cleanGuess?: () => SampleBatch;
}

/**
 * Called with the state at time `t` after step `step`: step 0 is the start (all MASK plus the prompt) at the
 * first grid time, steps 1..S are after each stochastic transition, and the last call (t = 0) is the final
 * clean output. `tokens` is a fresh copy the callback may keep (trajectory analysis).
 */
export type StepCallback = (step: number, t: number, tokens: SampleBatch, info?: SampleStepInfo) => void;

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
  /**
   * How positions are chosen each step (decoding.md §1-§2, src/samplers/decoded-step.ts): 'plain' or absent = the
   * sampler's own step; 'conv', 'hdlm-conv', 'confidence', 'semi-ar' where the sampler takes them.
   */
  decoding?: DecodingConfig;
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

/**
 * A full sampler: interchangeable in notebooks (swap one for another in a line). `M` is the model it runs: a
 * token {@link Denoiser} for the discrete samplers, an embedding denoiser for Diffusion-LM.
 */
export interface Sampler<M = Denoiser> {
  /** Short name for tables and legends. */
  readonly name: string;
  /** Runs the reverse process from the start state (all MASK plus the prompt) to clean tokens. */
  sample(denoise: M, request: SampleRequest): SampleResult;
  /**
   * One stochastic reverse step t -> s of a host state (for notebooks and tests): runs the model once and returns
   * the new state; `state` is not modified.
   */
  step(denoise: M, state: SampleBatch, t: number, s: number, rng: SeededRng | number): SampleBatch;
}

/** Validates B and L. */
export function checkRequest(request: SampleRequest): { B: number; L: number } {
  const { batch: B, length: L } = request;
  if (!Number.isInteger(B) || B <= 0) throw new RangeError(`batch must be a positive integer, got ${B}`);
  if (!Number.isInteger(L) || L <= 0) throw new RangeError(`length must be a positive integer, got ${L}`);
  return { B, L };
}

/** Throws naming `vocabSize` unless it is a positive integer. */
export function checkVocabSize(V: number): number {
  if (!Number.isInteger(V) || V <= 0) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
  return V;
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

/** 1 at the positions a prompt fixes, 0 elsewhere (null without a prompt); validated as {@link initialState}. */
export function promptMask(B: number, L: number, V: number, prompt?: ArrayLike<number>): Uint8Array | null {
  if (prompt === undefined) return null;
  return Uint8Array.from(initialState(B, L, V, V, prompt), (id) => (id < V ? 1 : 0));
}

/**
 * The model's clean guess of a state from its token probabilities [B*L*V] (row-major): ids < V kept, every other
 * position (MASK, cluster) the argmax of its row (0 if the row has no positive entry).
 */
export function cleanGuess(probs: ArrayLike<number>, z: Int32Array, V: number): Int32Array {
  const out = z.slice();
  for (let i = 0; i < z.length; i++) {
    if (z[i] < V) continue;
    const v = argmaxPositive(probs, i * V, V);
    out[i] = v < 0 ? 0 : v;
  }
  return out;
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

  /** `compute` is the model output to cache (default {@link modelProbs}; SEDD caches raw log-scores). */
  constructor(
    private readonly enabled: boolean,
    private readonly compute: (denoise: Denoiser, z: Int32Array, B: number, L: number, t: number, V: number) => tf.Tensor3D = modelProbs,
  ) {}

  get(denoise: Denoiser, z: Int32Array, B: number, L: number, t: number, V: number, changed: boolean): tf.Tensor3D {
    if (this.enabled && !changed && this.probs !== null) {
      this.cacheHits++;
      return this.probs;
    }
    this.dispose();
    this.probs = this.compute(denoise, z, B, L, t, V);
    this.modelCalls++;
    return this.probs;
  }

  dispose(): void {
    if (this.probs !== null) this.probs.dispose();
    this.probs = null;
  }
}

/** The times of a discrete sampler's run: the start, the (t, s) pairs of the stochastic steps, the final denoise. */
export interface StepGrid {
  /** Time of the start state (the step-0 hook). */
  start: number;
  /** (t, s) of each stochastic step, t decreasing. */
  pairs: Array<[number, number]>;
  /** Time of the final denoise's model call; null = no final denoise (the last step's state is the output). */
  final: number | null;
}

/**
 * The one reverse loop of the discrete samplers (MDLM, HDLM, GIDD, SEDD): start state, then for each (t, s) of the
 * grid one model call (or the cached output), the sampler's posterior rows [B*L, W] and one draw per free
 * position, then the final denoise; the step hook sees every state. A sampler supplies its grid, its posterior
 * rows and its per-position draw; the start state, the final denoise and the model output have defaults
 * (all MASK plus prompt; argmax of x̂ at every MASK; softmax over the V token columns).
 */
export abstract class GridSampler implements Sampler {
  abstract readonly name: string;
  /** V: real tokens are 0..V-1. */
  abstract readonly vocabSize: number;
  /** W: state ids lie in [0, W) and the posterior rows have W columns. */
  protected abstract get stateWidth(): number;
  /** Reuse the model output when nothing changed in a step (valid only if the model ignores t). */
  protected abstract get reuseModelOutput(): boolean;
  /** The times of a run. */
  abstract timeGrid(): StepGrid;
  /** Host posterior rows [B*L*W] of the step t -> s given the model output. */
  protected abstract stepRows(out: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number): Float32Array;
  /** The next id of one position from its row `rows[offset .. offset+W)`. */
  protected abstract drawPosition(rows: Float32Array, offset: number, current: number, rng: SeededRng): number;

  /** The model output a step uses (default: token probabilities, {@link modelProbs}). */
  protected modelOutput(denoise: Denoiser, z: Int32Array, B: number, L: number, t: number): tf.Tensor3D {
    return modelProbs(denoise, z, B, L, t, this.vocabSize);
  }

  /** Whether the model output holds token probabilities [B, L, V] (for the clean guess). */
  protected get outputIsProbs(): boolean {
    return true;
  }

  /** The decoding kinds this sampler takes besides 'plain' (default none). */
  protected get decodingKinds(): readonly DecodingKind[] {
    return [];
  }

  /** The (t, s) pairs of an n-step run of this sampler (a semi-AR block's own grid); default: the run's grid. */
  protected blockPairs(_steps: number): Array<[number, number]> {
    return this.timeGrid().pairs;
  }

  /** The sampler's hooks as the decoders see them ({@link DecodingAccess}). */
  protected decodingAccess(): DecodingAccess {
    return {
      name: this.name,
      kinds: this.decodingKinds,
      vocabSize: this.vocabSize,
      stateWidth: this.stateWidth,
      rows: (out, z, B, L, t, s) => this.stepRows(out, z, B, L, t, s),
      draw: (rows, offset, current, rng) => this.drawPosition(rows, offset, current, rng),
      finalize: (out, z, B, L, t, rng, fixed) => this.finalize(out, z, B, L, t, rng, fixed),
      blockPairs: (n) => this.blockPairs(n),
    };
  }

  /** The start state (default: MASK = V everywhere but the prompt). */
  protected initial(B: number, L: number, _rng: SeededRng, prompt?: ArrayLike<number>): Int32Array {
    return initialState(B, L, this.vocabSize, this.vocabSize, prompt);
  }

  /** The final denoise in place (default: every MASK becomes the argmax of x̂, {@link argmaxMasked}). */
  protected finalize(out: tf.Tensor3D, z: Int32Array, _B: number, _L: number, _t: number, _rng: SeededRng, _fixed: Uint8Array | null): void {
    argmaxMasked(out, z, this.vocabSize);
  }

  sample(denoise: Denoiser, request: SampleRequest): SampleResult {
    const { B, L } = checkRequest(request);
    const rng = toSeededRng(request.seed ?? 0);
    const z = this.initial(B, L, rng, request.prompt);
    const fixed = promptMask(B, L, this.vocabSize, request.prompt);
    const { start, pairs, final } = this.timeGrid();
    const cache = new ProbsCache(this.reuseModelOutput, (d, zz, b, l, t) => this.modelOutput(d, zz, b, l, t));
    const decoder = request.decoding === undefined ? null : makeDecoder(this.decodingAccess(), request.decoding, { B, L, steps: pairs.length, fixed });
    const onStep = request.onStep;
    const emit = (step: number, t: number, out?: tf.Tensor3D, before?: Int32Array) => {
      if (onStep === undefined) return;
      const info: SampleStepInfo = {};
      if (out !== undefined && before !== undefined && this.outputIsProbs) {
        info.cleanGuess = () => snapshot(cleanGuess(out.dataSync(), before, this.vocabSize), B, L);
      }
      onStep(step, t, snapshot(z, B, L), info);
    };
    try {
      emit(0, start);
      let changed = true;
      pairs.forEach(([t, s], j) => {
        const out = cache.get(denoise, z, B, L, t, this.vocabSize, changed);
        const before = onStep === undefined ? undefined : z.slice();
        changed = decoder === null ? this.transition(out, z, B, L, t, s, rng, fixed) : decoder.transition(out, z, j, t, s, rng);
        emit(j + 1, s, out, before);
      });
      if (final !== null) {
        const out = cache.get(denoise, z, B, L, final, this.vocabSize, changed);
        const before = onStep === undefined ? undefined : z.slice();
        this.finalize(out, z, B, L, final, rng, fixed);
        emit(pairs.length + 1, 0, out, before);
      }
    } finally {
      cache.dispose();
    }
    return { tokens: snapshot(z, B, L), steps: pairs.length, modelCalls: cache.modelCalls, cacheHits: cache.cacheHits };
  }

  step(denoise: Denoiser, state: SampleBatch, t: number, s: number, rng: SeededRng | number): SampleBatch {
    return this.onHostState(denoise, state, t, (out, z) => void this.transition(out, z, state.batch, state.length, t, s, toSeededRng(rng), null));
  }

  /** The final denoise at time t of a host state (for notebooks and tests); `rng` only for a sampler whose final step draws. */
  denoiseFinal(denoise: Denoiser, state: SampleBatch, t: number, rng: SeededRng | number = 0): SampleBatch {
    return this.onHostState(denoise, state, t, (out, z) => this.finalize(out, z, state.batch, state.length, t, toSeededRng(rng), null));
  }

  /** Runs the model once on a validated copy of `state`, applies `update` to the copy and returns it. */
  private onHostState(denoise: Denoiser, state: SampleBatch, t: number, update: (out: tf.Tensor3D, z: Int32Array) => void): SampleBatch {
    const z = state.data.slice();
    const W = this.stateWidth;
    for (let i = 0; i < z.length; i++) if (!(z[i] >= 0 && z[i] < W)) throw new RangeError(`state holds ${z[i]} at flat index ${i}; ids must lie in [0, ${W})`);
    const out = this.modelOutput(denoise, z, state.batch, state.length, t);
    try {
      update(out, z);
    } finally {
      out.dispose();
    }
    return snapshot(z, state.batch, state.length);
  }

  /** Draws z_s in place at every position the prompt does not fix; returns whether any position changed. */
  private transition(out: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number, rng: SeededRng, fixed: Uint8Array | null): boolean {
    const W = this.stateWidth;
    const rows = this.stepRows(out, z, B, L, t, s);
    let changed = false;
    for (let i = 0; i < B * L; i++) {
      if (fixed !== null && fixed[i] === 1) continue;
      const next = this.drawPosition(rows, i * W, z[i], rng);
      if (next !== z[i]) changed = true;
      z[i] = next;
    }
    return changed;
  }
}
