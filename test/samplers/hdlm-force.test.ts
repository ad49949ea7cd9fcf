// HDLM's force transition (hdlm.md §6 step 3) and its ablation: from a cluster, the token is drawn within the
// cluster (x̃(.|k)) when forced, and from the full x̂ when not; the chance of leaving the cluster is the same.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { makeClusterLayout } from "../../src/processes/cluster-layout";
import { HdlmSampler } from "../../src/samplers/hdlm-sampler";
import { chiSquare, constDenoiser } from "./sampler-helpers";

before(async () => {
  await initEngine();
});

const V = 4;
const P = [0.45, 0.1, 0.3, 0.15];
const LAYOUT = makeClusterLayout([0, 0, 1, 1], 2);

/** Token counts (and how many left the cluster) after one step t = 0.6 -> 0.3 from N positions in cluster 0. */
function fromCluster(forceTransition: boolean, N = 6000): { counts: number[]; left: number } {
  const sampler = new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: LAYOUT, steps: 8, forceTransition });
  const state = { batch: 1, length: N, data: new Int32Array(N).fill(V + 1) };
  const out = sampler.step(constDenoiser(P, V + 3), state, 0.6, 0.3, 5).data;
  const counts = new Array(V).fill(0);
  let left = 0;
  for (const id of out) if (id < V) (counts[id]++, left++);
  return { counts, left };
}

test("forced: a cluster's token stays in the cluster (law P restricted to it); unforced: law P over all tokens", () => {
  const on = fromCluster(true), off = fromCluster(false);
  assert.deepEqual([on.counts[2], on.counts[3]], [0, 0], "forced: no token outside cluster 0");
  assert.ok(chiSquare(on.counts.slice(0, 2), [0.45 / 0.55, 0.1 / 0.55]).p > 1e-3, `forced law: ${on.counts}`);
  assert.ok(off.counts[2] + off.counts[3] > 0, "unforced: tokens outside the cluster appear");
  assert.ok(chiSquare(off.counts, P).p > 1e-3, `unforced law: ${off.counts}`);
  // the chance of leaving the cluster is the same (exact rule: 1 − (1−t)c_s/((1−s)c_t)), within 4σ of the difference
  const N = 6000, p = (on.left + off.left) / (2 * N);
  assert.ok(Math.abs(on.left - off.left) < 4 * Math.sqrt(2 * N * p * (1 - p)), `left: ${on.left} vs ${off.left}`);
  assert.match(new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: LAYOUT, forceTransition: false }).name, /no force transition/);
});

test("unforced sampling runs end to end with clean output; bad forceTransition names the field", () => {
  const s = new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: LAYOUT, steps: 6, forceTransition: false });
  const r = s.sample(constDenoiser(P, V + 3), { batch: 3, length: 8, seed: 1 });
  assert.ok(r.tokens.data.every((x) => x >= 0 && x < V));
  assert.throws(() => new HdlmSampler({ schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: LAYOUT, forceTransition: "no" as unknown as boolean }), /^RangeError: forceTransition must be true or false/);
});
