// Tests of the R2FT config section (defaults, one error line naming the field) and of the training pairs built from
// text (prompt 32-64 tokens, response = continuation + one EOS, EOS filling, short documents skipped, seeded).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseR2ftConfig } from "../../src/r2ft/r2ft-config";
import { r2ftExamplesFromDocuments } from "../../src/r2ft/pairs";
import { buildR2ftNegative } from "../../src/r2ft/negatives";

const oneLine = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof RangeError && re.test(e.message) && !e.message.includes("\n"), `expected ${re}`);

test("R2FT config: the scripts' defaults, overrides, bad fields named", () => {
  assert.deepEqual(parseR2ftConfig(), { betaW: 1, betaL: 1, betaA: 0.1, gamma: 0, maxPhrase: 14, repeatMin: 30, repeatMax: 49, eosP: 1, promptMin: 32, promptMax: 64 });
  assert.equal(parseR2ftConfig({ betaA: 1, gamma: -0.5 }).gamma, -0.5);
  oneLine(() => parseR2ftConfig({ betaW: -1 }), /^r2ft\.betaW must be a finite number in \[0, ∞\], got -1$/);
  oneLine(() => parseR2ftConfig({ eosP: 2 }, "cfg.r2ft"), /^cfg\.r2ft\.eosP must be a finite number in \[0, 1\], got 2$/);
  oneLine(() => parseR2ftConfig({ maxPhrase: 0 }), /^r2ft\.maxPhrase must be an integer >= 1, got 0$/);
  oneLine(() => parseR2ftConfig({ repeatMin: 50, repeatMax: 40 }), /^r2ft\.repeatMax must be >= repeatMin \(50\), got 40$/);
  oneLine(() => parseR2ftConfig({ promptMin: 10, promptMax: 5 }), /^r2ft\.promptMax/);
  oneLine(() => parseR2ftConfig({ beta_w: 1 }), /^r2ft\.beta_w is not a known field/);
  oneLine(() => parseR2ftConfig({ gamma: "0" }), /^r2ft\.gamma must be a finite number/);
  oneLine(() => parseR2ftConfig(null), /^r2ft must be an object/);
});

test("pairs from documents: prompt 32-64, response up to the document's EOS, EOS fill, short docs skipped", () => {
  const EOS = 9;
  const doc = (n: number, v: number) => new Array(n).fill(v);
  const docs = [doc(200, 1), doc(80, 2), doc(20, 3), doc(64, 4)];
  const prompts = new Set<number>();
  for (let seed = 0; seed < 200; seed++) {
    const ex = r2ftExamplesFromDocuments(docs, { length: 128, eosId: EOS }, seed);
    for (const e of ex) {
      assert.equal(e.x0.length, 128);
      assert.ok(e.responseStart >= 32 && e.responseStart <= 64);
      prompts.add(e.responseStart);
    }
    const long = ex.find((e) => e.x0[0] === 1);
    assert.ok(long && long.responseEnd === 128 && Array.from(long.x0).every((v) => v === 1), "a long document fills L");
    const mid = ex.find((e) => e.x0[0] === 2);
    assert.ok(mid && mid.responseEnd === 81, "response = continuation + one EOS");
    assert.deepEqual(Array.from(mid.x0).slice(78, 83), [2, 2, EOS, EOS, EOS]);
    assert.ok(!ex.some((e) => e.x0[0] === 3), "a 20-token document has no response");
    // a 64-token document survives only when its prompt leaves a response
    const d64 = ex.find((e) => e.x0[0] === 4);
    if (d64) assert.ok(d64.responseStart < 64);
    // the examples feed the negative builder
    for (const e of ex) buildR2ftNegative(e, { maskId: 10, eosId: EOS }, seed);
  }
  assert.equal(prompts.size, 33, "prompt lengths cover 32..64");
  assert.deepEqual(r2ftExamplesFromDocuments(docs, { length: 128, eosId: EOS }, 3), r2ftExamplesFromDocuments(docs, { length: 128, eosId: EOS }, 3));
  // L shorter than the prompt range: the prompt is capped at L - 1
  const tiny = r2ftExamplesFromDocuments([doc(50, 1)], { length: 16, eosId: EOS }, 1);
  assert.deepEqual([tiny[0].responseStart, tiny[0].responseEnd], [15, 16]);
  oneLine(() => r2ftExamplesFromDocuments(docs, { length: 1, eosId: EOS }, 1), /^length must be an integer >= 2/);
  oneLine(() => r2ftExamplesFromDocuments(docs, { length: 64, eosId: EOS, promptMin: 40, promptMax: 30 }, 1), /^promptMax must be an integer >= promptMin \(40\), got 30$/);
});
