// The schedule contract (issue 9 item 4, diffusers' pattern: one suite every scheduler must pass), run over every
// schedule and parameter setting: alpha(0) ~ 1, alpha in [0, 1] and non-increasing, every derivative against
// central finite differences, every tensor form against its scalar form, the sub-interfaces' identities
// (alpha = exp(-sigma); the masses sum to 1), and a flat tensor count. Per-schedule sanity values stay in
// test/schedules/.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine";
import { tf } from "../../src/engine/tf";
import { Schedule } from "../../src/schedules/schedule";
import { LogLinearSchedule } from "../../src/schedules/log-linear";
import { GeometricSchedule, SigmaSchedule, seddLogLinear } from "../../src/schedules/sedd";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { GiddSchedule } from "../../src/schedules/gidd";
import { VpSchedule } from "../../src/schedules/diffusion-lm";

before(async () => {
  await initEngine();
});

type Scalar = (t: number) => number;
type Tensor = (t: tf.Tensor) => tf.Tensor;

interface ScheduleCase {
  name: string;
  schedule: Schedule;
  /** (name, f, f') pairs checked by finite differences (alpha/alphaPrime is always included). */
  derivatives: Array<[string, Scalar, Scalar]>;
  /** (name, tensor form, scalar form) pairs (alphaTensor and alphaPrimeTensor are always included). */
  tensors: Array<[string, Tensor, Scalar]>;
  /** Identities f(t) = 0 that must hold on the grid (e.g. the masses sum to 1). */
  identities: Array<[string, Scalar]>;
  /** |alpha(0) - 1| allowed (default 1e-3). */
  alpha0Tol?: number;
  /** Last t of the [0, 1] range check (default 1). */
  rangeTMax?: number;
}

function sigmaParts(s: SigmaSchedule): Pick<ScheduleCase, "derivatives" | "tensors" | "identities"> {
  return {
    derivatives: [["sigma", (t) => s.sigma(t), (t) => s.dsigma(t)]],
    tensors: [["sigma", (t) => s.sigmaTensor(t), (t) => s.sigma(t)], ["dsigma", (t) => s.dsigmaTensor(t), (t) => s.dsigma(t)]],
    identities: [["alpha = exp(-sigma)", (t) => s.alpha(t) - Math.exp(-s.sigma(t))]],
  };
}

function hierarchical(gamma: number): ScheduleCase {
  const s = new HierarchicalSchedule({ gamma });
  return {
    name: `hierarchical(gamma=${gamma})`,
    schedule: s,
    derivatives: [["maskMass", (t) => s.maskMass(t), (t) => s.maskMassPrime(t)], ["clusterMass", (t) => s.clusterMass(t), (t) => s.clusterMassPrime(t)]],
    tensors: [
      ["clusterMass", (t) => s.clusterMassTensor(t), (t) => s.clusterMass(t)],
      ["maskMass", (t) => s.maskMassTensor(t), (t) => s.maskMass(t)],
      ["maskMassPrime", (t) => s.maskMassPrimeTensor(t), (t) => s.maskMassPrime(t)],
      ["weightCluster", (t) => s.weightClusterTensor(t), (t) => s.weightCluster(t)],
      ["weightMask", (t) => s.weightMaskTensor(t), (t) => s.weightMask(t)],
    ],
    identities: [["alpha + c + m = 1", (t) => s.alpha(t) + s.clusterMass(t) + s.maskMass(t) - 1]],
  };
}

function gidd(pu: number, gamma: number): ScheduleCase {
  const s = new GiddSchedule({ pu, gamma });
  return {
    name: `gidd(pu=${pu}, gamma=${gamma})`,
    schedule: s,
    derivatives: [
      ["c", (t) => s.c(t), (t) => s.cPrime(t)],
      ["maskMass", (t) => s.maskMass(t), (t) => s.maskMassPrime(t)],
      ["uniformMass", (t) => s.uniformMass(t), (t) => s.uniformMassPrime(t)],
    ],
    tensors: [
      ["c", (t) => s.cTensor(t), (t) => s.c(t)],
      ["cPrime", (t) => s.cPrimeTensor(t), (t) => s.cPrime(t)],
      ["maskMass", (t) => s.maskMassTensor(t), (t) => s.maskMass(t)],
      ["uniformMass", (t) => s.uniformMassTensor(t), (t) => s.uniformMass(t)],
    ],
    identities: [["alpha + mask + uniform = 1", (t) => s.alpha(t) + s.maskMass(t) + s.uniformMass(t) - 1]],
  };
}

