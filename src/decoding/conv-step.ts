// One convolutional-decoding reverse step t -> s for an MDLM-style (SUBS) sampler (decoding.md §1 steps 1-6): the
// gated, s_norm-rescaled per-position law over {top-k candidates, stay MASK}, and its seeded draw.
import { SeededRng } from "../util/rng";
import { boxFilterGateValues, EmptyRowRule } from "./box-filter";
import { checkConvMult, checkKernelSize, checkLayout, checkStepTimes, checkTopK } from "./config";
import { decodedMask } from "./gate";
import { drawCandidate, drawUnmaskPositions } from "./draw";
import { matchUnmaskProbabilities, sNorm } from "./s-norm";
import { topCandidates } from "./top-k";

/**
 * How the gated weights become a per-position law (decoding.md §1 steps 5-6):
 * - 'matched' (default): π_i = min(1, c·s_i·m_i) with m_i = Σ_{j≤k} top_ij, c set so that Σ_{i∈M} π_i = |M|(t−s)/t,
 *   the plain MDLM step's expected unmask count, exactly. Uncapped, c = s_norm·(t−s)/t: the MDLM step with p^conv.
 * - 'reference': the reference's rows [top_ij·s_i·s_norm·(t−s) (j ≤ k), s] normalised by their sum, with s_norm
 *   from the top-(k+1) mass (`_ddpm_convolution_update`). Its expected count is at most the plain one (Jensen),
 *   equal when every masked position has the same gated mass.
 * - 'none': no s_norm, π_i = s_i·(t−s)/t. For 0/1 gates that restrict where the base step may act, e.g. the semi-AR
 *   block gate with a per-block time grid: inside the block it is the plain MDLM step, outside nothing moves (s_norm
 *   would push the unmasks of every masked position into the open ones).
 */
export type ConvNormalization = "matched" | "reference" | "none";

/** Host arrays of one batch at one decoding step: what every gated selection reads. */
export interface StepArrays {
  /** Model token probabilities p_θ [batch * length * vocabSize], MASK excluded (decoding.md §1 step 1). */
  probs: ArrayLike<number>;
  /** Current ids [batch * length]; MASK is `maskId`. Prompt tokens are ordinary decoded ids. */
  z: ArrayLike<number>;
  batch: number;
  length: number;
  vocabSize: number;
  /** The MASK id (default vocabSize). */
  maskId?: number;
}

/** Input of {@link gatedStepRows}: host arrays of one batch at one step, and the per-position gate. */
export interface GatedStepInput extends StepArrays {
  /** Reverse step times, 0 <= s < t <= 1. */
  t: number;
  s: number;
  /** k candidates per position (reference: 1 for GSM8K, 5 for open-ended text). */
  topK: number;
  /** The gate s_i in [0, 1] per position [batch * length], e.g. `PositionGate.weights(decodedMask(z, maskId), B, L)`. */
  gate: ArrayLike<number>;
  normalization?: ConvNormalization;
  /**
   * Token choice among the k candidates ∝ top_ij^(1/T); 0 = the top candidate (default 1, the reference). The
   * unmask probabilities do not depend on it.
   */
  temperature?: number;
}

/** Input of {@link convolutionalStepRows}: a gated step whose gate is the box filter (decoding.md §1 steps 2-3). */
export interface ConvStepInput extends Omit<GatedStepInput, "gate"> {
  /** K, odd (use kernelFromBlock for the reference's "block length made odd"). */
  kernelSize: number;
  /** κ (default 1). */
  convMult?: number;
  /** A row with no decoded token: 'closed' (default, the paper: nothing decodes) or 'open' (the plain step). */
  emptyRow?: EmptyRowRule;
}

