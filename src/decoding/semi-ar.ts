// Semi-AR block decoding (decoding.md §2): the generation is split into blocks of length B, block b is decoded
// fully before block b+1 starts; within a block either the base sampler (behind a 0/1 gate) or top-n by confidence.
import { checkBlockLayout, checkCount, checkLayout } from "./config";
import { PositionGate } from "./gate";
import { topNPositions } from "./confidence";

/** Options of {@link semiArPlan}: the generation occupies [promptLength, promptLength + genLength) of each row. */
export interface SemiArOptions {
  promptLength: number;
  genLength: number;
  /** B (default 32, decoding.md §2); must divide genLength. */
  blockLength?: number;
  /** S, total steps; must be a multiple of genLength/B. */
  steps: number;
}

/** The block layout and step budget of a semi-AR run. */
export interface SemiArPlan {
  promptLength: number;
  genLength: number;
  blockLength: number;
  numBlocks: number;
  steps: number;
  stepsPerBlock: number;
  /**
   * Tokens decoded at each step from an all-MASK generation: n = B·blocks/S on average, the remainder front-loaded
   * (LLaDA `get_num_transfer_tokens`): e.g. B = 10, 4 steps per block → 3, 3, 2, 2.
   */
  counts: Int32Array;
}

/** Validates the layout (one error line naming the field) and returns the plan (decoding.md §2). */
export function semiArPlan(options: SemiArOptions): SemiArPlan {
  const promptLength = checkCount(options.promptLength, "promptLength");
  const blockLength = options.blockLength ?? 32;
  const { numBlocks, stepsPerBlock } = checkBlockLayout(options.genLength, blockLength, options.steps);
  const counts = new Int32Array(options.steps);
  for (let j = 0; j < options.steps; j++) {
    const r = j % stepsPerBlock;
    counts[j] = Math.floor(blockLength / stepsPerBlock) + (r < blockLength % stepsPerBlock ? 1 : 0);
  }
  return { promptLength, genLength: options.genLength, blockLength, numBlocks, steps: options.steps, stepsPerBlock, counts };
}

/** [start, end) of block b in row coordinates. */
export function blockWindow(plan: SemiArPlan, block: number): [number, number] {
  if (!Number.isInteger(block) || block < 0 || block >= plan.numBlocks) throw new RangeError(`block must be an integer in [0, ${plan.numBlocks}), got ${block}`);
  const start = plan.promptLength + block * plan.blockLength;
  return [start, start + plan.blockLength];
}

/** The block that step j (0-based) belongs to: floor(j / stepsPerBlock). */
export function blockOfStep(plan: SemiArPlan, step: number): number {
  if (!Number.isInteger(step) || step < 0 || step >= plan.steps) throw new RangeError(`step must be an integer in [0, ${plan.steps}), got ${step}`);
  return Math.floor(step / plan.stepsPerBlock);
}

function checkRows(plan: SemiArPlan, size: number, batch: number, length: number, field: string): void {
  checkLayout(size, batch, length, field);
  if (plan.promptLength + plan.genLength > length) throw new RangeError(`length must be >= promptLength + genLength = ${plan.promptLength + plan.genLength}, got ${length}`);
}

/** Per row, the first block that still holds an undecoded position (numBlocks when the generation is complete). */
export function currentBlocks(plan: SemiArPlan, decoded: ArrayLike<number>, batch = 1, length = decoded.length / batch): Int32Array {
  checkRows(plan, decoded.length, batch, length, "decoded");
  const out = new Int32Array(batch).fill(plan.numBlocks);
  for (let b = 0; b < batch; b++) {
    for (let l = plan.promptLength; l < plan.promptLength + plan.genLength; l++) {
      if (!decoded[b * length + l]) {
        out[b] = Math.floor((l - plan.promptLength) / plan.blockLength);
        break;
      }
    }
  }
  return out;
}

/**
 * Semi-AR as a {@link PositionGate} for a stochastic base sampler (decoding.md §2, "within a block, use the base
 * sampler"): weight 1 on the positions of each row's current block, 0 elsewhere, so no position of block b+1 can be
 * decoded while block b has a MASK. The block advances with the state, not the step. With the MDLM step use
 * `gatedStepRows(..., normalization: 'none')` and a time grid that runs 1 -> 0 within each block (S/blocks steps),
 * then an argmax fill of what is left in the block. (The reference's MDLM `_sample_semi_ar` instead runs S/blocks
 * steps over the whole sequence, fills it by argmax and re-masks everything after the current block; the gate gives
 * the same block order without decoding positions that are thrown away.)
 */
export function semiArGate(plan: SemiArPlan): PositionGate {
  return {
    name: `semi-ar(B=${plan.blockLength})`,
    weights(decoded, batch, length) {
      const cur = currentBlocks(plan, decoded, batch, length);
      const out = new Float64Array(batch * length);
      for (let b = 0; b < batch; b++) {
        if (cur[b] >= plan.numBlocks) continue;
        const [start, end] = blockWindow(plan, cur[b]);
        out.fill(1, b * length + start, b * length + end);
      }
      return out;
    },
  };
}

/**
 * The positions to decode at step j with top-n by confidence (decoding.md §2): eligible = the MASK positions of the
 * block of step j; n = ceil(remaining / steps left in the block), which equals `plan.counts[j]` from an all-MASK
 * block and decodes everything left at the block's last step, so block b is complete before block b+1 starts.
 * Throws if the step's block is not the row's current block (an earlier block still holds a MASK).
 */
export function semiArSelect(plan: SemiArPlan, step: number, confidence: ArrayLike<number>, decoded: ArrayLike<number>, batch = 1, length = decoded.length / batch): Int32Array[] {
  checkRows(plan, decoded.length, batch, length, "decoded");
  checkLayout(confidence.length, batch, length, "confidence");
  const block = blockOfStep(plan, step);
  const cur = currentBlocks(plan, decoded, batch, length);
  const [start, end] = blockWindow(plan, block);
  const left = plan.stepsPerBlock - (step % plan.stepsPerBlock);
  const eligible = new Uint8Array(batch * length);
  const n = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    if (cur[b] < block) throw new RangeError(`step ${step} is in block ${block}, but row ${b} still has a MASK in block ${cur[b]}`);
    let remaining = 0;
    for (let l = start; l < end; l++) {
      const i = b * length + l;
      if (!decoded[i]) {
        eligible[i] = 1;
        remaining++;
      }
    }
    n[b] = Math.ceil(remaining / left);
  }
  return topNPositions(confidence, eligible, n, batch, length);
}
