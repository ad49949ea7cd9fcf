// Tests of the decoding config (decoding.md §1-§2): defaults, K from the block length, and one error line naming the
// field for an even or non-positive kernel size, top-k < 1, a block length that does not divide the generation, etc.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDecodingConfig, checkDecodingForRun } from "../../src/decoding/decoding-config";

const oneLine = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof RangeError && re.test(e.message) && !e.message.includes("\n"), `expected ${re}`);

test("defaults and K = block length made odd", () => {
  assert.deepEqual(parseDecodingConfig({ kind: "plain" }), { kind: "plain" });
  assert.deepEqual(parseDecodingConfig({ kind: "conv", blockLength: 64 }), {
    kind: "conv",
    kernelSize: 65,
    convMult: 1,
    emptyRow: "closed",
    topK: 5,
    normalization: "matched",
    temperature: 1,
  });
  assert.deepEqual(parseDecodingConfig({ kind: "conv", kernelSize: 51, topK: 1, normalization: "reference", emptyRow: "open", convMult: 2, temperature: 0 }), {
    kind: "conv",
    kernelSize: 51,
    convMult: 2,
    emptyRow: "open",
    topK: 1,
    normalization: "reference",
    temperature: 0,
  });
  assert.deepEqual(parseDecodingConfig({ kind: "confidence", kernelSize: 3 }), { kind: "confidence", kernelSize: 3, convMult: 1, emptyRow: "closed" });
  assert.deepEqual(parseDecodingConfig({ kind: "hdlm-conv", blockLength: 31 }), { kind: "hdlm-conv", kernelSize: 31, convMult: 1, emptyRow: "closed" });
  assert.deepEqual(parseDecodingConfig({ kind: "semi-ar" }), { kind: "semi-ar", blockLength: 32, select: "confidence" });
  checkDecodingForRun(parseDecodingConfig({ kind: "semi-ar", blockLength: 16 }), { genLength: 64, steps: 8 });
  checkDecodingForRun(parseDecodingConfig({ kind: "conv", kernelSize: 5 }), { genLength: 63, steps: 7 });
});

test("bad input: one error line naming the field", () => {
  for (const K of [4, 0, -1, 2.5, "3"]) oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: K }), /^decoding\.kernelSize must be an odd positive integer/);
  oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: 5, topK: 0 }), /^decoding\.topK must be an integer >= 1, got 0$/);
  oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: 5, topK: 1.5 }), /^decoding\.topK/);
  oneLine(() => parseDecodingConfig({ kind: "conv" }), /^decoding\.kernelSize is required/);
  oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: 5, blockLength: 4 }), /^decoding\.kernelSize and blockLength are alternatives/);
  oneLine(() => parseDecodingConfig({ kind: "conv", blockLength: 0 }), /^decoding\.blockLength must be an integer >= 1, got 0$/);
  oneLine(() => parseDecodingConfig({ kind: "confidence", kernelSize: 5, convMult: 0 }), /^decoding\.convMult must be a finite number > 0/);
  oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: 5, normalization: "exact" }), /^decoding\.normalization must be one of "matched", "reference", got "exact"$/);
  oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: 5, temperature: -1 }), /^decoding\.temperature/);
  oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: 5, emptyRow: true }), /^decoding\.emptyRow must be one of/);
  oneLine(() => parseDecodingConfig({ kind: "semi-ar", blockLength: 16, topK: 2 }), /^decoding\.topK is not a known field of kind "semi-ar"/);
  oneLine(() => parseDecodingConfig({ kind: "semi-ar", select: "random" }), /^decoding\.select must be one of "base", "confidence"/);
  oneLine(() => parseDecodingConfig({ kind: "beam" }), /^decoding\.kind must be one of "plain", "conv", "confidence", "semi-ar", "hdlm-conv", got "beam"$/);
  oneLine(() => parseDecodingConfig([1], "sampling.decoding"), /^sampling\.decoding must be an object/);
  oneLine(() => parseDecodingConfig({ kind: "conv", kernelSize: 4 }, "cfg.json: sampling.decoding"), /^cfg\.json: sampling\.decoding\.kernelSize/);
  const semi = parseDecodingConfig({ kind: "semi-ar", blockLength: 24 });
  oneLine(() => checkDecodingForRun(semi, { genLength: 64, steps: 8 }), /^decoding\.blockLength must divide genLength \(64\), got 24$/);
  oneLine(() => checkDecodingForRun(parseDecodingConfig({ kind: "semi-ar", blockLength: 16 }), { genLength: 64, steps: 6 }), /^decoding\.steps must be a multiple of the number of blocks/);
});