const none = { derivatives: [], tensors: [], identities: [] };
const CASES: ScheduleCase[] = [
  ...[1e-3, 1e-4, 0].map((eps) => { const s = new LogLinearSchedule({ eps }); return { name: `log-linear(eps=${eps})`, schedule: s, ...sigmaParts(s) }; }),
  { name: "sedd log-linear", schedule: seddLogLinear(), ...sigmaParts(seddLogLinear()) },
  ...[{}, { sigmaMin: 1e-3, sigmaMax: 10 }].map((o) => { const s = new GeometricSchedule(o); return { name: `geometric(${JSON.stringify(o)})`, schedule: s, ...sigmaParts(s) }; }),
  ...[0.5, 1, 1.5, 2, 3].map(hierarchical),
  ...[0, 0.1, 0.4].flatMap((pu) => [0.5, 1, 2, 3].map((g) => gidd(pu, g))),
  // Diffusion-LM's sqrt schedule alpha = 1 - sqrt(t + 1e-4) (baselines.md §4) starts at 0.99 and is negative past
  // t = 1 - 1e-4 (alpha(1) = -5e-5); only its clipped discretisation (discretiseBetas) is used, so the range check
  // stops there.
  ...(["sqrt", "cosine", "linear"] as const).map((k) => ({
    name: `vp(${k})`,
    schedule: new VpSchedule(k),
    ...none,
    ...(k === "sqrt" ? { alpha0Tol: 0.0100001, rangeTMax: 1 - 1e-4 } : {}),
  })),
];

/** Interior times for the finite differences; the grid for monotonicity and identities. */
const FD_TIMES = [0.05, 0.2, 0.5, 0.8, 0.95];
const GRID = Array.from({ length: 401 }, (_, i) => i / 400);
const TENSOR_TIMES = [0, 1e-4, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-4];

for (const c of CASES) {
  test(`schedule contract: ${c.name}`, () => {
    const s = c.schedule;
    assert.ok(typeof s.name === "string" && s.name.length > 0, "has a name");
    // alpha(0) ~ 1, alpha in [0, 1], non-increasing.
    assert.ok(Math.abs(s.alpha(0) - 1) <= (c.alpha0Tol ?? 1e-3), `alpha(0) = ${s.alpha(0)}`);
    let prev = Infinity;
    for (const t of GRID) {
      const a = s.alpha(t);
      if (t <= (c.rangeTMax ?? 1)) assert.ok(a >= 0 && a <= 1, `alpha(${t}) = ${a} outside [0, 1]`);
      assert.ok(a <= prev + 1e-12, `alpha increases at t = ${t}: ${prev} -> ${a}`);
      prev = a;
      for (const [name, f] of c.identities) assert.ok(Math.abs(f(t)) <= 1e-12, `${name} at t = ${t}: off by ${f(t)}`);
    }
    // Derivatives against central finite differences.
    const h = 1e-6;
    for (const [name, f, fp] of [["alpha", (t: number) => s.alpha(t), (t: number) => s.alphaPrime(t)] as [string, Scalar, Scalar], ...c.derivatives]) {
      for (const t of FD_TIMES) {
        const fd = (f(t + h) - f(t - h)) / (2 * h);
        const tol = 1e-6 + 1e-5 * Math.abs(fd);
        assert.ok(Math.abs(fp(t) - fd) <= tol, `${name}' at t = ${t}: ${fp(t)} vs finite difference ${fd}`);
      }
    }
    // Tensor forms equal scalar forms (the scalar form at the float32 time the tensor holds); nothing leaks.
    const before0 = tf.memory().numTensors;
    const t = tf.tensor1d(TENSOR_TIMES);
    for (const [name, tensorForm, scalar] of [["alpha", (u: tf.Tensor) => s.alphaTensor(u), (u: number) => s.alpha(u)] as [string, Tensor, Scalar], ["alphaPrime", (u: tf.Tensor) => s.alphaPrimeTensor(u), (u: number) => s.alphaPrime(u)] as [string, Tensor, Scalar], ...c.tensors]) {
      const out = tensorForm(t);
      assert.deepEqual(out.shape, [TENSOR_TIMES.length], `${name} tensor shape`);
      const got = out.dataSync();
      out.dispose();
      TENSOR_TIMES.forEach((u, i) => {
        const want = scalar(Math.fround(u));
        if (!Number.isFinite(want)) return assert.ok(!Number.isFinite(got[i]) || Math.abs(got[i]) > 1e30, `${name} at ${u}: ${got[i]} vs ${want}`);
        assert.ok(Math.abs(got[i] - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${name} tensor at t = ${u}: ${got[i]} vs scalar ${want}`);
      });
    }
    t.dispose();
    assert.equal(tf.memory().numTensors, before0, "tensor count flat");
  });
}
