// Tests of the gated MDLM step (decoding.md §1 steps 4-6 and "What to test"): rows are distributions, the expected
// unmask count equals the plain MDLM step's (exact, and Monte Carlo within 4σ), u = 0 never unmasks, draws follow
// the rows (chi-square), the reference normalisation, decoding spreading outward from the prompt, bad input.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { mdlmDdpmProbs } from "../../src/samplers/posterior-mdlm";
import { gatedStepRows, convolutionalStepRows, drawConvolutionalStep, convolutionalStep, ConvStepInput } from "../../src/decoding/conv-step";
import { decodedNeighbourCounts } from "../../src/decoding/box-filter";
import { fullWindowGate, decodedMask } from "../../src/decoding/gate";
import { semiArPlan, semiArGate } from "../../src/decoding/semi-ar";

before(async () => {
  await initEngine();
});

const V = 6;
const MASK = V;

function randomProbs(rng: SeededRng, rows: number): Float64Array {
  const p = new Float64Array(rows * V);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let v = 0; v < V; v++) sum += p[r * V + v] = (-Math.log(rng.uniformOpen())) ** 2;
    for (let v = 0; v < V; v++) p[r * V + v] /= sum;
  }
  return p;
}

// Two rows of 14: a 3-token prompt, a few decoded tokens, the rest MASK.
const z0 = [1, 2, 3, MASK, MASK, 4, MASK, MASK, MASK, MASK, MASK, MASK, MASK, MASK, /* row 2 */ 5, 0, MASK, MASK, MASK, MASK, MASK, MASK, 2, MASK, MASK, MASK, MASK, MASK];
const B = 2, L = 14;

function input(probs: ArrayLike<number>, extra: Partial<ConvStepInput> = {}): ConvStepInput {
  return { probs, z: z0, batch: B, length: L, vocabSize: V, t: 0.6, s: 0.5, kernelSize: 5, topK: 2, ...extra };
}

/** Expected number of unmasks of row b under plain MDLM (via the library's mdlmDdpmProbs). */
function plainExpected(probs: Float64Array, t: number, s: number): number[] {
  return tf.tidy(() => {
    const rows = mdlmDdpmProbs(tf.tensor3d(Float32Array.from(probs), [B, L, V]), tf.tensor2d(z0, [B, L], "int32"), t, s, V).dataSync();
    const out = [0, 0];
    for (let i = 0; i < B * L; i++) {
      if (z0[i] !== MASK) continue;
      for (let v = 0; v < V; v++) out[Math.floor(i / L)] += rows[i * (V + 1) + v];
    }
    return out;
  });
}

test("gated rows are distributions over {top-k candidates, stay}; candidates are the top-k ids", () => {
  const probs = randomProbs(new SeededRng(1), B * L);
  for (const normalization of ["matched", "reference"] as const) {
    const st = convolutionalStepRows(input(probs, { normalization }));
    assert.equal(st.k, 2);
    for (let i = 0; i < B * L; i++) {
      const row = Array.from(st.rows.subarray(i * 3, i * 3 + 3));
      if (z0[i] !== MASK) {
        assert.deepEqual(row, [0, 0, 0]);
        assert.equal(st.unmask[i], 0);
        continue;
      }
      row.forEach((x) => assert.ok(x >= 0 && x <= 1));
      assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-12, `${normalization} row ${i} sums to ${row[0] + row[1] + row[2]}`);
      assert.ok(Math.abs(st.unmask[i] - (1 - row[2])) < 1e-12);
      const sorted = Array.from(probs.subarray(i * V, i * V + V)).map((p, v) => [p, v]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      assert.deepEqual([st.candidates[i * 2], st.candidates[i * 2 + 1]], [sorted[0][1], sorted[1][1]]);
      // a candidate's share of the unmask mass is ∝ its model probability
      if (row[1] > 0) assert.ok(Math.abs(row[0] / row[1] - sorted[0][0] / sorted[1][0]) < 1e-9);
    }
  }
});

