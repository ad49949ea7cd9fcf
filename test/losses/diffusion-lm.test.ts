// Tests of Diffusion-LM's schedule and Gaussian pieces: alpha-bar sanity values, discretised betas, q_sample moments
// (1e5 draws), the posterior against Gaussian conditioning, the loss with a perfect oracle, and the bpd conversion.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { SeededRng } from "../../src/util/rng";
import { VpSchedule, discretiseBetas, gaussianProcessTable } from "../../src/schedules/diffusion-lm";
import { bpdToNatsPerToken, diffusionLmLoss, natsPerTokenToBpd, nllBound, priorKlNats, qPosterior, qSample, vbTermNats } from "../../src/losses/diffusion-lm";
import { clampToEmbeddings, diffusionLmStep } from "../../src/samplers/diffusion-lm";

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

const table = gaussianProcessTable(discretiseBetas(new VpSchedule("sqrt"), 2000));

test("sqrt alpha-bar sanity values and betas in (0, 0.999]", () => {
  const s = new VpSchedule("sqrt");
  close(s.alpha(0), 0.99, 1e-12, "abar(0)");
  close(s.alpha(0.1), 0.68361, 5e-6, "abar(0.1)");
  close(s.alpha(0.5), 0.29282, 5e-6, "abar(0.5)");
  for (const kind of ["sqrt", "cosine", "linear"] as const) {
    const b = discretiseBetas(new VpSchedule(kind), 2000);
    assert.ok(b.every((x) => x > 0 && x <= 0.999), kind);
    const v = new VpSchedule(kind);
    const h = 1e-6;
    for (const t of [0.1, 0.5, 0.9]) close(v.alphaPrime(t), (v.alpha(t + h) - v.alpha(t - h)) / (2 * h), 1e-5, `${kind} alpha'(${t})`);
    tf.tidy(() => {
      const ts = [0.1, 0.5, 0.9];
      const a = v.alphaTensor(tf.tensor1d(ts)).dataSync();
      const ap = v.alphaPrimeTensor(tf.tensor1d(ts)).dataSync();
      ts.forEach((t, i) => {
        close(a[i], v.alpha(t), 1e-5, `${kind} tensor abar`);
        close(ap[i], v.alphaPrime(t), 1e-4 * Math.max(1, Math.abs(v.alphaPrime(t))), `${kind} tensor abar'`);
      });
    });
  }
  assert.equal(discretiseBetas(s, 2000)[1999], 0.999, "the last sqrt beta is clipped");
});

test("q_sample has mean sqrt(abar) x0 and variance 1 - abar (1e5 draws, 4 sigma)", () => {
  const rng = new SeededRng(3);
  const n = 100000;
  const t = 700;
  const noise = new Float32Array(n).map(() => rng.normal());
  const x0 = 1.7;
  const x = tf.tidy(() => qSample(table, tf.fill([1, n, 1], x0) as tf.Tensor3D, tf.tensor1d([t], "int32"), tf.tensor3d(noise, [1, n, 1])).dataSync().slice());
  const a = table.alphasCumprod[t];
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  let v2 = 0;
  for (const v of x) v2 += (v - m) ** 2;
  v2 /= n - 1;
  assert.ok(Math.abs(m - Math.sqrt(a) * x0) < 4 * Math.sqrt((1 - a) / n), `mean ${m}`);
  assert.ok(Math.abs(v2 - (1 - a)) < 4 * (1 - a) * Math.sqrt(2 / n), `variance ${v2}`);
});

test("posterior mean and variance equal Gaussian conditioning of (x_{t-1}, x_t) given x_0", () => {
  for (const t of [1, 10, 500, 1999]) {
    const [x0, xt] = [0.8, -0.4];
    const { mean, variance } = tf.tidy(() => {
      const r = qPosterior(table, tf.tensor3d([[[x0]]]), tf.tensor3d([[[xt]]]), tf.tensor1d([t], "int32"));
      return { mean: r.mean.dataSync()[0], variance: r.variance.dataSync()[0] };
    });
    const ap = table.alphasCumprod[t - 1];
    const at = table.alphasCumprod[t];
    const alpha = 1 - table.betas[t];
    const cov = Math.sqrt(alpha) * (1 - ap);
    close(mean, Math.sqrt(ap) * x0 + (cov / (1 - at)) * (xt - Math.sqrt(at) * x0), 1e-5, `mean t=${t}`);
    close(variance, 1 - ap - (cov * cov) / (1 - at), 1e-6, `variance t=${t}`);
  }
});

test("loss: a perfect x0 oracle gives mse 0 (t = 0 against Emb(w)); prior and rounding as defined", () => {
  const rng = new SeededRng(12);
  const [B, L, d, V] = [2, 3, 4, 6];
  const mean = new Float32Array(B * L * d).map(() => rng.normal());
  const start = mean.map((m) => m + 0.1 * rng.normal());
  const logits = new Float32Array(B * L * V).map(() => rng.normal());
  const tokens = new Int32Array(B * L).map(() => rng.int(V));
  const r = tf.tidy(() => {
    const xm = tf.tensor3d(mean, [B, L, d]);
    const xs = tf.tensor3d(start, [B, L, d]);
    // sequence 0 at t = 0 (target Emb(w)), sequence 1 at t = 5 (target x_start)
    const oracle = tf.concat([tf.slice(xm, [0, 0, 0], [1, L, d]), tf.slice(xs, [1, 0, 0], [1, L, d])], 0) as tf.Tensor3D;
    const out = diffusionLmLoss(table, { xStartMean: xm, xStart: xs, x0Hat: oracle, t: tf.tensor1d([0, 5], "int32"), roundingLogits: tf.tensor3d(logits, [B, L, V]), tokens: tf.tensor2d(tokens, [B, L], "int32") });
    return { mse: out.mse.dataSync().slice(), prior: out.prior.dataSync().slice(), rounding: out.rounding.dataSync().slice(), loss: out.loss.dataSync().slice() };
  });
  r.mse.forEach((m) => close(m, 0, 0, "mse"));
  for (let b = 0; b < B; b++) {
    let p = 0;
    let ce = 0;
    for (let i = 0; i < L * d; i++) p += table.alphasCumprod[1999] * start[b * L * d + i] ** 2;
    for (let l = 0; l < L; l++) {
      const row = Array.from(logits.subarray((b * L + l) * V, (b * L + l + 1) * V));
      const lse = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
      ce += lse - row[tokens[b * L + l]];
    }
    close(r.prior[b], p / (L * d), 1e-6, "prior");
    close(r.rounding[b], ce / L, 1e-5, "rounding");
    close(r.loss[b], r.mse[b] + r.rounding[b] + r.prior[b], 1e-6, "sum");
  }
});

