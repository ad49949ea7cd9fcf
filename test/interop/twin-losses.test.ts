// The PyTorch twin's training losses (interop/twin_train.py, what `npm run bench -- dit` times against hdlm-lab) are
// hdlm-lab's: MDLM (log-linear, SUBS, 1/t weights) and HDLM (xi = 1 closed-form ELBO, training weights clipped to
// [0, 2]) on the same tiny logits, tokens, noisy ids, times and padding give the same training loss, ELBO and
// gradient with respect to the logits within 1e-4. Skipped, with the reason, when python3-torch is not installed.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tf } from "../../src/engine/tf";
import { initEngine } from "../../src/engine";
import { mdlmLoss } from "../../src/losses/mdlm";
import { hdlmLoss } from "../../src/losses/hdlm";
import { LogLinearSchedule } from "../../src/schedules/log-linear";
import { HierarchicalSchedule } from "../../src/schedules/hierarchical";
import { createClusterMap } from "../../src/vocab/cluster-map";
import { SeededRng } from "../../src/util/rng";

const PY = process.env.HDLM_PYTHON ?? "/usr/bin/python3"; // Debian's python3-torch
const ROOT = path.resolve(__dirname, "..", "..");
function torchMissing(): string | false {
  if (!fs.existsSync(PY)) return `${PY} not found (install Debian's python3-torch to run the PyTorch twin tests)`;
  const r = spawnSync(PY, ["-c", "import torch"], { encoding: "utf8" });
  return r.status === 0 ? false : "python3-torch is not installed (apt-get install python3-torch); the PyTorch twin loss tests are skipped";
}
const skip = torchMissing();
if (skip) process.stderr.write(`test/interop/twin-losses: SKIPPED: ${skip}\n`);

before(async () => {
  await initEngine();
});

interface Case {
  kind: "mdlm" | "hdlm";
  B: number;
  L: number;
  W: number;
  V: number;
  n: number;
  logits: number[];
  x: number[];
  z: number[];
  t: number[];
  pad: number[];
  clusterOf: number[];
}

/** Random logits, tokens, noisy ids (clean / MASK / the true cluster), times and a padded tail in row 0. */
function makeCase(kind: "mdlm" | "hdlm", t: number[], seed: number): Case {
  const rng = new SeededRng(seed);
  const B = t.length, L = 9, V = 13, n = kind === "hdlm" ? 4 : 0;
  const W = kind === "mdlm" ? V + 1 : V + 1 + n;
  // Clusters of unequal sizes: 0 has 1 token, the others share the rest.
  const clusterOf = Array.from({ length: V }, (_, v) => (v === 0 ? 0 : 1 + (v % Math.max(1, n - 1))));
  const logits = Array.from({ length: B * L * W }, () => 4 * (rng.uniform() - 0.5));
  const x = Array.from({ length: B * L }, () => Math.floor(rng.uniform() * V));
  const z = x.map((v) => {
    const u = rng.uniform();
    if (u < 0.3) return v;
    if (kind === "hdlm" && u < 0.65) return V + 1 + clusterOf[v];
    return V;
  });
  const pad = Array.from({ length: B * L }, (_, i) => (i < L && i % L >= L - 3 ? 0 : 1));
  return { kind, B, L, W, V, n, logits, x, z, t, pad, clusterOf };
}

/** hdlm-lab's training loss, ELBO and d(training loss)/d(logits) for one case. */
function ours(c: Case): { train: number; elbo: number; grad: Float32Array } {
  const x = tf.tensor2d(c.x, [c.B, c.L], "int32");
  const z = tf.tensor2d(c.z, [c.B, c.L], "int32");
  const t = tf.tensor1d(c.t);
  const padMask = tf.tensor2d(c.pad, [c.B, c.L]);
  const logits = tf.tensor3d(c.logits, [c.B, c.L, c.W]);
  const clusters = c.kind === "hdlm" ? createClusterMap(Int32Array.from(c.clusterOf), c.n, { source: "test" }) : null;
  const run = (l: tf.Tensor3D) =>
    c.kind === "mdlm"
      ? mdlmLoss(l, x, z, t, { schedule: new LogLinearSchedule(), vocabSize: c.V, padMask })
      : hdlmLoss(l, x, z, t, { schedule: new HierarchicalSchedule({ gamma: 1 }), clusters: clusters!, padMask });
  const r = run(logits);
  const train = r.trainLoss.dataSync()[0];
  const elbo = r.elbo.dataSync()[0];
  const g = tf.grad((l: tf.Tensor) => {
    const q = run(l as tf.Tensor3D);
    return q.trainLoss;
  })(logits);
  const grad = Float32Array.from(g.dataSync());
  tf.dispose([x, z, t, padMask, logits, g, r.trainLoss, r.elbo, r.trainPerToken, r.elboPerToken]);
  return { train, elbo, grad };
}

function twin(cases: Case[]): { train: number; elbo: number; grad: number[] }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-twin-losses-"));
  try {
    const file = path.join(dir, "cases.json");
    fs.writeFileSync(file, JSON.stringify({ cases }));
    const r = spawnSync(PY, [path.join(ROOT, "interop", "twin_train.py"), "losses", "--input", file], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, `twin_train.py losses failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { train: number; elbo: number; grad: number[] }[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const close = (a: number, b: number, what: string, tol = 1e-4): void => {
  assert.ok(Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: hdlm-lab ${a} vs PyTorch twin ${b}`);
};

test("the twin's MDLM and HDLM losses (train, ELBO, gradient) equal hdlm-lab's within 1e-4", { skip }, () => {
  // Times cover the series branch of m_t (t < 1e-3), the weight floors, mid-range and t near 1; HDLM's training
  // weights are clipped at 2 while its ELBO weights are not (at t = 5e-4 w_c is ~2000).
  const cases = [
    makeCase("mdlm", [0.0007, 0.41, 1.0], 1),
    makeCase("mdlm", [0.05, 0.73], 2),
    makeCase("hdlm", [0.0005, 0.37, 0.95], 3),
    makeCase("hdlm", [0.012, 0.5, 0.8, 0.2], 4),
  ];
  const theirs = twin(cases);
  assert.equal(theirs.length, cases.length);
  cases.forEach((c, i) => {
    const a = ours(c);
    const b = theirs[i];
    const name = `${c.kind} case ${i} (t = ${c.t.join(", ")})`;
    close(a.train, b.train, `${name} training loss`);
    close(a.elbo, b.elbo, `${name} ELBO`);
    assert.ok(a.train > 0 && a.elbo > 0, `${name}: losses must be positive`);
    assert.equal(b.grad.length, a.grad.length);
    let worst = 0;
    for (let j = 0; j < a.grad.length; j++) worst = Math.max(worst, Math.abs(a.grad[j] - b.grad[j]));
    assert.ok(worst <= 1e-4, `${name}: gradient differs by up to ${worst}`);
  });
  // HDLM clipping is live: at t = 5e-4 the unclipped ELBO weighs cluster positions ~1000x more than training does.
  assert.ok(theirs[2].elbo > 10 * theirs[2].train, `expected the HDLM ELBO (${theirs[2].elbo}) far above the clipped training loss (${theirs[2].train})`);
});