test("matched: the expected unmask count equals plain MDLM's exactly, also when probabilities cap at 1", () => {
  const probs = randomProbs(new SeededRng(2), B * L);
  const decoded = z0.map((x) => (x === MASK ? 0 : 1));
  let capped = 0, saturated = 0;
  for (const kernelSize of [5, 9, 27]) {
    const u = decodedNeighbourCounts(decoded, kernelSize, B, L);
    for (const [t, s] of [[0.6, 0.5], [0.6, 0.3], [0.9, 0.2], [0.3, 0.01], [1, 0.99]]) {
      const st = convolutionalStepRows(input(probs, { t, s, kernelSize }));
      const plain = plainExpected(probs, t, s);
      for (let b = 0; b < B; b++) {
        let got = 0, open = 0;
        for (let l = 0; l < L; l++) {
          const i = b * L + l;
          got += st.unmask[i];
          if (z0[i] === MASK && u[i] > 0) open++;
          if (st.unmask[i] === 1) capped++;
        }
        if (plain[b] <= open + 1e-9) {
          assert.ok(Math.abs(got - plain[b]) < 1e-5, `K=${kernelSize} t=${t} s=${s} row ${b}: ${got} vs plain ${plain[b]}`);
        } else {
          // more unmasks expected than positions the gate opens: every open position decodes, no other does
          saturated++;
          assert.equal(got, open, `K=${kernelSize} t=${t} s=${s} row ${b}: saturated at the ${open} open positions`);
        }
      }
    }
  }
  assert.ok(capped > 0 && saturated > 0, `both regimes exercised (capped ${capped}, saturated ${saturated})`);
  // uncapped, the row is exactly the MDLM step with p^conv = top·s_i·s_norm: π_i = m_i·s_i·s_norm·(t−s)/t
  const st = convolutionalStepRows(input(probs));
  const u = decodedNeighbourCounts(z0.map((x) => (x === MASK ? 0 : 1)), 5, B, L);
  for (let i = 0; i < B * L; i++) {
    if (z0[i] !== MASK) continue;
    const top = Array.from(probs.subarray(i * V, i * V + V)).sort((a, b) => b - a);
    const want = (top[0] + top[1]) * Math.tanh(u[i]) * st.sNorm[Math.floor(i / L)] * (0.1 / 0.6);
    assert.ok(Math.abs(st.unmask[i] - want) < 1e-9, `position ${i}: ${st.unmask[i]} vs ${want}`);
  }
});

test("Monte Carlo: unmask count within 4σ of plain MDLM's, u = 0 never unmasks, draws follow the rows (chi-square)", () => {
  const probs = randomProbs(new SeededRng(3), B * L);
  const inp = input(probs, { t: 0.7, s: 0.4, kernelSize: 7 });
  const st = convolutionalStepRows(inp);
  const plain = plainExpected(probs, 0.7, 0.4);
  const u = decodedNeighbourCounts(z0.map((x) => (x === MASK ? 0 : 1)), 7, B, L);
  assert.ok(u.some((x, i) => z0[i] === MASK && x === 0), "some masked position has no decoded neighbour");
  const rng = new SeededRng(4);
  const N = 20000;
  const counts = new Float64Array(B * L * 3);
  let total = 0;
  for (let n = 0; n < N; n++) {
    const z = drawConvolutionalStep(st, z0, rng);
    for (let i = 0; i < B * L; i++) {
      if (z0[i] !== MASK) {
        assert.equal(z[i], z0[i]); // copied
        continue;
      }
      if (z[i] === MASK) {
        counts[i * 3 + 2]++;
        continue;
      }
      assert.ok(u[i] > 0, `position ${i} with no decoded neighbour was decoded`);
      const j = z[i] === st.candidates[i * 2] ? 0 : z[i] === st.candidates[i * 2 + 1] ? 1 : -1;
      assert.ok(j >= 0, `position ${i} decoded to ${z[i]}, not a top-2 candidate`);
      counts[i * 3 + j]++;
      total++;
    }
  }
  const mean = plain[0] + plain[1];
  let variance = 0;
  for (let i = 0; i < B * L; i++) variance += st.unmask[i] * (1 - st.unmask[i]);
  const sd = Math.sqrt(variance / N);
  assert.ok(Math.abs(total / N - mean) <= 4 * sd, `mean unmasks ${total / N} vs plain ${mean} (sd ${sd})`);
  // chi-square of all masked positions' outcome tables against their rows
  let chi2 = 0, df = 0;
  for (let i = 0; i < B * L; i++) {
    if (z0[i] !== MASK) continue;
    let cells = 0;
    for (let j = 0; j < 3; j++) {
      const e = N * st.rows[i * 3 + j];
      if (e === 0) {
        assert.equal(counts[i * 3 + j], 0, `position ${i} outcome ${j} has probability 0 but occurred`);
        continue;
      }
      chi2 += (counts[i * 3 + j] - e) ** 2 / e;
      cells++;
    }
    df += Math.max(0, cells - 1);
  }
  assert.ok(df > 10);
  assert.ok(chi2 < df + 4 * Math.sqrt(2 * df), `chi2 ${chi2} with ${df} dof`);
});

