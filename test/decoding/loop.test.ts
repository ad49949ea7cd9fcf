// Whole toy decoding loops built from the pieces, the way a sampler step will call them (decoding.md §1-§2): MDLM
// with convolutional decoding from a prompt, HDLM with the gated MASK -> cluster move, and semi-AR with confidence.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { makeClusterLayout } from "../../src/processes/cluster-layout";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { mdlmGrid } from "../../src/samplers/mdlm-sampler";
import { hdlmGrid } from "../../src/samplers/hdlm-sampler";
import { hdlmReverseProbs } from "../../src/samplers/posterior-hdlm";
import { drawGrouped } from "../../src/samplers/gumbel";
import { convolutionalStep } from "../../src/decoding/conv-step";
import { decodedMask } from "../../src/decoding/gate";
import { convolutionGate, decodedNeighbourCounts } from "../../src/decoding/box-filter";
import { gateHdlmMaskRows } from "../../src/decoding/hdlm-gate";
import { semiArPlan, semiArSelect, blockOfStep, blockWindow } from "../../src/decoding/semi-ar";
import { rowArgmax, gatedConfidence } from "../../src/decoding/confidence";
import { repetitionReport } from "../../src/eval/repetition";

before(async () => {
  await initEngine();
});

/** A toy "model": position-independent random token distributions over V, fixed by a seed. */
function toyProbs(rng: SeededRng, rows: number, V: number): Float64Array {
  const p = new Float64Array(rows * V);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let v = 0; v < V; v++) sum += p[r * V + v] = rng.uniform() ** 3 + 1e-3;
    for (let v = 0; v < V; v++) p[r * V + v] /= sum;
  }
  return p;
}

test("MDLM + convolutional decoding: from a prompt, every decode has a decoded neighbour, most positions decode", () => {
  const V = 12, MASK = V, B = 2, L = 48, K = 7, S = 32;
  const rng = new SeededRng(1);
  let z = new Int32Array(B * L).fill(MASK);
  for (let b = 0; b < B; b++) for (let l = 0; l < 4; l++) z[b * L + l] = l + 1; // prompt
  const ts = mdlmGrid(S);
  let decodedSteps = 0;
  for (let j = 0; j < S; j++) {
    const u = decodedNeighbourCounts(decodedMask(z, MASK), K, B, L);
    const { z: next, step } = convolutionalStep({ probs: toyProbs(rng, B * L, V), z, batch: B, length: L, vocabSize: V, t: ts[j], s: ts[j + 1], kernelSize: K, topK: 3 }, rng);
    for (let i = 0; i < B * L; i++) {
      if (z[i] !== MASK) assert.equal(next[i], z[i], "decoded tokens are kept");
      else if (next[i] !== MASK) assert.ok(u[i] > 0 && step.gate[i] > 0, `step ${j}: position ${i} decoded without a decoded neighbour`);
    }
    if (next.some((x, i) => x !== z[i])) decodedSteps++;
    z = next;
  }
  // the last grid step (s = tMin) asks for ~all remaining positions; what the window cannot reach stays MASK and a
  // sampler's final argmax fills it (MdlmSampler does)
  const left = Array.from(z).filter((x) => x === MASK).length;
  assert.ok(left < (B * L) / 2, `most positions decoded (${left} MASK left)`);
  assert.ok(decodedSteps > S / 2);
  const rows = [0, 1].map((b) => Array.from(z.subarray(b * L, (b + 1) * L)).filter((x) => x !== MASK));
  const r = repetitionReport(rows);
  assert.ok(r.rep2 >= 0 && r.rep2 < 1 && r.distinct1 > 0);
});

test("HDLM + gated MASK -> cluster move: departures only next to decoded context (clusters count)", () => {
  const layout = makeClusterLayout([0, 1, 2, 0, 1, 2, 0, 1, 2]); // V = 9, n = 3
  const V = 9, n = 3, W = V + 1 + n, B = 2, L = 30;
  const schedule = new HierarchicalSchedule({ gamma: 1 });
  const gate = convolutionGate({ kernelSize: 5 });
  const rng = new SeededRng(2);
  const z = new Int32Array(B * L).fill(V);
  for (let b = 0; b < B; b++) z[b * L] = 3; // one prompt token per row
  const { pairs } = hdlmGrid(24);
  let departures = 0;
  for (const [t, s] of pairs) {
    const probs = toyProbs(rng, B * L, V);
    const rows = tf.tidy(() => hdlmReverseProbs(tf.tensor3d(Float32Array.from(probs), [B, L, V]), tf.tensor2d(z, [B, L], "int32"), t, s, { schedule, clusters: layout }));
    const host = rows.dataSync();
    rows.dispose();
    const g = gate.weights(decodedMask(z, V), B, L);
    const gated = gateHdlmMaskRows(host, z, g, { batch: B, length: L, vocabSize: V, numClusters: n });
    const before = Int32Array.from(z);
    for (let i = 0; i < B * L; i++) {
      if (z[i] < V) continue;
      z[i] = drawGrouped(gated, i * W, z[i], V, n, 1, rng);
      if (before[i] === V && z[i] !== V) {
        departures++;
        assert.ok(g[i] > 0, `position ${i} left MASK with no decoded (token or cluster) neighbour`);
      }
      if (before[i] > V) assert.ok(z[i] === before[i] || (z[i] < V && layout.clusterOf[z[i]] === before[i] - V - 1), "a cluster only moves to one of its tokens");
    }
  }
  assert.ok(departures > L, `the gated chain made progress (${departures} departures)`);
});

test("semi-AR with top-n confidence: blocks complete in order, then the whole generation is decoded", () => {
  const V = 8, MASK = V, B = 2, P = 3, G = 24, L = P + G;
  const plan = semiArPlan({ promptLength: P, genLength: G, blockLength: 8, steps: 12 });
  const rng = new SeededRng(3);
  const z = new Int32Array(B * L).fill(MASK);
  for (let b = 0; b < B; b++) for (let l = 0; l < P; l++) z[b * L + l] = l;
  for (let j = 0; j < plan.steps; j++) {
    const probs = toyProbs(rng, B * L, V);
    const { ids, values } = rowArgmax(probs, V);
    const conf = gatedConfidence(values, new Float64Array(B * L).fill(1)); // plain confidence inside the block
    const pick = semiArSelect(plan, j, conf, decodedMask(z, MASK), B, L);
    const [start, end] = blockWindow(plan, blockOfStep(plan, j));
    pick.forEach((p) => p.forEach((i) => (z[i] = ids[i])));
    for (let b = 0; b < B; b++) for (let l = end; l < L; l++) assert.equal(z[b * L + l], MASK, `step ${j}: nothing after block [${start}, ${end})`);
  }
  assert.ok(!z.includes(MASK), "every position decoded after S steps");
});
