// Tests of semi-AR block decoding (decoding.md §2): the plan (counts per step, LLaDA's split), no token of block b+1
// before block b is complete (top-n by confidence and the 0/1 gate with a stochastic step), bad layouts named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { semiArPlan, semiArSelect, semiArGate, currentBlocks, blockWindow, blockOfStep } from "../../src/decoding/semi-ar";
import { drawUnmaskPositions } from "../../src/decoding/draw";

test("plan: blocks, steps per block and per-step counts (remainder first)", () => {
  const p = semiArPlan({ promptLength: 3, genLength: 20, blockLength: 10, steps: 8 });
  assert.equal(p.numBlocks, 2);
  assert.equal(p.stepsPerBlock, 4);
  assert.deepEqual(Array.from(p.counts), [3, 3, 2, 2, 3, 3, 2, 2]);
  assert.deepEqual(blockWindow(p, 1), [13, 23]);
  assert.equal(blockOfStep(p, 4), 1);
  assert.equal(semiArPlan({ promptLength: 0, genLength: 64, steps: 2 }).blockLength, 32);
  // n = B·blocks/S on average
  const q = semiArPlan({ promptLength: 0, genLength: 64, blockLength: 16, steps: 16 });
  assert.ok(q.counts.every((c) => c === (16 * 4) / 16));
});

test("top-n by confidence never decodes beyond the current block, and each block completes on its last step", () => {
  const rng = new SeededRng(31);
  for (const [gen, blk, steps] of [[24, 8, 6], [30, 10, 9], [16, 16, 5], [12, 4, 12]]) {
    const plan = semiArPlan({ promptLength: 2, genLength: gen, blockLength: blk, steps });
    const B = 2, L = 2 + gen + 3; // 3 trailing positions that are never generated
    const decoded = new Uint8Array(B * L);
    for (let b = 0; b < B; b++) decoded[b * L] = decoded[b * L + 1] = 1;
    for (let j = 0; j < steps; j++) {
      const block = blockOfStep(plan, j);
      const [start, end] = blockWindow(plan, block);
      const conf = Array.from({ length: B * L }, () => rng.uniform());
      const pick = semiArSelect(plan, j, conf, decoded, B, L);
      for (let b = 0; b < B; b++) {
        if (j % plan.stepsPerBlock === 0) assert.equal(pick[b].length, plan.counts[j], "an all-MASK block follows the plan's counts");
        for (const i of pick[b]) {
          const l = i - b * L;
          assert.ok(l >= start && l < end, `step ${j}: position ${l} outside block [${start}, ${end})`);
          assert.equal(decoded[i], 0);
          decoded[i] = 1;
        }
        // positions of later blocks are untouched
        for (let l = end; l < L; l++) assert.equal(decoded[b * L + l], 0);
        if ((j + 1) % plan.stepsPerBlock === 0) {
          for (let l = start; l < end; l++) assert.equal(decoded[b * L + l], 1, `block ${block} complete after its last step`);
          assert.equal(currentBlocks(plan, decoded, B, L)[b], block + 1);
        }
      }
    }
  }
});

test("semi-AR gate with a stochastic step: block b+1 gets weight 0 while block b holds a MASK", () => {
  const plan = semiArPlan({ promptLength: 1, genLength: 12, blockLength: 4, steps: 3 });
  const gate = semiArGate(plan);
  const rng = new SeededRng(41);
  const L = 13;
  const decoded = new Uint8Array(L);
  decoded[0] = 1;
  let lastBlock = 0;
  for (let it = 0; it < 200 && currentBlocks(plan, decoded)[0] < plan.numBlocks; it++) {
    const w = gate.weights(decoded, 1, L);
    const cur = currentBlocks(plan, decoded)[0];
    assert.ok(cur >= lastBlock);
    lastBlock = cur;
    const [start, end] = blockWindow(plan, cur);
    w.forEach((x, l) => assert.equal(x, l >= start && l < end ? 1 : 0));
    const fire = drawUnmaskPositions(Array.from(w, (x, l) => (decoded[l] ? 0 : 0.4 * x)), rng);
    fire.forEach((f, l) => {
      if (!f) return;
      assert.ok(l >= start && l < end, `decoded ${l} outside the current block [${start}, ${end})`);
      decoded[l] = 1;
    });
  }
  assert.equal(currentBlocks(plan, decoded)[0], plan.numBlocks, "the loop finished every block");
  assert.deepEqual(Array.from(gate.weights(decoded, 1, L)), new Array(L).fill(0));
});

test("bad layouts: one line naming the field", () => {
  const oneLine = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof RangeError && re.test(e.message) && !e.message.includes("\n"));
  oneLine(() => semiArPlan({ promptLength: 0, genLength: 30, blockLength: 8, steps: 8 }), /^blockLength must divide genLength \(30\), got 8$/);
  oneLine(() => semiArPlan({ promptLength: 0, genLength: 32, blockLength: 8, steps: 6 }), /^steps must be a multiple of the number of blocks/);
  oneLine(() => semiArPlan({ promptLength: 0, genLength: 32, blockLength: 0, steps: 4 }), /^blockLength must be an integer >= 1/);
  oneLine(() => semiArPlan({ promptLength: -1, genLength: 32, blockLength: 8, steps: 4 }), /^promptLength/);
  const plan = semiArPlan({ promptLength: 0, genLength: 8, blockLength: 4, steps: 2 });
  oneLine(() => semiArSelect(plan, 1, new Array(8).fill(1), new Array(8).fill(0)), /^step 1 is in block 1, but row 0 still has a MASK in block 0$/);
  oneLine(() => semiArSelect(plan, 2, new Array(8).fill(1), new Array(8).fill(0)), /^step must be an integer in \[0, 2\)/);
  oneLine(() => currentBlocks(plan, new Array(6).fill(0)), /^length must be >= promptLength \+ genLength = 8, got 6$/);
});