test("reference normalisation: the paper's rows by hand; equal to plain when every masked position looks alike", () => {
  const probs = randomProbs(new SeededRng(5), B * L);
  const t = 0.6, s = 0.5;
  const st = convolutionalStepRows(input(probs, { normalization: "reference" }));
  const u = decodedNeighbourCounts(z0.map((x) => (x === MASK ? 0 : 1)), 5, B, L);
  // s_norm from the top-(k+1) mass
  for (let b = 0; b < B; b++) {
    let den = 0, count = 0;
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      if (z0[i] !== MASK) continue;
      const top = Array.from(probs.subarray(i * V, i * V + V)).sort((a, c) => c - a);
      den += (top[0] + top[1] + top[2]) * Math.tanh(u[i]);
      count++;
    }
    assert.ok(Math.abs(st.sNorm[b] - count / (den + 1e-12)) < 1e-9);
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      if (z0[i] !== MASK) continue;
      const top = Array.from(probs.subarray(i * V, i * V + V)).sort((a, c) => c - a);
      const w = [top[0], top[1]].map((p) => p * Math.tanh(u[i]) * st.sNorm[b] * (t - s));
      const sum = w[0] + w[1] + s;
      assert.ok(Math.abs(st.rows[i * 3] - w[0] / sum) < 1e-9 && Math.abs(st.rows[i * 3 + 2] - s / sum) < 1e-9, `row ${i}`);
    }
  }
  // z = t M t M t with the same p at both MASKs and K = 3: u = 2 at both, so the reference count is plain's
  const zs = [0, MASK, 1, MASK, 2];
  const row = [0.5, 0.3, 0.2, 0, 0, 0];
  const p5 = Float64Array.from([row, row, row, row, row].flat());
  for (const topK of [2, 5]) {
    const r = convolutionalStepRows({ probs: p5, z: zs, batch: 1, length: 5, vocabSize: V, t: 0.6, s: 0.5, kernelSize: 3, topK, normalization: "reference" });
    const want = topK >= V - 1 ? (2 * 0.1) / 0.6 : null;
    const got = r.unmask[1] + r.unmask[3];
    if (want !== null) assert.ok(Math.abs(got - want) < 1e-9, `topK=${topK}: ${got} vs ${want}`);
    else assert.ok(got < (2 * 0.1) / 0.6 && got > 0, `topK=${topK}: the truncated reference count ${got} is below plain`);
  }
});

