import { test } from "node:test";
import assert from "node:assert/strict";
import { HierarchicalSchedule } from "../../src/schedules";
import { closedFormElboIntegrand, ctmcElboIntegrand, continuousElbo, discreteTimeElbo, ToyElboProblem } from "../../src/checks";
import { toy2, toy3, randomTable } from "../losses/helpers";

const A = randomTable(6, 3), B = randomTable(6, 4, 2);
const drifting = (t: number) => A.map((a, i) => (1 - t) * a + t * B[i]);
const configs = [[toy2, 1, 1], [toy3, 0.8, 1.5], [toy3, 1, 3], [toy2, 0.8, 1]] as const;

test("closed-form ELBO integrand = generic CTMC path-space integrand (brute-force reverse rates)", () => {
  for (const [clusters, xi, gamma] of configs) {
    for (const x of [0, 4]) {
      const p: ToyElboProblem = { schedule: new HierarchicalSchedule({ gamma }), clusters, xi, x, xhat: drifting };
      for (const t of [0.001, 0.05, 0.3, 0.6, 0.9, 0.999]) {
        const closed = closedFormElboIntegrand(p, t, { floor: false });
        const brute = ctmcElboIntegrand(p, t);
        assert.ok(Math.abs(closed - brute) < 1e-8 * Math.max(1, brute), `gamma=${gamma} xi=${xi} x=${x} t=${t}: ${closed} vs ${brute}`);
        // the floored weights used in training agree wherever c_t, m_t >= 1e-4
        if (t >= 0.05) assert.ok(Math.abs(closedFormElboIntegrand(p, t) - brute) < 1e-8 * Math.max(1, brute));
      }
    }
  }
});

test("a fixed model table is the exact reverse of data ~ x̂: continuous and discrete ELBO equal -log x̂(x)", () => {
  const xhat = randomTable(6, 7);
  for (const [clusters, xi, gamma] of configs) {
    const p: ToyElboProblem = { schedule: new HierarchicalSchedule({ gamma }), clusters, xi, x: 3, xhat };
    const nll = -Math.log(xhat[3]);
    assert.ok(Math.abs(continuousElbo(p, 4000) - nll) < 1e-5, `continuous gamma=${gamma} xi=${xi}: ${continuousElbo(p, 4000)} vs ${nll}`);
    for (const N of [1, 5, 50]) {
      const d = discreteTimeElbo(p, N);
      assert.ok(Math.abs(d.elbo - nll) < 1e-9 && Math.abs(-d.logLikelihood - nll) < 1e-9, `discrete N=${N}: ${d.elbo}, ${-d.logLikelihood} vs ${nll}`);
    }
  }
});

test("discrete-time ELBO (sum of KLs) >= -log p_N(x) and converges to the continuous ELBO at rate 1/N", () => {
  for (const [clusters, xi, gamma] of configs) {
    const p: ToyElboProblem = { schedule: new HierarchicalSchedule({ gamma }), clusters, xi, x: 1, xhat: drifting };
    const cont = continuousElbo(p, 4000);
    const gaps: number[] = [];
    let lastNll = 0;
    for (const N of [32, 128, 512]) {
      const d = discreteTimeElbo(p, N);
      assert.ok(d.elbo >= -d.logLikelihood - 1e-12, `N=${N}: ELBO ${d.elbo} < NLL ${-d.logLikelihood}`);
      gaps.push(d.elbo - cont);
      lastNll = -d.logLikelihood;
    }
    for (let i = 1; i < gaps.length; i++) {
      // the sign of the gap depends on the model; its size shrinks like 1/N
      const ratio = Math.abs(gaps[i - 1] / gaps[i]);
      assert.ok(ratio > 3 && ratio < 5.5, `gap ratio per 4x steps should be ~4 (O(1/N)): ${gaps}`);
    }
    // the continuous ELBO bounds the (N -> infinity) model likelihood
    assert.ok(cont >= lastNll - 0.01, `continuous ELBO ${cont} vs -log p_512 ${lastNll}`);
  }
});
