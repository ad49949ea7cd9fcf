// The decoding option of the one sampler loop (decoding.md §1-§2): how a GridSampler step becomes a convolutional,
// confidence or semi-AR step. The sampler supplies its posterior rows, draw and final denoise (DecodingAccess); this
// file turns a parsed DecodingConfig into the per-step transition that replaces the plain one.
import { tf } from "../engine/tf";
import { SeededRng } from "../util/rng";
import type { DecodingConfig, DecodingKind } from "../decoding/decoding-config";
import { boxFilterGateValues } from "../decoding/box-filter";
import { decodedMask } from "../decoding/gate";
import { convolutionalStep } from "../decoding/conv-step";
import { gateHdlmMaskRows } from "../decoding/hdlm-gate";
import { rowArgmax, selectByGatedConfidence } from "../decoding/confidence";
import { semiArPlan, semiArSelect, blockOfStep, blockWindow, SemiArPlan } from "../decoding/semi-ar";

/** What a decoder needs from its sampler (GridSampler exposes its protected hooks through this). */
export interface DecodingAccess {
  /** The sampler's name (for error lines). */
  readonly name: string;
  /** The decoding kinds this sampler takes besides 'plain'. */
  readonly kinds: readonly DecodingKind[];
  /** V: real tokens 0..V-1, MASK = V. */
  readonly vocabSize: number;
  /** W: width of the posterior rows (V + 1 + clusters). */
  readonly stateWidth: number;
  /** Host posterior rows [B*L*W] of the plain step t -> s. */
  rows(out: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, s: number): Float32Array;
  /** The plain per-position draw from a row. */
  draw(rows: Float32Array, offset: number, current: number, rng: SeededRng): number;
  /** The final denoise in place at time t. */
  finalize(out: tf.Tensor3D, z: Int32Array, B: number, L: number, t: number, rng: SeededRng, fixed: Uint8Array | null): void;
  /** The (t, s) pairs of an n-step run (one semi-AR block with the base sampler runs its own grid). */
  blockPairs(steps: number): Array<[number, number]>;
  /** MDLM only: the mask probabilities (1 − α) at t and s, the times of the paper's SUBS step ('conv'). */
  convTimes?(t: number, s: number): [number, number];
}

/** The run a decoder is built for. */
export interface DecodingRun {
  B: number;
  L: number;
  /** Stochastic steps S of the run. */
  steps: number;
  /** 1 at prompt positions (null = no prompt). */
  fixed: Uint8Array | null;
}

/** One decoding rule bound to a sampler and a run. */
export interface Decoder {
  readonly name: string;
  /** Step j (0-based) t -> s in place on z, given the model output of this step; returns whether z changed. */
  transition(out: tf.Tensor3D, z: Int32Array, step: number, t: number, s: number, rng: SeededRng): boolean;
}

/**
 * The prompt as a prefix: the number of leading fixed positions, the same in every row, with nothing fixed after it
 * (semi-AR blocks tile [P, L)). One error line naming `prompt` otherwise.
 */
export function promptPrefixLength(fixed: Uint8Array | null, B: number, L: number): number {
  if (fixed === null) return 0;
  let P = 0;
  while (P < L && fixed[P]) P++;
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      if ((fixed[b * L + l] === 1) !== l < P) throw new RangeError(`prompt must be a prefix of the same length in every row for semi-AR decoding (row 0 fixes the first ${P} positions; row ${b} differs at position ${l})`);
    }
  }
  return P;
}

/** Copies `next` into `z` at the free positions; returns whether anything changed. */
function assign(z: Int32Array, next: ArrayLike<number>, fixed: Uint8Array | null): boolean {
  let changed = false;
  for (let i = 0; i < z.length; i++) {
    if ((fixed !== null && fixed[i] === 1) || next[i] === z[i]) continue;
    z[i] = next[i];
    changed = true;
  }
  return changed;
}

/** Draws every free position of `positions` (default all) from `rows` with the sampler's draw, in place. */
function drawRows(access: DecodingAccess, rows: Float32Array, z: Int32Array, rng: SeededRng, fixed: Uint8Array | null, from = 0, to = z.length, L = z.length): boolean {
  const W = access.stateWidth;
  let changed = false;
  for (let i = 0; i < z.length; i++) {
    const l = i % L;
    if (l < from || l >= to || (fixed !== null && fixed[i] === 1)) continue;
    const next = access.draw(rows, i * W, z[i], rng);
    if (next !== z[i]) changed = true;
    z[i] = next;
  }
  return changed;
}

/** Decodes the chosen positions of each row to the argmax token of the model output (confidence rules). */
function decodeArgmax(z: Int32Array, positions: Int32Array[], ids: Int32Array): boolean {
  let changed = false;
  for (const row of positions) {
    for (const i of row) {
      changed = changed || z[i] !== ids[i];
      z[i] = ids[i];
    }
  }
  return changed;
}

