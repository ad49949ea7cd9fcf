// Tests of SEDD's score entropy: the absorbing and uniform closed forms against the general DWDSE sum enumerated
// over y (V = 7) including the constant, zero loss at the true ratios, the sequence loss, score scaling, errors.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { seddLogLinear } from "../../src/schedules/sedd";
import {
  SeddGraph,
  scoreEntropy,
  scoreEntropyGeneral,
  seddLogScore,
  seddLoss,
  seddMarginal,
  seddNumStates,
  seddReverseWeights,
} from "../../src/losses/sedd";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

const V = 7;

/** Brute force: sum over y of the general DWDSE with ratios from the graph's marginal. */
function bruteForce(graph: SeddGraph, ls: ArrayLike<number>, xt: number, x0: number, sigma: number): number {
  const p = seddMarginal(graph, x0, sigma, V);
  const ratio = p.map((py) => py / p[xt]);
  return scoreEntropyGeneral(seddReverseWeights(graph, xt, V), ls, ratio, xt);
}

function cases(graph: SeddGraph, rng: SeededRng, n: number): { xt: number[]; x0: number[] } {
  const xt: number[] = [];
  const x0: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.int(V);
    x0.push(a);
    if (graph === "absorbing") xt.push(i % 2 === 0 ? V : a);
    else xt.push(i % 2 === 0 ? a : rng.int(V));
  }
  return { xt, x0 };
}

for (const graph of ["absorbing", "uniform"] as const) {
  test(`${graph}: closed form equals the brute-force DWDSE sum over y (V = 7), both expm1 branches`, () => {
    const rng = new SeededRng(graph === "absorbing" ? 1 : 2);
    const S = seddNumStates(graph, V);
    const sigmas = [0.05, 0.4999, 0.5, 1.3, 4];
    const L = 8;
    const B = sigmas.length;
    const ls = new Float32Array(B * L * S).map(() => rng.normal());
    const { xt, x0 } = cases(graph, rng, B * L);
    const before0 = tf.memory().numTensors;
    const got = tf.tidy(() =>
      scoreEntropy(graph, tf.tensor3d(ls, [B, L, S]), tf.tensor2d(xt, [B, L], "int32"), tf.tensor2d(x0, [B, L], "int32"), tf.tensor1d(sigmas)).dataSync().slice(),
    );
    assert.equal(tf.memory().numTensors, before0, "leak");
    for (let i = 0; i < B * L; i++) {
      const want = bruteForce(graph, ls.subarray(i * S, i * S + S), xt[i], x0[i], sigmas[Math.floor(i / L)]);
      close(got[i], want, 2e-4 * Math.max(1, Math.abs(want)), `i=${i} xt=${xt[i]} x0=${x0[i]}`);
      assert.ok(want >= -1e-9, "DWDSE >= 0");
    }
  });

  test(`${graph}: the loss is 0 when the scores are the true ratios`, () => {
    const rng = new SeededRng(5);
    const S = seddNumStates(graph, V);
    const sigma = 0.8;
    const n = 10;
    const { xt, x0 } = cases(graph, rng, n);
    const ls = new Float32Array(n * S);
    for (let i = 0; i < n; i++) {
      const p = seddMarginal(graph, x0[i], sigma, V);
      for (let y = 0; y < S; y++) ls[i * S + y] = p[y] > 0 ? Math.log(p[y] / p[xt[i]]) : -40;
    }
    const got = tf.tidy(() =>
      scoreEntropy(graph, tf.tensor3d(ls, [1, n, S]), tf.tensor2d(xt, [1, n], "int32"), tf.tensor2d(x0, [1, n], "int32"), tf.tensor1d([sigma])).dataSync().slice(),
    );
    got.forEach((g, i) => close(g, 0, 2e-5, `i=${i}`));
  });
}

test("the closed forms are continuous across sigma = 0.5", () => {
  for (const graph of ["absorbing", "uniform"] as const) {
    const S = seddNumStates(graph, V);
    const ls = new Float32Array(S).map((_, i) => 0.1 * i - 0.3);
    const xt = graph === "absorbing" ? V : 2;
    const [a, b] = tf.tidy(() =>
      Array.from(scoreEntropy(graph, tf.tensor3d([...ls, ...ls], [2, 1, S]), tf.tensor2d([[xt], [xt]], [2, 1], "int32"), tf.tensor2d([[3], [3]], [2, 1], "int32"), tf.tensor1d([0.5 - 1e-6, 0.5])).dataSync()),
    );
    close(a, b, 1e-4, graph);
  }
});

test("sequence loss = dsigma/dt(t) * sum_i l_i, padding masked", () => {
  const sched = seddLogLinear();
  const rng = new SeededRng(9);
  const S = V + 1;
  const B = 2;
  const L = 5;
  const ls = new Float32Array(B * L * S).map(() => rng.normal());
  const { xt, x0 } = cases("absorbing", rng, B * L);
  const ts = [0.3, 0.8];
  const mask = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1];
  const { per, mean } = tf.tidy(() => {
    const r = seddLoss(sched, "absorbing", {
      logScore: tf.tensor3d(ls, [B, L, S]),
      xt: tf.tensor2d(xt, [B, L], "int32"),
      x0: tf.tensor2d(x0, [B, L], "int32"),
      t: tf.tensor1d(ts),
      attentionMask: tf.tensor2d(mask, [B, L]),
    });
    return { per: r.perSequence.dataSync().slice(), mean: r.mean.dataSync()[0] };
  });
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      if (mask[i]) sum += bruteForce("absorbing", ls.subarray(i * S, i * S + S), xt[i], x0[i], sched.sigma(ts[b]));
    }
    close(per[b], sched.dsigma(ts[b]) * sum, 1e-3 * Math.max(1, sum), `sequence ${b}`);
  }
  close(mean, (per[0] + per[1]) / 2, 1e-5, "mean");
});

test("absorbing log-score scaling subtracts log(e^sigma - 1) + log V and zeroes the current token", () => {
  const raw = new Float32Array(2 * (V + 1)).fill(1);
  const out = tf.tidy(() => seddLogScore("absorbing", tf.tensor3d(raw, [1, 2, V + 1]), tf.tensor2d([[V, 3]], [1, 2], "int32"), tf.tensor1d([0.7])).dataSync().slice());
  const shift = Math.log(Math.expm1(0.7)) + Math.log(V);
  close(out[0], 1 - shift, 1e-5, "scaled");
  close(out[V], 0, 0, "MASK entry of a MASK position");
  close(out[V + 1 + 3], 0, 0, "current token");
});

test("bad input throws naming the argument", () => {
  assert.throws(() => seddMarginal("absorbing", 9, 0.1, V), /x0 must be/);
  assert.throws(() => seddNumStates("other" as SeddGraph, V), /graph must be/);
  assert.throws(() => seddReverseWeights("uniform", 7, V), /xt must be/);
  assert.throws(() => scoreEntropyGeneral([1], [1, 2], [1], 0), /one length/);
  tf.tidy(() => {
    const ls = tf.zeros([2, 3, V + 1]) as tf.Tensor3D;
    const ids = tf.zeros([2, 3], "int32") as tf.Tensor2D;
    assert.throws(() => scoreEntropy("absorbing", ls, tf.zeros([2, 4], "int32") as tf.Tensor2D, ids, tf.tensor1d([1, 1])), /xt must be/);
    assert.throws(() => scoreEntropy("absorbing", ls, ids, ids, tf.tensor1d([1])), /sigma must be/);
  });
});
