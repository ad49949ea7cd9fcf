// The decoding option of the sampler loop (SampleRequest.decoding, decoding.md §1-§2) on toy models: plain is the
// sampler's own step bit for bit; gated steps never decode a position without a decoded neighbour; semi-AR never
// decodes beyond the current block; the gated MDLM step's expected unmask count equals plain's (Monte Carlo, 4σ)
// and its tokens follow the top-k law (chi-square); bad settings are one line naming the field.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { GiddSchedule } from "../../src/schedules/gidd";
import { makeClusterLayout } from "../../src/processes/cluster-layout";
import { MdlmSampler } from "../../src/samplers/mdlm-sampler";
import { HdlmSampler } from "../../src/samplers/hdlm-sampler";
import { GiddSampler } from "../../src/samplers/gidd-sampler";
import { prefixPrompt } from "../../src/samplers/prompt";
import type { Denoiser, GridSampler, SampleBatch } from "../../src/samplers/sampler";
import { parseDecodingConfig } from "../../src/decoding/decoding-config";
import { decodedNeighbourCounts } from "../../src/decoding/box-filter";
import { decodedMask } from "../../src/decoding/gate";
import { chiSquare, constDenoiser } from "./sampler-helpers";

before(async () => {
  await initEngine();
});

const V = 4;
const P = [0.45, 0.1, 0.3, 0.15];
const LAYOUT = makeClusterLayout([0, 0, 1, 1], 2);

const SAMPLERS: Array<{ name: string; make: (steps: number) => GridSampler; model: Denoiser; gated: "conv" | "hdlm-conv" }> = [
  { name: "mdlm", make: (steps) => new MdlmSampler({ vocabSize: V, steps }), model: constDenoiser(P, V + 1), gated: "conv" },
  { name: "hdlm", make: (steps) => new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: LAYOUT, steps }), model: constDenoiser(P, V + 3), gated: "hdlm-conv" },
  { name: "gidd", make: (steps) => new GiddSampler({ schedule: new GiddSchedule({ pu: 0 }), vocabSize: V, steps }), model: constDenoiser(P, V + 1), gated: "hdlm-conv" },
];

/** Prompts [row][prefix] of distinct tokens, as the B*L prompt array. */
function prompt(B: number, L: number, P0: number): Int32Array {
  return prefixPrompt(Array.from({ length: B }, (_, b) => Array.from({ length: P0 }, (_, l) => (b + l) % V)), L);
}

/** Every state the hook sees, in order. */
function trace(sampler: GridSampler, model: Denoiser, B: number, L: number, request: object): SampleBatch[] {
  const states: SampleBatch[] = [];
  sampler.sample(model, { batch: B, length: L, seed: 3, ...request, onStep: (_j, _t, tokens) => states.push(tokens) });
  return states;
}

test("decoding 'plain' (and no decoding) is the sampler's own step, bit for bit", () => {
  for (const s of SAMPLERS) {
    const a = s.make(8).sample(s.model, { batch: 3, length: 10, seed: 5, prompt: prompt(3, 10, 2) });
    const b = s.make(8).sample(s.model, { batch: 3, length: 10, seed: 5, prompt: prompt(3, 10, 2), decoding: { kind: "plain" } });
    assert.deepEqual(b.tokens.data, a.tokens.data, s.name);
    assert.equal(b.modelCalls, a.modelCalls);
  }
});

test("gated decoding: a MASK position with no decoded neighbour is never decoded; prompts kept; tensors flat", () => {
  const B = 4, L = 24, K = 5;
  for (const s of SAMPLERS) {
    const decoding = parseDecodingConfig({ kind: s.gated, kernelSize: K });
    const sampler = s.make(16);
    const before = tf.memory().numTensors;
    const states = trace(sampler, s.model, B, L, { prompt: prompt(B, L, 3), decoding });
    assert.equal(tf.memory().numTensors, before, `${s.name}: tensor count flat`);
    let decodedInSteps = 0;
    for (let j = 1; j < states.length - 1; j++) {
      const prev = states[j - 1].data, next = states[j].data;
      const u = decodedNeighbourCounts(decodedMask(prev, V), K, B, L);
      for (let i = 0; i < B * L; i++) {
        if (prev[i] !== V || next[i] === V) continue;
        decodedInSteps++;
        assert.ok(u[i] > 0, `${s.name} step ${j}: position ${i % L} left MASK with no decoded neighbour`);
      }
    }
    assert.ok(decodedInSteps > B * 5, `${s.name}: decoding spreads (${decodedInSteps} departures)`);
    const out = states[states.length - 1].data;
    for (let b = 0; b < B; b++) for (let l = 0; l < 3; l++) assert.equal(out[b * L + l], (b + l) % V, "prompt kept");
    assert.ok(out.every((x) => x >= 0 && x < V), `${s.name}: clean output`);
  }
});

test("semi-AR (base and confidence): no position beyond the current block is decoded; each block ends complete", () => {
  const B = 3, L = 19, P0 = 3, BL = 4, S = 8; // 16 generated positions, 4 blocks, 2 steps per block
  for (const s of SAMPLERS) {
    for (const select of ["base", "confidence"] as const) {
      const states = trace(s.make(S), s.model, B, L, { prompt: prompt(B, L, P0), decoding: parseDecodingConfig({ kind: "semi-ar", blockLength: BL, select }) });
      assert.equal(states.length, S + 2);
      for (let j = 1; j <= S; j++) {
        const block = Math.floor((j - 1) / (S / 4));
        const z = states[j].data;
        for (let b = 0; b < B; b++) {
          for (let l = P0; l < L; l++) {
            const blk = Math.floor((l - P0) / BL);
            const clean = z[b * L + l] < V;
            if (blk > block) assert.equal(z[b * L + l], V, `${s.name}/${select} step ${j}: position ${l} (block ${blk}) touched during block ${block}`);
            if (blk < block || (blk === block && j % (S / 4) === 0)) assert.ok(clean, `${s.name}/${select} step ${j}: block ${blk} not complete`);
          }
        }
      }
    }
  }
});

