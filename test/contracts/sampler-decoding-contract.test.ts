// The sampler contract under every decoding option a sampler takes (SampleRequest.decoding, decoding.md §1-§2):
// the same seed gives the same samples, prompt positions are fixed in every state, the output holds only real
// token ids, model calls equal plain's (one per step plus the final denoise), tensor counts stay flat, and a kind
// the sampler does not take is one error line naming decoding.kind.
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
import type { Denoiser, GridSampler } from "../../src/samplers/sampler";
import { parseDecodingConfig, DECODING_KINDS, type DecodingKind } from "../../src/decoding/decoding-config";
import { constDenoiser } from "../samplers/sampler-helpers";

before(async () => {
  await initEngine();
});

const V = 4;
const P = [0.45, 0.1, 0.3, 0.15];
const RAW: Record<DecodingKind, object> = {
  plain: { kind: "plain" },
  conv: { kind: "conv", kernelSize: 5, topK: 2 },
  "hdlm-conv": { kind: "hdlm-conv", kernelSize: 5 },
  confidence: { kind: "confidence", kernelSize: 3 },
  "semi-ar": { kind: "semi-ar", blockLength: 4, select: "base" },
};
const SAMPLERS: Array<{ name: string; make: (steps: number) => GridSampler; model: Denoiser; kinds: DecodingKind[] }> = [
  { name: "mdlm", make: (steps) => new MdlmSampler({ vocabSize: V, steps }), model: constDenoiser(P, V + 1), kinds: ["plain", "conv", "hdlm-conv", "confidence", "semi-ar"] },
  { name: "hdlm", make: (steps) => new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: makeClusterLayout([0, 0, 1, 1], 2), steps }), model: constDenoiser(P, V + 3), kinds: ["plain", "hdlm-conv", "confidence", "semi-ar"] },
  { name: "gidd", make: (steps) => new GiddSampler({ schedule: new GiddSchedule({ pu: 0.2 }), vocabSize: V, steps }), model: constDenoiser(P, V + 1), kinds: ["plain", "hdlm-conv", "confidence", "semi-ar"] },
];
// 12 generated positions after a 2-token prompt: 3 semi-AR blocks of 4, so 12 steps (4 per block)
const B = 3, L = 14, STEPS = 12;
const prompt = prefixPrompt([[1, 2], [3, 0], [2, 2]], L);

for (const s of SAMPLERS) {
  for (const kind of DECODING_KINDS) {
    const takes = s.kinds.includes(kind);
    test(`${s.name} + ${kind}: ${takes ? "seeded, prompt fixed, clean output, plain's model calls, flat tensors" : "one error line naming decoding.kind"}`, () => {
      const decoding = parseDecodingConfig(RAW[kind]);
      const sampler = s.make(STEPS);
      if (!takes) {
        assert.throws(() => sampler.sample(s.model, { batch: B, length: L, prompt, decoding }), (e: Error) => /^decoding\.kind "/.test(e.message) && !e.message.includes("\n"));
        return;
      }
      const states: Int32Array[] = [];
      const run = () => sampler.sample(s.model, { batch: B, length: L, seed: 9, prompt, decoding, onStep: (_j, _t, tokens) => states.push(tokens.data) });
      const a = run();
      const n0 = tf.memory().numTensors;
      const b = run();
      assert.equal(tf.memory().numTensors, n0, "tensors leaked");
      assert.deepEqual(b.tokens.data, a.tokens.data, "same seed, same samples");
      const plain = sampler.sample(s.model, { batch: B, length: L, seed: 9, prompt });
      assert.equal(a.modelCalls, plain.modelCalls, "one model call per step plus the final denoise, as plain");
      for (const z of states) for (let i = 0; i < B * L; i++) if (prompt[i] !== -1) assert.equal(z[i], prompt[i], "prompt position changed");
      assert.ok(a.tokens.data.every((x) => x >= 0 && x < V), "only real token ids in the output");
    });
  }
}
