import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLinearSchedule, maskedWeight, TimeSampler } from "../../src/schedules";
import { SeededRng } from "../../src/util/rng";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("MDLM log-linear: sigma, dsigma, alpha, weight 1/t (derivatives, tensor forms: test/contracts/schedule-contract)", () => {
  const s = new LogLinearSchedule();
  close(s.sigma(0.5), -Math.log(1 - 0.999 * 0.5), 1e-15, "sigma");
  close(s.sigma(0.5), 0.69215, 1e-5, "sigma sanity");
  close(s.dsigma(0.5), 1.996, 1e-3, "dsigma sanity");
  close(s.alpha(0.3), 1 - 0.999 * 0.3, 1e-15, "alpha = 1 - (1 - eps) t");
  for (const [t, w] of [[0.1, 10], [0.5, 2], [0.9, 1.1111111]]) {
    close(s.weight(t), w, 1e-6, `weight ${t}`);
    close(maskedWeight(s, t), w, 1e-6, `maskedWeight ${t}`);
  }
  assert.throws(() => new LogLinearSchedule({ eps: 1 }), /eps/);
  assert.throws(() => s.sigma(2), /t must be/);
});

test("low-discrepancy times: exactly one point per bin, eps rescale", () => {
  const sampler = TimeSampler.hdlm();
  const rng = new SeededRng(1);
  for (const B of [1, 7, 64]) {
    for (let rep = 0; rep < 20; rep++) {
      const u = sampler.sampleUnit(B, rng);
      const counts = new Array(B).fill(0);
      for (const v of u) counts[Math.floor(v * B)]++;
      assert.deepEqual(counts, new Array(B).fill(1));
    }
  }
  const t = sampler.sample(1000, 3);
  for (const v of t) assert.ok(v >= 1e-4 && v <= 1 - 1e-4);
  const m = TimeSampler.mdlm();
  const u = m.sampleUnit(16, 5);
  const counts = new Array(16).fill(0);
  for (const v of u) counts[Math.floor(v * 16)]++;
  assert.deepEqual(counts, new Array(16).fill(1));
  for (const v of m.sample(100, 4)) assert.ok(v >= 1e-3 && v < 1);
  assert.throws(() => new TimeSampler({ method: "sobol" as never }), /method/);
  assert.throws(() => sampler.sample(0, 1), /batch/);
});

test("time samplers are uniform across batches (KS test)", () => {
  for (const sampler of [TimeSampler.hdlm(), TimeSampler.mdlm(), new TimeSampler({ method: "iid" })]) {
    const rng = new SeededRng(11);
    const xs: number[] = [];
    // low-discrepancy draws within a batch share U: take one element per batch so the sample is iid;
    // stratified and iid draws are independent, so pool whole batches
    const pool = sampler.options.method !== "low-discrepancy";
    for (let b = 0; b < (pool ? 500 : 4000); b++) {
      const u = sampler.sampleUnit(8, rng);
      if (pool) xs.push(...u);
      else xs.push(u[3]);
    }
    xs.sort((a, b) => a - b);
    let d = 0;
    xs.forEach((x, i) => (d = Math.max(d, Math.abs((i + 1) / xs.length - x), Math.abs(x - i / xs.length))));
    // KS critical value at alpha = 1e-3: 1.95/sqrt(n)
    assert.ok(d < 1.95 / Math.sqrt(xs.length), `${sampler.options.method}: KS D = ${d}`);
  }
});
