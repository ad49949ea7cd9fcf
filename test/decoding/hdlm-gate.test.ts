// Tests of the HDLM MASK -> cluster gate (decoding.md §1 "Plugging into HDLM", hdlm-lab's extension): on real
// hdlmReverseProbs rows, gated rows still sum to 1, the expected number of MASK departures is unchanged, the
// cluster/token split of a departure is kept, s_i = 0 stays MASK, cluster and clean rows are untouched.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { makeClusterLayout } from "../../src/processes/cluster-layout";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { hdlmReverseProbs } from "../../src/samplers/posterior-hdlm";
import { drawGrouped } from "../../src/samplers/gumbel";
import { gateHdlmMaskRows } from "../../src/decoding/hdlm-gate";
import { boxFilterGateValues } from "../../src/decoding/box-filter";
import { decodedMask } from "../../src/decoding/gate";

before(async () => {
  await initEngine();
});

const layout = makeClusterLayout([0, 1, 2, 0, 1, 2]); // V = 6, n = 3
const V = 6, n = 3, W = V + 1 + n, MASK = V;
// prompt tokens, a cluster (id 8 = cluster 1), MASKs
const z = [0, 4, MASK, 8, MASK, MASK, MASK, MASK, MASK, MASK, /* row 2 */ MASK, MASK, MASK, 2, MASK, MASK, 7, MASK, MASK, MASK];
const B = 2, L = 10;

function rowsFor(t: number, s: number): Float64Array {
  const rng = new SeededRng(9);
  const probs = new Float32Array(B * L * V);
  for (let i = 0; i < B * L; i++) {
    let sum = 0;
    for (let v = 0; v < V; v++) sum += probs[i * V + v] = rng.uniform() + 0.05;
    for (let v = 0; v < V; v++) probs[i * V + v] /= sum;
  }
  const out = tf.tidy(() => hdlmReverseProbs(tf.tensor3d(probs, [B, L, V]), tf.tensor2d(z, [B, L], "int32"), t, s, { schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: layout }));
  const host = Float64Array.from(out.dataSync());
  out.dispose();
  return host;
}

test("gated HDLM rows: sums, departures per step unchanged, split kept, u = 0 stays, other rows untouched", () => {
  let exact = 0, saturated = 0;
  for (const [t, s, K] of [[0.7, 0.6, 3], [0.7, 0.6, 7], [0.5, 0.2, 7], [0.5, 0.2, 9]]) {
    const rows = rowsFor(t, s);
    const gate = boxFilterGateValues(decodedMask(z, MASK), { kernelSize: K }, B, L);
    const gated = gateHdlmMaskRows(rows, z, gate, { batch: B, length: L, vocabSize: V, numClusters: n });
    for (let b = 0; b < B; b++) {
      let before = 0, after = 0, open = 0;
      for (let l = 0; l < L; l++) {
        const i = b * L + l;
        const r = Array.from(rows.subarray(i * W, i * W + W));
        const g = Array.from(gated.subarray(i * W, i * W + W));
        assert.ok(Math.abs(g.reduce((a, x) => a + x, 0) - 1) < 1e-6, `row ${i} sums to 1`);
        if (z[i] !== MASK) {
          assert.deepEqual(g, r, `row ${i} (not MASK) is copied`);
          continue;
        }
        before += 1 - r[V];
        if (gate[i] > 0) open++;
        after += 1 - g[V];
        if (gate[i] === 0) assert.equal(g[V], 1, `row ${i} with no decoded neighbour stays MASK`);
        // the split among clusters and direct tokens is kept
        const leaveR = 1 - r[V], leaveG = 1 - g[V];
        if (leaveG > 0) for (let c = 0; c < W; c++) if (c !== V) assert.ok(Math.abs(g[c] / leaveG - r[c] / leaveR) < 1e-9);
      }
      if (before <= open) {
        exact++;
        assert.ok(Math.abs(after - before) < 1e-9, `t=${t} s=${s} K=${K} row ${b}: departures ${after} vs ${before}`);
      } else {
        saturated++; // fewer open positions than expected departures: each open one leaves, no other
        assert.ok(Math.abs(after - open) < 1e-9, `t=${t} s=${s} K=${K} row ${b}: saturated ${after} vs ${open}`);
      }
    }
  }
  assert.ok(exact >= 4 && saturated >= 1, `exact ${exact}, saturated ${saturated}`);
});

test("gated rows drive the existing grouped draw: MASK positions with s_i = 0 never move (MC)", () => {
  const rows = rowsFor(0.5, 0.2);
  const gate = boxFilterGateValues(decodedMask(z, MASK), { kernelSize: 3 }, B, L);
  const gated = gateHdlmMaskRows(rows, z, gate, { batch: B, length: L, vocabSize: V, numClusters: n });
  const rng = new SeededRng(10);
  const N = 4000;
  const moved = new Float64Array(B * L);
  for (let k = 0; k < N; k++) for (let i = 0; i < B * L; i++) if (z[i] === MASK && drawGrouped(gated, i * W, z[i], V, n, 1, rng) !== MASK) moved[i]++;
  for (let i = 0; i < B * L; i++) {
    if (z[i] !== MASK) continue;
    const p = 1 - gated[i * W + V];
    if (gate[i] === 0) assert.equal(moved[i], 0, `position ${i} moved without a decoded neighbour`);
    const sd = Math.sqrt((N * p * (1 - p)) || 0);
    assert.ok(Math.abs(moved[i] - N * p) <= 4 * sd + 1e-9, `position ${i}: ${moved[i]} departures vs ${N * p}`);
  }
});

test("bad input is named", () => {
  const rows = rowsFor(0.7, 0.6);
  const ok = { batch: B, length: L, vocabSize: V, numClusters: n };
  assert.throws(() => gateHdlmMaskRows(rows.subarray(1), z, new Array(B * L).fill(1), ok), /^RangeError: rows must hold/);
  assert.throws(() => gateHdlmMaskRows(rows, z, new Array(B * L).fill(2), ok), /^RangeError: gate must lie in \[0, 1\]/);
  assert.throws(() => gateHdlmMaskRows(rows, z.slice(1), new Array(B * L).fill(1), ok), /^RangeError: z must hold/);
});