test("decoding spreads outward from the prompt: every newly decoded position had a decoded neighbour", () => {
  const rng = new SeededRng(6);
  const Lr = 40, K = 3;
  let z = new Int32Array(Lr).fill(MASK);
  z[0] = 1;
  z[1] = 2; // prompt
  const steps = 30;
  let firstStep = true;
  for (let j = 0; j < steps; j++) {
    const t = 1 - j / steps, s = 1 - (j + 1) / steps;
    const before = Array.from(z);
    const u = decodedNeighbourCounts(before.map((x) => (x === MASK ? 0 : 1)), K);
    const out = convolutionalStep({ probs: randomProbs(rng, Lr), z, batch: 1, length: Lr, vocabSize: V, t, s, kernelSize: K, topK: 1 }, rng).z;
    for (let i = 0; i < Lr; i++) {
      if (before[i] !== MASK || out[i] === MASK) continue;
      assert.ok(u[i] > 0, `step ${j}: position ${i} decoded with no decoded neighbour`);
      if (firstStep) assert.equal(i, 2, "the first decoded position is adjacent to the prompt");
    }
    if (out.some((x, i) => x !== before[i])) firstStep = false;
    z = out;
  }
  // the decoded region is one contiguous run from the prompt (K = 3 can only extend its edge)
  const firstMask = Array.from(z).indexOf(MASK);
  if (firstMask >= 0) assert.ok(Array.from(z).slice(firstMask).every((x) => x === MASK));
  assert.ok(firstMask === -1 || firstMask > 2, "decoding made progress");
});

