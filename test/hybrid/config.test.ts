// Tests of the chained hybrid's config (defaults, one-line errors naming the field) and its time map (hybrid.md §1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeHybridChainConfig } from "../../src/hybrid/config";
import { ChainedSchedule, continuousDepth } from "../../src/hybrid/time";
import { VpSchedule } from "../../src/schedules/diffusion-lm";

test("defaults: a = 0.35, b = 0.75, p_a = a, ᾱ_b = 0.5, steps proportional to the lengths summing to 128", () => {
  const c = makeHybridChainConfig();
  assert.equal(c.a, 0.35);
  assert.equal(c.b, 0.75);
  assert.equal(c.maskAtA, 0.35);
  assert.equal(c.alphaBarAtB, 0.5);
  assert.equal(c.chain, "chained");
  assert.equal(c.shareBackbone, true);
  assert.equal(c.d2Form, "ctmc");
  assert.equal(c.steps.D1 + c.steps.C + c.steps.D2, 128);
  assert.ok(Math.abs(c.steps.D1 - 0.35 * 128) <= 1 && Math.abs(c.steps.C - 0.4 * 128) <= 1 && Math.abs(c.steps.D2 - 0.25 * 128) <= 1);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.steps));
  const d = makeHybridChainConfig({ split: { a: 0.2, b: 0.6 }, steps: { C: 7 } });
  assert.equal(d.maskAtA, 0.2);
  assert.equal(d.steps.C, 7);
  const e = makeHybridChainConfig({ split: { a: 0.5, b: 0.5 } });
  assert.equal(e.steps.C, 0);
  const z = makeHybridChainConfig({ split: { a: 0, b: 0.5 } });
  assert.equal(z.maskAtA, 0);
  assert.equal(z.steps.D1, 0);
});

test("bad input: one line naming the field", () => {
  const cases: [Parameters<typeof makeHybridChainConfig>[0], RegExp][] = [
    [{ split: { a: 0.8, b: 0.5 } }, /^hybrid config: split\.a must be <= split\.b/],
    [{ split: { a: -0.1 } }, /^hybrid config: split\.a must be a number in \[0, 1\]/],
    [{ split: { b: 1.5 } }, /^hybrid config: split\.b must be a number in \[0, 1\]/],
    [{ split: { a: Number.NaN } }, /split\.a/],
    [{ split: { b: 1 } }, /^hybrid config: split\.b must be < 1/],
    [{ alphaBarAtB: 0 }, /^hybrid config: alphaBarAtB must be a number in \(0, 1\)/],
    [{ alphaBarAtB: 1 }, /alphaBarAtB/],
    [{ alphaBarAtB: 1.2 }, /alphaBarAtB/],
    [{ maskAtA: 0 }, /^hybrid config: maskAtA must be a number in \(0, 1\)/],
    [{ maskAtA: 1 }, /maskAtA/],
    [{ maskAtA: -0.5 }, /maskAtA/],
    [{ split: { a: 0, b: 0.5 }, maskAtA: 0.3 }, /maskAtA must be 0 or unset when split\.a = 0/],
    [{ steps: { D1: 0 } }, /^hybrid config: steps\.D1 must be an integer >= 1 for a non-empty segment/],
    [{ steps: { C: 0 } }, /steps\.C/],
    [{ steps: { D2: 0 } }, /steps\.D2/],
    [{ steps: { D2: 2.5 } }, /steps\.D2/],
    [{ split: { a: 0.5, b: 0.5 }, steps: { C: 3 } }, /steps\.C must be 0 for an empty segment/],
    [{ chain: "both" as never }, /^hybrid config: chain/],
    [{ d2Form: "kl" as never }, /^hybrid config: d2Form/],
    [{ vpKind: "exp" as never }, /^hybrid config: vpKind/],
  ];
  for (const [opts, re] of cases) {
    assert.throws(
      () => makeHybridChainConfig(opts),
      (e: Error) => {
        assert.match(e.message, re, JSON.stringify(opts));
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      },
    );
  }
  // ᾱ_b at or above ᾱ(a) (≈ 0.99 for sqrt) leaves C without room; with a = b it is allowed (C is empty).
  assert.throws(() => makeHybridChainConfig({ alphaBarAtB: 0.995 }), /hybrid config: alphaBarAtB must lie in/);
  assert.equal(makeHybridChainConfig({ alphaBarAtB: 0.995, split: { a: 0.5, b: 0.5 } }).alphaBarAtB, 0.995);
  // The linear VP schedule has ᾱ(0) = 1 (infinite SNR at a).
  assert.throws(() => makeHybridChainConfig({ vpKind: "linear" }), /hybrid config: vpKind must have/);
});

test("time map: segments, μ₁(a) = p_a, μ₂ from 0 to 1, ᾱ from ᾱ(a) ≈ 0.99 down to ᾱ_b, dSNR/du by finite differences", () => {
  for (const kind of ["sqrt", "cosine"] as const) {
    for (const abB of [0.2, 0.5, 0.9]) {
      const s = new ChainedSchedule(makeHybridChainConfig({ alphaBarAtB: abB, maskAtA: 0.6, vpKind: kind }));
      assert.equal(s.segmentOf(0), "D1");
      assert.equal(s.segmentOf(0.3499), "D1");
      assert.equal(s.segmentOf(0.35), "C");
      assert.equal(s.segmentOf(0.75), "D2");
      assert.equal(s.segmentOf(1), "D2");
      assert.ok(Math.abs(s.maskD1(0.35) - 0.6) < 1e-15);
      assert.equal(s.maskD1(0), 0);
      assert.equal(s.maskD2(0.75), 0);
      assert.equal(s.maskD2(1), 1);
      assert.ok(Math.abs(s.alphaBarAtA - new VpSchedule(kind).alpha(0)) < 1e-15);
      assert.ok(Math.abs(s.vp.alpha(s.depth) - abB) < 1e-9, `${kind} depth solve`);
      assert.equal(s.alphaBar(0.75), abB);
      let prev = Infinity;
      for (let i = 0; i <= 100; i++) {
        const u = 0.35 + (0.4 * i) / 100;
        const ab = s.alphaBar(u);
        assert.ok(ab < prev && ab > 0 && ab < 1);
        prev = ab;
      }
      for (const u of [0.36, 0.5, 0.7]) {
        const h = 1e-6;
        const fd = (s.snr(u + h) - s.snr(u - h)) / (2 * h);
        assert.ok(Math.abs(fd - s.snrPrime(u)) <= 1e-5 * Math.abs(fd), `${kind} SNR' at ${u}: ${fd} vs ${s.snrPrime(u)}`);
        assert.ok(s.continuousWeight(u) > 0);
      }
    }
  }
  assert.ok(Math.abs(continuousDepth(new VpSchedule("sqrt"), 0.5) - (0.25 - 1e-4)) < 1e-15);
  const s = new ChainedSchedule(makeHybridChainConfig());
  assert.throws(() => s.maskD1(0.5), /D1/);
  assert.throws(() => s.maskD2(0.5), /D2/);
  assert.throws(() => s.alphaBar(0.8), /C/);
  assert.throws(() => s.segmentOf(1.5), /u must be/);
});
