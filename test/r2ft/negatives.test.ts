// Tests of R2FT's rule-built negatives (decoding.md §3 "What to test"): the span lies within [c, c+50), its content is
// a cyclic shift of the g tokens before c, exactly one EOS when eosP = 1, nothing before c changes; the draws cover
// their ranges; clipping at the sequence end; batches; seeding; bad input named in one line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRng } from "../../src/util/rng";
import { buildR2ftNegative, buildR2ftBatch } from "../../src/r2ft/negatives";
import { checkR2ftNegativeOptions } from "../../src/r2ft/config";

const MASK = 100, EOS = 99;
const opts = { maskId: MASK, eosId: EOS };

function randomX0(rng: SeededRng, L: number): number[] {
  return Array.from({ length: L }, () => rng.int(20));
}

test("negatives follow the rules over many seeds", () => {
  const rng = new SeededRng(1);
  const gs = new Set<number>(), zs = new Set<number>(), cuts = new Set<number>();
  for (let rep = 0; rep < 2000; rep++) {
    const L = 128;
    const x0 = randomX0(rng, L);
    const r0 = 5 + rng.int(10), r1 = r0 + 1 + rng.int(L - r0 - 55);
    const neg = buildR2ftNegative({ x0, responseStart: r0, responseEnd: r1 }, opts, rng);
    const { cut: c, phraseLength: g, repeatLength: z, phase, eosPosition: e } = neg;
    cuts.add(c - r0);
    gs.add(g);
    zs.add(neg.drawnRepeatLength);
    assert.ok(c >= r0 && c < r1, `cut ${c} in [${r0}, ${r1})`);
    assert.ok(g >= 1 && g <= 14 && g <= c);
    assert.ok(z >= 30 && z <= 49 && c + z <= c + 50, "span within [c, c+50)");
    assert.equal(z, neg.drawnRepeatLength, "no clipping in a long sequence");
    // nothing before c changes; x_t is MASK from c on; x_b is MASK after the span
    for (let i = 0; i < c; i++) assert.ok(neg.xt[i] === x0[i] && neg.rejected[i] === x0[i], `position ${i} < c changed`);
    for (let i = c; i < L; i++) assert.equal(neg.xt[i], MASK);
    for (let i = c + z; i < L; i++) assert.equal(neg.rejected[i], MASK);
    // content: a cyclic shift of x0[c-g : c], except the single EOS
    let eosCount = 0;
    for (let j = 0; j < z; j++) {
      const v = neg.rejected[c + j];
      if (c + j === e) {
        assert.equal(v, EOS);
        eosCount++;
        continue;
      }
      assert.equal(v, x0[c - g + ((j + phase) % g)], `span position ${j}`);
    }
    assert.equal(eosCount, 1, "exactly one EOS when eosP = 1");
    assert.ok(e >= c && e < c + z - 1, "EOS in [c, c+z-1)");
    assert.equal(neg.rejected.filter((v) => v === EOS).length, 1);
    // masks
    for (let i = 0; i < L; i++) {
      assert.equal(neg.chosenMask[i], i >= c && i < r1 ? 1 : 0);
      assert.equal(neg.rejectedMask[i], i >= c && i < c + z ? 1 : 0);
    }
  }
  assert.equal(gs.size, 14, "g covers 1..14");
  assert.equal(zs.size, 20, "z covers 30..49");
  assert.deepEqual([Math.min(...zs), Math.max(...zs)], [30, 49]);
  assert.ok(cuts.has(0), "c can be the response start");
});

test("short prefixes cap g at c, the end of the sequence clips the span, eosP = 0 plants no EOS, seeds repeat", () => {
  const x0 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  for (let seed = 0; seed < 50; seed++) {
    const neg = buildR2ftNegative({ x0, responseStart: 1, responseEnd: 10 }, { ...opts, eosP: 0 }, seed);
    assert.ok(neg.phraseLength <= neg.cut);
    assert.equal(neg.repeatLength, 10 - neg.cut, "clipped at L");
    assert.equal(neg.eosPosition, -1);
    assert.ok(!neg.rejected.includes(EOS));
    assert.ok(neg.drawnRepeatLength >= 30);
  }
  // a 1-position span cannot hold an EOS before its last position
  const last = buildR2ftNegative({ x0, responseStart: 9, responseEnd: 10 }, opts, 1);
  assert.equal(last.cut, 9);
  assert.equal(last.eosPosition, -1);
  const a = buildR2ftNegative({ x0, responseStart: 2, responseEnd: 9 }, opts, 7);
  const b = buildR2ftNegative({ x0, responseStart: 2, responseEnd: 9 }, opts, 7);
  assert.deepEqual(a, b);
  // a custom repeat range
  const r = buildR2ftNegative({ x0: new Array(60).fill(1), responseStart: 2, responseEnd: 5 }, { ...opts, repeatMin: 3, repeatMax: 3 }, 3);
  assert.equal(r.repeatLength, 3);
});

test("batches stack the negatives row by row with one generator", () => {
  const rng = new SeededRng(4);
  const ex = [0, 1, 2].map(() => ({ x0: randomX0(rng, 70), responseStart: 10, responseEnd: 20 }));
  const batch = buildR2ftBatch(ex, opts, 9);
  assert.equal(batch.batch, 3);
  assert.equal(batch.length, 70);
  const again = new SeededRng(9);
  ex.forEach((e, b) => {
    const neg = buildR2ftNegative(e, opts, again);
    assert.deepEqual(batch.negatives[b], neg);
    assert.deepEqual(Array.from(batch.rejected.subarray(b * 70, b * 70 + 70)), Array.from(neg.rejected));
    assert.deepEqual(Array.from(batch.rejectedMask.subarray(b * 70, b * 70 + 70)), Array.from(neg.rejectedMask));
    assert.deepEqual(Array.from(batch.x0.subarray(b * 70, b * 70 + 70)), e.x0);
  });
  assert.throws(() => buildR2ftBatch([ex[0], { ...ex[1], x0: [1, 2] }], opts, 1), /^RangeError: x0 of example 1 must have length 70/);
});

test("bad input: one line naming the field", () => {
  const oneLine = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof RangeError && re.test(e.message) && !e.message.includes("\n"));
  const x0 = [1, 2, 3, 4, 5, 6];
  oneLine(() => buildR2ftNegative({ x0, responseStart: 0, responseEnd: 4 }, opts, 1), /^responseStart must be an integer >= 1/);
  oneLine(() => buildR2ftNegative({ x0, responseStart: 3, responseEnd: 3 }, opts, 1), /^responseEnd must be an integer in/);
  oneLine(() => buildR2ftNegative({ x0, responseStart: 3, responseEnd: 7 }, opts, 1), /^responseEnd/);
  oneLine(() => buildR2ftNegative({ x0: [1, MASK, 3], responseStart: 1, responseEnd: 3 }, opts, 1), /^x0 must not hold the MASK id/);
  oneLine(() => checkR2ftNegativeOptions({ ...opts, maxPhrase: 0 }), /^maxPhrase must be an integer >= 1, got 0$/);
  oneLine(() => checkR2ftNegativeOptions({ ...opts, repeatMin: 40, repeatMax: 30 }), /^repeatMax must be >= repeatMin \(40\), got 30$/);
  oneLine(() => checkR2ftNegativeOptions({ ...opts, eosP: 1.5 }), /^eosP must be a number in \[0, 1\]/);
  oneLine(() => checkR2ftNegativeOptions({ maskId: 5, eosId: 5 }), /^eosId must differ from maskId/);
});