test("bad input: one line naming the field", () => {
  const probs = randomProbs(new SeededRng(7), B * L);
  const bad = (extra: Partial<ConvStepInput>, field: RegExp) =>
    assert.throws(() => convolutionalStepRows(input(probs, extra)), (e: unknown) => e instanceof RangeError && field.test(e.message) && !e.message.includes("\n"));
  bad({ kernelSize: 4 }, /^kernelSize must be an odd positive integer .*, got 4$/);
  bad({ kernelSize: -1 }, /^kernelSize/);
  bad({ topK: 0 }, /^topK must be an integer >= 1, got 0/);
  bad({ convMult: -1 }, /^convMult/);
  bad({ t: 0.5, s: 0.5 }, /^s must be a number in \[0, t/);
  bad({ t: 0 }, /^t must be a number in \(0, 1\]/);
  bad({ probs: probs.subarray(1) }, /^probs must hold/);
  bad({ normalization: "other" as "matched" }, /^normalization must be 'matched', 'reference' or 'none'/);
});

test("empty rows: 'closed' (the paper) decodes nothing, 'open' takes the plain step until a token appears", () => {
  const probs = randomProbs(new SeededRng(8), B * L);
  const z = new Array(B * L).fill(MASK);
  for (let l = 0; l < 3; l++) z[L + l] = 1; // row 2 has a prompt, row 1 has nothing
  const closed = convolutionalStepRows({ probs, z, batch: B, length: L, vocabSize: V, t: 1, s: 0.9, kernelSize: 5, topK: 2 });
  for (let l = 0; l < L; l++) assert.equal(closed.unmask[l], 0);
  const open = convolutionalStepRows({ probs, z, batch: B, length: L, vocabSize: V, t: 1, s: 0.9, kernelSize: 5, topK: 2, emptyRow: "open" });
  // row 1 is ungated: π_i ∝ m_i with Σ π = |M|(t−s)/t = 14·0.1
  let sum = 0;
  for (let l = 0; l < L; l++) sum += open.unmask[l];
  assert.ok(Math.abs(sum - 1.4) < 1e-9);
  // row 2 (with a prompt) is gated the same way in both
  for (let l = 0; l < L; l++) assert.equal(open.unmask[L + l], closed.unmask[L + l]);
  assert.throws(() => convolutionalStepRows({ ...input(probs), emptyRow: "x" as "open" }), /^RangeError: emptyRow must be 'closed' or 'open'/);
});

test("temperature changes only the token choice: T = 0 takes the top candidate, T = 0.5 squares the odds", () => {
  const probs = randomProbs(new SeededRng(9), B * L);
  for (const normalization of ["matched", "reference"] as const) {
    const t1 = convolutionalStepRows(input(probs, { normalization }));
    const t0 = convolutionalStepRows(input(probs, { normalization, temperature: 0 }));
    const th = convolutionalStepRows(input(probs, { normalization, temperature: 0.5 }));
    for (let i = 0; i < B * L; i++) {
      if (z0[i] !== MASK) continue;
      assert.equal(t0.unmask[i], t1.unmask[i]);
      assert.equal(th.unmask[i], t1.unmask[i]);
      assert.ok(Math.abs(t0.rows[i * 3] - t1.unmask[i]) < 1e-12 && t0.rows[i * 3 + 1] === 0);
      if (t1.rows[i * 3 + 1] > 0) assert.ok(Math.abs(th.rows[i * 3] / th.rows[i * 3 + 1] - (t1.rows[i * 3] / t1.rows[i * 3 + 1]) ** 2) < 1e-6);
    }
  }
  assert.throws(() => convolutionalStepRows(input(probs, { temperature: -1 })), /^RangeError: temperature must be/);
});

test("any gate: the full window with topK >= V is the plain MDLM step; the semi-AR gate decodes only the current block", () => {
  const probs = randomProbs(new SeededRng(10), B * L);
  const [t, s] = [0.6, 0.45];
  const plain = tf.tidy(() => mdlmDdpmProbs(tf.tensor3d(Float32Array.from(probs), [B, L, V]), tf.tensor2d(z0, [B, L], "int32"), t, s, V).dataSync());
  const full = fullWindowGate().weights(decodedMask(z0, MASK), B, L);
  for (const normalization of ["matched", "reference"] as const) {
    const st = gatedStepRows({ probs, z: z0, batch: B, length: L, vocabSize: V, t, s, topK: V, gate: full, normalization });
    for (let i = 0; i < B * L; i++) {
      if (z0[i] !== MASK) continue;
      assert.ok(Math.abs(st.rows[i * (V + 1) + V] - plain[i * (V + 1) + V]) < 1e-6, `${normalization} stay ${i}`);
      for (let j = 0; j < V; j++) {
        const v = st.candidates[i * V + j];
        assert.ok(Math.abs(st.rows[i * (V + 1) + j] - plain[i * (V + 1) + v]) < 1e-6, `${normalization} row ${i} token ${v}`);
      }
    }
  }
  const plan = semiArPlan({ promptLength: 3, genLength: 8, blockLength: 4, steps: 2 });
  const gate = semiArGate(plan).weights(decodedMask(z0, MASK), B, L);
  const st = gatedStepRows({ probs, z: z0, batch: B, length: L, vocabSize: V, t, s, topK: 2, gate });
  for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) if (st.unmask[b * L + l] > 0) assert.ok(l >= 3 && l < 7, `row ${b}: position ${l} outside block 0`);
  assert.ok(st.unmask.some((x) => x > 0));
  // 'none': the gate restricts the plain step, without s_norm: (t−s)/t inside the block, 0 outside
  const none = gatedStepRows({ probs, z: z0, batch: B, length: L, vocabSize: V, t, s, topK: 2, gate, normalization: "none" });
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      const want = z0[i] === MASK && l >= 3 && l < 7 ? (t - s) / t : 0;
      assert.ok(Math.abs(none.unmask[i] - want) < 1e-12, `none row ${b} position ${l}`);
    }
  }
  assert.throws(() => gatedStepRows({ probs, z: z0, batch: B, length: L, vocabSize: V, t, s, topK: 2, gate: new Array(B * L).fill(1.5) }), /^RangeError: gate must lie in \[0, 1\]/);
  assert.throws(() => gatedStepRows({ probs, z: z0, batch: B, length: L, vocabSize: V, t, s, topK: 2, gate: [1] }), /^RangeError: gate must hold batch \* length/);
});