/**
 * Binds a decoding config to a sampler and a run (decoding.md §1-§2); null for 'plain' (the sampler's own step, bit
 * for bit). One error line naming the field for a kind the sampler does not take or a semi-AR layout that does not
 * tile the generation. Kinds:
 * - 'conv' (MDLM): the paper's SUBS step with the box-filter gate, top-k candidates and s_norm;
 * - 'hdlm-conv' (HDLM, GIDD, MDLM): the sampler's own rows with the MASK-departure gate of `gateHdlmMaskRows`
 *   (for HDLM the MASK -> cluster move; hdlm-lab's extension, not the paper's);
 * - 'confidence': the n = ceil(|M| / steps left) most confident MASK positions by p_max·tanh(κu) decode to their
 *   argmax token (low-confidence remasking's selection with the gate; every row done after the last step);
 * - 'semi-ar': blocks of B after the prompt, block b complete before b+1; 'confidence' picks top-n per block by
 *   p_max, 'base' runs the sampler's own step inside the block on a block-local time grid (the model still sees
 *   the global time) and fills what is left of the block by the sampler's final denoise at the block's end.
 */
export function makeDecoder(access: DecodingAccess, config: DecodingConfig, run: DecodingRun): Decoder | null {
  if (config.kind === "plain") return null;
  if (!access.kinds.includes(config.kind)) {
    throw new RangeError(`decoding.kind ${JSON.stringify(config.kind)} is not available for ${access.name} (available: "plain"${access.kinds.map((k) => `, "${k}"`).join("")})`);
  }
  const { B, L, fixed } = run;
  const V = access.vocabSize;
  switch (config.kind) {
    case "conv": {
      const convTimes = access.convTimes;
      if (convTimes === undefined) throw new RangeError(`decoding.kind "conv" needs an MDLM (SUBS) step; ${access.name} has none`);
      return {
        name: `conv(K=${config.kernelSize}, k=${config.topK})`,
        transition(out, z, _step, t, s, rng) {
          const [mt, ms] = convTimes(t, s);
          const probs = out.dataSync() as Float32Array;
          const { z: next } = convolutionalStep({ probs, z, batch: B, length: L, vocabSize: V, t: mt, s: ms, topK: config.topK, kernelSize: config.kernelSize, convMult: config.convMult, emptyRow: config.emptyRow, normalization: config.normalization, temperature: config.temperature }, rng);
          return assign(z, next, fixed);
        },
      };
    }
    case "hdlm-conv":
      return {
        name: `hdlm-conv(K=${config.kernelSize})`,
        transition(out, z, _step, t, s, rng) {
          const rows = access.rows(out, z, B, L, t, s);
          const gate = boxFilterGateValues(decodedMask(z, V), config, B, L);
          const gated = gateHdlmMaskRows(rows, z, gate, { batch: B, length: L, vocabSize: V, numClusters: access.stateWidth - V - 1 });
          return drawRows(access, Float32Array.from(gated), z, rng, fixed, 0, L, L);
        },
      };
    case "confidence":
      return {
        name: `confidence(K=${config.kernelSize})`,
        transition(out, z, step) {
          const left = Math.max(1, run.steps - step);
          const n = new Int32Array(B);
          for (let b = 0; b < B; b++) {
            let masked = 0;
            for (let l = 0; l < L; l++) if (z[b * L + l] === V) masked++;
            n[b] = Math.ceil(masked / left);
          }
          const probs = out.dataSync() as Float32Array;
          const { positions, tokens } = selectByGatedConfidence({ probs, z, batch: B, length: L, vocabSize: V, maskId: V, kernelSize: config.kernelSize, convMult: config.convMult, emptyRow: config.emptyRow, n });
          let changed = false;
          positions.forEach((row, b) =>
            row.forEach((i, j) => {
              changed = changed || z[i] !== tokens[b][j];
              z[i] = tokens[b][j];
            }),
          );
          return changed;
        },
      };
    case "semi-ar": {
      const P = promptPrefixLength(fixed, B, L);
      let plan: SemiArPlan;
      try {
        plan = semiArPlan({ promptLength: P, genLength: L - P, blockLength: config.blockLength, steps: run.steps });
      } catch (e) {
        throw new RangeError(`decoding.${(e as Error).message} (generation length = L - prompt = ${L} - ${P})`);
      }
      const undecoded = (z: Int32Array) => Uint8Array.from(z, (id) => (id < V ? 1 : 0));
      if (config.select === "confidence") {
        return {
          name: `semi-ar(B=${plan.blockLength}, confidence)`,
          transition(out, z, step) {
            const { ids, values } = rowArgmax(out.dataSync() as Float32Array, V);
            return decodeArgmax(z, semiArSelect(plan, step, values, undecoded(z), B, L), ids);
          },
        };
      }
      const pairs = access.blockPairs(plan.stepsPerBlock);
      return {
        name: `semi-ar(B=${plan.blockLength}, base)`,
        transition(out, z, step, _t, _s, rng) {
          const [from, to] = blockWindow(plan, blockOfStep(plan, step));
          const [tb, sb] = pairs[step % plan.stepsPerBlock];
          let changed = drawRows(access, access.rows(out, z, B, L, tb, sb), z, rng, fixed, from, to, L);
          if (step % plan.stepsPerBlock === plan.stepsPerBlock - 1) {
            // the block's end: what is still undecided in it takes the sampler's final denoise
            const done = z.slice();
            access.finalize(out, done, B, L, sb, rng, fixed);
            for (let i = 0; i < z.length; i++) {
              const l = i % L;
              if (l < from || l >= to || done[i] === z[i]) continue;
              z[i] = done[i];
              changed = true;
            }
          }
          return changed;
        },
      };
    }
  }
}
