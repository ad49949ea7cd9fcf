// The confidence-based drop-in (decoding.md §1 "Confidence-based drop-in", `lladaconv`): for samplers that decode
// the n most confident positions per step, confidence_i = p_i(argmax)·tanh(κ·u_i), then the usual top-n.
import { checkCount, checkLayout } from "./config";
import { boxFilterGateValues, EmptyRowRule } from "./box-filter";
import { decodedMask } from "./gate";
import type { StepArrays } from "./conv-step";

/** The argmax of each row of a flat [rows * V] table: ids and values (ties: the lower id). */
export function rowArgmax(probs: ArrayLike<number>, vocabSize: number): { ids: Int32Array; values: Float64Array } {
  const V = vocabSize;
  if (!Number.isInteger(V) || V < 1) throw new RangeError(`vocabSize must be a positive integer, got ${V}`);
  if (probs.length % V !== 0) throw new RangeError(`probs must hold rows * vocabSize (${V}) entries, got ${probs.length}`);
  const rows = probs.length / V;
  const ids = new Int32Array(rows);
  const values = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (probs[r * V + v] > probs[r * V + best]) best = v;
    ids[r] = best;
    values[r] = probs[r * V + best];
  }
  return { ids, values };
}

/** confidence_i = p_i(argmax)·gate_i, with the gate s_i = tanh(κ·u_i) and no s_norm (decoding.md §1 drop-in). */
export function gatedConfidence(maxProb: ArrayLike<number>, gate: ArrayLike<number>): Float64Array {
  if (maxProb.length !== gate.length) throw new RangeError(`maxProb and gate must have the same length, got ${maxProb.length} and ${gate.length}`);
  const out = new Float64Array(maxProb.length);
  for (let i = 0; i < out.length; i++) out[i] = maxProb[i] * gate[i];
  return out;
}

/**
 * The `n[b]` eligible positions of each row with the highest score (ties: the lower position), as flat indices
 * sorted ascending. `n` is one count for every row or one per row; a row with fewer eligible positions returns
 * them all. With gated scores, positions scoring 0 (no decoded neighbour) are only taken once nothing else is left
 * unless `positiveOnly` is set, which never takes a score <= 0.
 */
export function topNPositions(
  scores: ArrayLike<number>,
  eligible: ArrayLike<number>,
  n: number | ArrayLike<number>,
  batch = 1,
  length = scores.length / batch,
  positiveOnly = false,
): Int32Array[] {
  checkLayout(scores.length, batch, length, "scores");
  checkLayout(eligible.length, batch, length, "eligible");
  if (typeof n !== "number" && n.length !== batch) throw new RangeError(`n must be a count or one count per row (${batch}), got ${n.length}`);
  const out: Int32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const want = checkCount(typeof n === "number" ? n : n[b], "n");
    const idx: number[] = [];
    for (let l = 0; l < length; l++) {
      const i = b * length + l;
      if (!eligible[i]) continue;
      if (Number.isNaN(scores[i])) throw new RangeError(`scores must not be NaN, got NaN at flat index ${i}`);
      if (!positiveOnly || scores[i] > 0) idx.push(i);
    }
    idx.sort((x, y) => scores[y] - scores[x] || x - y);
    out.push(Int32Array.from(idx.slice(0, want)).sort());
  }
  return out;
}

/** Input of {@link selectByGatedConfidence}: host arrays of one batch at one step. */
export interface ConfidenceSelectInput extends StepArrays {
  /** K (odd) and κ of the gate, and the empty-row rule (see boxFilterGateValues). */
  kernelSize: number;
  convMult?: number;
  emptyRow?: EmptyRowRule;
  /** How many positions to decode: one count, or one per row. */
  n: number | ArrayLike<number>;
  /** Restrict the choice further (e.g. a semi-AR block), 0/1 per position; MASK positions only in any case. */
  eligible?: ArrayLike<number>;
}

/**
 * The confidence drop-in in one call (decoding.md §1, `lladaconv`): gate s_i from the decoded mask, confidence
 * p_i(argmax)·s_i on the MASK positions, the top-n per row, and the argmax token of each chosen position.
 */
export function selectByGatedConfidence(input: ConfidenceSelectInput): { positions: Int32Array[]; tokens: Int32Array[]; confidence: Float64Array } {
  const { batch, length, vocabSize: V } = input;
  checkLayout(input.z.length, batch, length, "z");
  if (input.probs.length !== batch * length * V) throw new RangeError(`probs must hold batch * length * vocabSize = ${batch * length * V} entries, got ${input.probs.length}`);
  if (input.eligible !== undefined) checkLayout(input.eligible.length, batch, length, "eligible");
  const decoded = decodedMask(input.z, input.maskId ?? V);
  const gate = boxFilterGateValues(decoded, { kernelSize: input.kernelSize, convMult: input.convMult, emptyRow: input.emptyRow }, batch, length);
  const { ids, values } = rowArgmax(input.probs, V);
  const confidence = gatedConfidence(values, gate);
  const eligible = new Uint8Array(batch * length);
  for (let i = 0; i < eligible.length; i++) eligible[i] = !decoded[i] && (input.eligible === undefined || input.eligible[i]) ? 1 : 0;
  const positions = topNPositions(confidence, eligible, input.n, batch, length);
  return { positions, tokens: positions.map((p) => Int32Array.from(p, (i) => ids[i])), confidence };
}