/** The gated law of one step, per position i of the flat [batch * length] layout. */
export interface ConvStepRows {
  /** k = candidates per position (topK capped at V). */
  k: number;
  /** Candidate token ids [N * k], largest p_θ first; -1 on unmasked rows. */
  candidates: Int32Array;
  /** [N * (k + 1)]: the probability of each candidate, then of "stay MASK"; each masked row sums to 1, unmasked rows are 0. */
  rows: Float64Array;
  /** π_i = 1 − stay: the probability that position i is decoded this step (0 on unmasked rows). */
  unmask: Float64Array;
  /** The gate s_i used [N]. */
  gate: Float64Array;
  /** s_norm per sequence [batch] (decoding.md §1 step 5; for 'matched' with the top-k mass m_i; 1 for 'none'). */
  sNorm: Float64Array;
  /** 1 where z is MASK [N]. */
  masked: Uint8Array;
}

/**
 * The convolutional-decoding step (decoding.md §1): the box-filter gate s_i = tanh(κ·u_i) on the decoded mask of z,
 * then {@link gatedStepRows}.
 */
export function convolutionalStepRows(input: ConvStepInput): ConvStepRows {
  const { kernelSize, convMult, emptyRow, ...rest } = input;
  checkLayout(input.z.length, input.batch, input.length, "z");
  checkKernelSize(kernelSize);
  checkConvMult(convMult ?? 1);
  const gate = boxFilterGateValues(decodedMask(input.z, input.maskId ?? input.vocabSize), { kernelSize, convMult, emptyRow }, input.batch, input.length);
  return gatedStepRows({ ...rest, gate });
}

/**
 * The law of one gated MDLM (SUBS) step t -> s for any gate (decoding.md §1 steps 4-6): top-k candidates, s_norm
 * rescaling, stay-MASK column; see {@link ConvNormalization} for the two rescalings. With the full-window gate (all
 * 1) and topK >= V it is the plain MDLM step (both normalisations); with a box-filter gate it is convolutional decoding; with the
 * semi-AR gate only the current block can decode.
 */