test("conv (matched s_norm): the expected unmask count of a step equals the plain step's (Monte Carlo, 4σ)", () => {
  const B = 1500, L = 24, S = 8, P0 = 4;
  const count = (decoding?: object) => {
    const c: number[] = [];
    trace(new MdlmSampler({ vocabSize: V, steps: S }), constDenoiser(P, V + 1), B, L, { prompt: prompt(B, L, P0), decoding }).slice(1, 2).forEach((st) => {
      for (let b = 0; b < B; b++) c.push(Array.from(st.data.subarray(b * L + P0, (b + 1) * L)).filter((x) => x !== V).length);
    });
    return c;
  };
  const exact = ((L - P0) * (1 - 1e-5)) / S; // |M|·(t − s)/t at t = 1, s = 1 − (1 − tMin)/S
  const stats = (c: number[]) => {
    const m = c.reduce((x, y) => x + y, 0) / c.length;
    const v = c.reduce((x, y) => x + (y - m) ** 2, 0) / (c.length - 1);
    return { m, se: Math.sqrt(v / c.length) };
  };
  const plain = stats(count());
  const conv = stats(count(parseDecodingConfig({ kind: "conv", kernelSize: 7, topK: 2 })));
  for (const [name, r] of [["plain", plain], ["conv", conv]] as const) {
    assert.ok(Math.abs(r.m - exact) < 4 * r.se, `${name}: mean unmasks ${r.m.toFixed(3)} vs ${exact} (se ${r.se.toFixed(3)})`);
  }
  assert.ok(conv.se > 0 && conv.se < plain.se, "the gate concentrates the unmasks on fewer positions (less spread)");
});

test("conv tokens follow the top-k law and hdlm-conv keeps HDLM's token law (chi-square)", () => {
  const B = 400, L = 12, K = 5;
  const tokensDecodedInSteps = (sampler: GridSampler, model: Denoiser, decoding: object) => {
    const counts = new Array(V).fill(0);
    const states = trace(sampler, model, B, L, { prompt: prompt(B, L, 2), decoding });
    for (let j = 1; j < states.length - 1; j++) {
      for (let i = 0; i < B * L; i++) if (i % L >= 2 && states[j - 1].data[i] >= V && states[j].data[i] < V) counts[states[j].data[i]]++;
    }
    return counts;
  };
  const conv = tokensDecodedInSteps(new MdlmSampler({ vocabSize: V, steps: 10 }), constDenoiser(P, V + 1), parseDecodingConfig({ kind: "conv", kernelSize: K, topK: 2 }));
  const top2 = [0.45 / 0.75, 0, 0.3 / 0.75, 0];
  const r1 = chiSquare(conv, top2);
  assert.ok(r1.p > 1e-3, `conv top-2 law: chi2 ${r1.stat.toFixed(2)}, p ${r1.p}`);
  assert.ok(chiSquare(conv, P).p < 1e-6, "the test tells the top-2 law from the full law");
  const hdlm = tokensDecodedInSteps(SAMPLERS[1].make(10), SAMPLERS[1].model, parseDecodingConfig({ kind: "hdlm-conv", kernelSize: K }));
  const r2 = chiSquare(hdlm, P);
  assert.ok(r2.p > 1e-3, `hdlm-conv law: chi2 ${r2.stat.toFixed(2)}, p ${r2.p}`);
});

test("bad decoding settings: one line naming the field", () => {
  const one = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: Error) => {
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"), e.message);
      return true;
    });
  const mdlm = SAMPLERS[0], hdlm = SAMPLERS[1];
  one(() => parseDecodingConfig({ kind: "conv", kernelSize: 4 }), /^decoding\.kernelSize must be an odd positive integer/);
  one(() => parseDecodingConfig({ kind: "conv", kernelSize: -3 }), /^decoding\.kernelSize/);
  one(() => parseDecodingConfig({ kind: "conv", kernelSize: 3, topK: 0 }), /^decoding\.topK must be an integer >= 1/);
  one(() => hdlm.make(4).sample(hdlm.model, { batch: 1, length: 8, decoding: parseDecodingConfig({ kind: "conv", kernelSize: 3 }) }), /^decoding\.kind "conv" is not available for hdlm/);
  one(() => mdlm.make(4).sample(mdlm.model, { batch: 1, length: 10, prompt: prompt(1, 10, 3), decoding: parseDecodingConfig({ kind: "semi-ar", blockLength: 2 }) }), /^decoding\.blockLength must divide genLength \(7\)/);
  one(() => mdlm.make(3).sample(mdlm.model, { batch: 1, length: 8, decoding: parseDecodingConfig({ kind: "semi-ar", blockLength: 4 }) }), /^decoding\.steps must be a multiple of the number of blocks/);
  one(() => mdlm.make(4).sample(mdlm.model, { batch: 1, length: 8, prompt: [-1, 1, -1, -1, -1, -1, -1, -1], decoding: parseDecodingConfig({ kind: "semi-ar", blockLength: 4 }) }), /^prompt must be a prefix/);
});

test("prefixPrompt: rows of different prefix lengths, -1 after them; bad rows name the field", () => {
  assert.deepEqual(Array.from(prefixPrompt([[1, 2], [3]], 4)), [1, 2, -1, -1, 3, -1, -1, -1]);
  assert.throws(() => prefixPrompt([[1, 2, 3]], 2), /^RangeError: prefixes\[0\] has 3 tokens, more than length 2$/);
});