test("NLL bound: nats per token = bpd d ln 2; KL terms vanish for a perfect oracle (fixedSmall)", () => {
  close(bpdToNatsPerToken(1.5, 16), 1.5 * 16 * Math.LN2, 1e-12, "bpd -> nats");
  close(natsPerTokenToBpd(bpdToNatsPerToken(0.37, 128), 128), 0.37, 1e-12, "round trip");
  const d = 16;
  const rng = new SeededRng(4);
  const xs = new Float32Array(2 * d).map(() => rng.normal());
  const xt = new Float32Array(2 * d).map(() => rng.normal());
  const guess = xs.map((x) => x + 0.3);
  const { zero, nats, prior } = tf.tidy(() => {
    const s = tf.tensor3d(xs, [1, 2, d]);
    const x = tf.tensor3d(xt, [1, 2, d]);
    const t = tf.tensor1d([50], "int32");
    return {
      zero: vbTermNats(table, s, x, s, t, table.posteriorVariance).dataSync().slice(),
      nats: vbTermNats(table, s, x, tf.tensor3d(guess, [1, 2, d]), t).dataSync().slice(),
      prior: priorKlNats(table, s).dataSync().slice(),
    };
  });
  zero.forEach((z) => close(z, 0, 1e-6, "perfect oracle KL"));
  // bpd path (mean over d in bits, as the reference logs it) converts back to the nats sum over d
  const bpd = nats[0] / d / Math.LN2;
  close(bpdToNatsPerToken(bpd, d), nats[0], 1e-9, "bpd path = nats path");
  assert.ok(prior[0] >= 0);
  const b = nllBound({ diffusion: nats[0] * 2000, prior: prior[0], decoder: 0.5 }, d);
  close(b.natsPerToken, nats[0] * 2000 + prior[0] + 0.5, 1e-6, "total");
  close(b.bpd * d * Math.LN2, b.natsPerToken, 1e-9, "bpd of the total");
  close(b.ppl, Math.exp(b.natsPerToken), 1e-6 * b.ppl, "ppl");
});

test("clamping returns exact embedding rows; a reverse step with clamping and t = 0 is the clamped posterior mean", () => {
  const rng = new SeededRng(6);
  const [V, d] = [12, 5];
  const emb = new Float32Array(V * d).map(() => rng.normal());
  const x = new Float32Array(7 * d).map(() => rng.normal());
  const before0 = tf.memory().numTensors;
  tf.tidy(() => {
    const E = tf.tensor2d(emb, [V, d]);
    const { ids, rows } = clampToEmbeddings(tf.tensor3d(x, [1, 7, d]), E);
    const id = ids.dataSync();
    const r = rows.dataSync();
    for (let i = 0; i < 7; i++) {
      let best = -1;
      let bd = Infinity;
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += (x[i * d + k] - emb[v * d + k]) ** 2;
        if (s < bd) [bd, best] = [s, v];
      }
      assert.equal(id[i], best, `nearest row of ${i}`);
      for (let k = 0; k < d; k++) assert.equal(r[i * d + k], emb[best * d + k], "exact row");
    }
    const xt = tf.tensor3d(x, [1, 7, d]);
    const step = diffusionLmStep(table, xt, xt, 0, 1, { emb: E }).dataSync();
    const want = qPosterior(table, rows as tf.Tensor3D, xt, tf.tensor1d([0], "int32")).mean.dataSync();
    step.forEach((v, i) => close(v, want[i], 1e-6, "t = 0 step"));
  });
  assert.equal(tf.memory().numTensors, before0, "leak");
});

test("bad input throws naming the argument", () => {
  assert.throws(() => new VpSchedule("exp" as "sqrt"), /kind must be/);
  assert.throws(() => discretiseBetas(new VpSchedule(), 0), /T must be/);
  assert.throws(() => gaussianProcessTable(new Float64Array([0.5, 1.5])), /betas\[1\]/);
  assert.throws(() => bpdToNatsPerToken(1, 0), /d \(embedding dims\)/);
  tf.tidy(() => {
    const x = tf.zeros([1, 2, 3]) as tf.Tensor3D;
    assert.throws(() => qSample(table, x, tf.tensor1d([2000], "int32"), x), /t must hold step indices/);
    assert.throws(() => qSample(table, x, tf.tensor1d([1], "int32"), tf.zeros([1, 2, 4]) as tf.Tensor3D), /noise must have/);
    assert.throws(() => clampToEmbeddings(x, tf.zeros([4, 2]) as tf.Tensor2D), /emb must be/);
    assert.throws(() => diffusionLmStep(table, x, x, -1, 1), /t must be a step index/);
  });
});