export function gatedStepRows(input: GatedStepInput): ConvStepRows {
  const { batch, length, vocabSize: V, t, s } = input;
  checkLayout(input.z.length, batch, length, "z");
  if (!Number.isInteger(V) || V < 1) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
  if (input.probs.length !== batch * length * V) throw new RangeError(`probs must hold batch * length * vocabSize = ${batch * length * V} entries, got ${input.probs.length}`);
  checkStepTimes(t, s);
  const topK = checkTopK(input.topK);
  checkLayout(input.gate.length, batch, length, "gate");
  const mode = input.normalization ?? "matched";
  if (mode !== "matched" && mode !== "reference" && mode !== "none") throw new RangeError(`normalization must be 'matched', 'reference' or 'none', got '${String(mode)}'`);
  const maskId = input.maskId ?? V;
  const temperature = input.temperature ?? 1;
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0) throw new RangeError(`temperature must be a finite number >= 0 (0 = the top candidate), got ${String(temperature)}`);
  const N = batch * length;
  const decoded = decodedMask(input.z, maskId);
  const masked = new Uint8Array(N);
  for (let i = 0; i < N; i++) masked[i] = 1 - decoded[i];
  const gate = Float64Array.from(input.gate);
  for (let i = 0; i < N; i++) if (!(gate[i] >= 0 && gate[i] <= 1)) throw new RangeError(`gate must lie in [0, 1], got ${gate[i]} at flat index ${i}`);
  const top = topCandidates(input.probs, V, topK + 1, masked);
  const K1 = top.count;
  const k = Math.min(topK, V);
  const candidates = new Int32Array(N * k).fill(-1);
  const kept = new Float64Array(N); // m_i = Σ_{j≤k} top_ij
  const all = new Float64Array(N); // Σ_{j≤k+1} top_ij
  for (let i = 0; i < N; i++) {
    if (!masked[i]) continue;
    for (let j = 0; j < K1; j++) {
      const v = top.values[i * K1 + j];
      all[i] += v;
      if (j < k) {
        kept[i] += v;
        candidates[i * k + j] = top.ids[i * K1 + j];
      }
    }
  }
  // share_ij: the law of the token given that position i decodes, ∝ top_ij^(1/T) over its k candidates
  const share = new Float64Array(N * k);
  for (let i = 0; i < N; i++) {
    if (!masked[i]) continue;
    let z = 0;
    for (let j = 0; j < k; j++) {
      const v = top.values[i * K1 + j];
      const w = temperature === 0 ? (j === 0 ? 1 : 0) : temperature === 1 ? v : v > 0 ? Math.pow(v, 1 / temperature) : 0;
      share[i * k + j] = w;
      z += w;
    }
    for (let j = 0; j < k; j++) share[i * k + j] = z > 0 ? share[i * k + j] / z : j === 0 ? 1 : 0;
  }
  const W = k + 1;
  const rows = new Float64Array(N * W);
  const unmask = new Float64Array(N);
  let norm: Float64Array;
  if (mode === "matched") {
    norm = sNorm(kept, gate, masked, batch, length);
    for (let b = 0; b < batch; b++) {
      const o = b * length;
      const w = new Float64Array(length);
      let count = 0;
      for (let l = 0; l < length; l++) {
        w[l] = gate[o + l] * kept[o + l];
        count += masked[o + l];
      }
      const pi = matchUnmaskProbabilities(w, masked.subarray(o, o + length), (count * (t - s)) / t);
      for (let l = 0; l < length; l++) {
        const i = o + l;
        if (!masked[i]) continue;
        unmask[i] = pi[l];
        for (let j = 0; j < k; j++) rows[i * W + j] = pi[l] * share[i * k + j];
        rows[i * W + k] = 1 - pi[l];
      }
    }
  } else if (mode === "none") {
    norm = new Float64Array(batch).fill(1);
    for (let i = 0; i < N; i++) {
      if (!masked[i]) continue;
      unmask[i] = (gate[i] * (t - s)) / t;
      for (let j = 0; j < k; j++) rows[i * W + j] = unmask[i] * share[i * k + j];
      rows[i * W + k] = 1 - unmask[i];
    }
  } else {
    norm = sNorm(all, gate, masked, batch, length);
    for (let i = 0; i < N; i++) {
      if (!masked[i]) continue;
      const leave = kept[i] * gate[i] * norm[Math.floor(i / length)] * (t - s);
      const total = leave + s;
      if (!(total > 0)) {
        rows[i * W + k] = 1; // s = 0 and nothing gated open: stay MASK
        continue;
      }
      unmask[i] = leave / total;
      for (let j = 0; j < k; j++) rows[i * W + j] = unmask[i] * share[i * k + j];
      rows[i * W + k] = s / total;
    }
  }
  return { k, candidates, rows, unmask, gate, sNorm: norm, masked };
}

/**
 * Draws z_s from {@link ConvStepRows} (decoding.md §1 step 6): first which masked positions decode (Bernoulli with
 * π_i, {@link drawUnmaskPositions}), then each decoded position's token among its k candidates ∝ its row (i.e. ∝
 * top_ij). Unmasked positions are copied. Returns the new ids; `z` is not modified.
 */
export function drawConvolutionalStep(step: ConvStepRows, z: ArrayLike<number>, rng: SeededRng): Int32Array {
  if (z.length !== step.masked.length) throw new RangeError(`z must hold ${step.masked.length} entries like the step rows, got ${z.length}`);
  const out = Int32Array.from(z);
  const fire = drawUnmaskPositions(step.unmask, rng);
  const W = step.k + 1;
  for (let i = 0; i < out.length; i++) {
    if (!fire[i]) continue;
    const j = drawCandidate(step.rows, i * W, step.k, rng);
    out[i] = step.candidates[i * step.k + j];
  }
  return out;
}

/** One gated step end to end: {@link convolutionalStepRows} then {@link drawConvolutionalStep}. */
export function convolutionalStep(input: ConvStepInput, rng: SeededRng): { z: Int32Array; step: ConvStepRows } {
  const step = convolutionalStepRows(input);
  return { z: drawConvolutionalStep(step, input.z, rng), step };
}
