// Numeric work behind notebook 01 (ELBO derivation checks), as plain arrays: schedule curves, CTMC vs closed
// form, the expected-weight identity, the reference gamma-weight bug, and n = 1 HDLM against MDLM.
import { tf } from "../engine/tf";
import { HierarchicalSchedule, referenceWeightMask } from "../schedules/hierarchical";
import { LogLinearSchedule } from "../schedules/log-linear";
import { ClusterLayout, makeClusterLayout } from "../processes/cluster-layout";
import { hdlmMarginal, sampleHdlmForward, sampleMdlmForward } from "../processes/forward";
import { hdlmGeneratorShape, hdlmTransitionExpm, integrateForwardRK4, matrixRow, scaleMatrix } from "../processes/ctmc";
import { SeededRng } from "../util/rng";
import { hdlmLoss } from "../losses/hdlm";
import { mdlmLoss } from "../losses/mdlm";

/** Throws `what` with both values unless |actual - expected| <= tol: the notebooks' assertion. */
export function requireClose(actual: number, expected: number, tol: number, what: string): void {
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`check failed: ${what}: got ${actual}, expected ${expected} (tolerance ${tol})`);
}

/** Throws `what` unless `condition` holds. */
export function requireTrue(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

/** alpha_t, c_t, m_t, w_c, w_m on a grid of K+1 times in [tMin, tMax] for each gamma (hdlm.md §2.1, §3.1). */
export function scheduleCurves(gammas: number[], K = 200, tMin = 0, tMax = 1): { t: number[]; curves: { gamma: number; alpha: number[]; clusterMass: number[]; maskMass: number[]; weightCluster: number[]; weightMask: number[] }[] } {
  const t = Array.from({ length: K + 1 }, (_, i) => tMin + ((tMax - tMin) * i) / K);
  const curves = gammas.map((gamma) => {
    const s = new HierarchicalSchedule({ gamma });
    return {
      gamma,
      alpha: t.map((u) => s.alpha(u)),
      clusterMass: t.map((u) => s.clusterMass(u)),
      maskMass: t.map((u) => s.maskMass(u)),
      weightCluster: t.map((u) => s.weightCluster(u)),
      weightMask: t.map((u) => s.weightMask(u)),
    };
  });
  return { t, curves };
}

/** Max |closed form - brute force| over all ids, for the matrix exponential and RK4 (`rk4Steps`), at each t. */
export function ctmcMarginalCheck(layout: ClusterLayout, gamma: number, xi: number, x: number, ts: number[], rk4Steps = 10000): { t: number; expmError: number; rk4Error: number }[] {
  const schedule = new HierarchicalSchedule({ gamma });
  const G = hdlmGeneratorShape(layout, gamma, xi);
  return ts.map((t) => {
    const closed = hdlmMarginal(schedule, layout, x, t, { xi });
    const ex = matrixRow(hdlmTransitionExpm(layout, gamma, xi, 0, t), x);
    const p0 = new Float64Array(closed.length);
    p0[x] = 1;
    const rk = integrateForwardRK4(p0, (u) => scaleMatrix(G, 1 / (1 - u)), 0, t, rk4Steps);
    let expmError = 0, rk4Error = 0;
    for (let z = 0; z < closed.length; z++) {
      expmError = Math.max(expmError, Math.abs(ex[z] - closed[z]));
      rk4Error = Math.max(rk4Error, Math.abs(rk[z] - closed[z]));
    }
    return { t, expmError, rk4Error };
  });
}

/**
 * The expected-weight identity: c_t w_c = -alpha'_t and m_t w_m = m'_t (so the expected ELBO weight of a term
 * is the rate at which probability flows into it); for n = 1 the first is MDLM's (1-alpha) * 1/t with alpha = 1-t.
 */
export function expectedWeightIdentity(gammas: number[], ts: number[]): { gamma: number; t: number; cTimesWc: number; minusAlphaPrime: number; mTimesWm: number; maskMassPrime: number }[] {
  const rows = [];
  for (const gamma of gammas) {
    const s = new HierarchicalSchedule({ gamma });
    for (const t of ts) {
      rows.push({ gamma, t, cTimesWc: s.clusterMass(t) * s.weightCluster(t), minusAlphaPrime: -s.alphaPrime(t), mTimesWm: s.maskMass(t) * s.weightMask(t), maskMassPrime: s.maskMassPrime(t) });
    }
  }
  return rows;
}

/** Correct w_m against the reference's (hdlm.md §3.1 bug) for each gamma and t; ratio = reference / correct. */
export function referenceWeightComparison(gammas: number[], ts: number[]): { gamma: number; t: number; weightMask: number; referenceWeightMask: number; ratio: number }[] {
  const rows = [];
  for (const gamma of gammas) {
    const s = new HierarchicalSchedule({ gamma });
    for (const t of ts) {
      const w = s.weightMask(t), r = referenceWeightMask(gamma, t);
      rows.push({ gamma, t, weightMask: w, referenceWeightMask: r, ratio: r / w });
    }
  }
  return rows;
}

/**
 * HDLM with n = 1, gamma = 1 against MDLM (alpha = 1 - t) on the same random model logits (hdlm.md §9): mean
 * per-sequence ELBO and its standard error over `draws` sequences of length `length`, plus the largest loss at a
 * MASK position in the HDLM run (L_m must be exactly 0). Needs an initialised engine.
 */
export function nOneVersusMdlm(options: { vocabSize?: number; draws?: number; length?: number; seed?: number } = {}): { hdlm: { mean: number; se: number }; mdlm: { mean: number; se: number }; maxMaskLoss: number; maskPositions: number } {
  const V = options.vocabSize ?? 6, B = options.draws ?? 2000, L = options.length ?? 4;
  const rng = new SeededRng(options.seed ?? 0);
  const one = makeClusterLayout(new Array(V).fill(0));
  const hd = new HierarchicalSchedule();
  const md = new LogLinearSchedule({ eps: 0 });
  const perSeq = (e: Float32Array | Int32Array | Uint8Array): number[] => Array.from({ length: B }, (_, b) => {
    let s = 0;
    for (let l = 0; l < L; l++) s += e[b * L + l];
    return s / L;
  });
  const stats = (a: number[]) => {
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const v = a.reduce((s, u) => s + (u - mean) ** 2, 0) / (a.length - 1);
    return { mean, se: Math.sqrt(v / a.length) };
  };
  const logits = tf.tensor3d(Float32Array.from({ length: B * L * (V + 2) }, () => 1.5 * rng.normal()), [B, L, V + 2]); // V tokens, MASK, 1 cluster
  const x = tf.tensor2d(Int32Array.from({ length: B * L }, () => rng.int(V)), [B, L], "int32");
  const t = tf.tensor1d(Float32Array.from({ length: B }, () => 0.001 + 0.998 * rng.uniform()));
  const zh = sampleHdlmForward(hd, one, x, t, rng);
  const zm = sampleMdlmForward(md, V, x, t, rng);
  const h = hdlmLoss(logits, x, zh, t, { schedule: hd, clusters: one });
  const m = mdlmLoss(logits, x, zm, t, { schedule: md, vocabSize: V });
  const eh = h.elboPerToken.dataSync(), zv = zh.dataSync();
  let maxMaskLoss = 0, maskPositions = 0;
  for (let i = 0; i < zv.length; i++) if (zv[i] === V) {
    maskPositions++;
    maxMaskLoss = Math.max(maxMaskLoss, Math.abs(eh[i]));
  }
  const result = { hdlm: stats(perSeq(eh)), mdlm: stats(perSeq(m.elboPerToken.dataSync())), maxMaskLoss, maskPositions };
  tf.dispose([logits, x, t, zh, zm, h.elboPerToken, h.trainPerToken, h.elbo, h.trainLoss, m.elboPerToken, m.trainPerToken, m.elbo, m.trainLoss]);
  return result;
}
