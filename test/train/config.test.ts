// Tests of config validation and preset resolution: every bad field gives an error naming its path,
// and loadConfig prefixes the file name.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveConfig, loadConfig, TRAIN_PRESETS, DEFAULT_OPTIM } from "../../src/train";

const ok = { preset: "tiny", objective: { kind: "ar" } };

test("presets resolve to the sizes of hdlm.md §8.1 and the optimiser of §8.2; fields override them", () => {
  const tiny = resolveConfig(ok);
  assert.deepEqual(tiny.model, { hidden: 32, layers: 1, heads: 2, condDim: 16, seqLen: 16, mlpRatio: 4, auxClusters: 0 });
  const cpu = resolveConfig({ preset: "cpu", objective: { kind: "ar" } });
  assert.deepEqual([cpu.model.hidden, cpu.model.layers, cpu.model.heads, cpu.model.condDim, cpu.model.seqLen], [256, 4, 4, 128, 128]);
  assert.equal(cpu.optim.lr, 5e-4);
  assert.deepEqual([cpu.optim.beta1, cpu.optim.beta2, cpu.optim.eps, cpu.optim.weightDecay, cpu.optim.clipNorm, cpu.optim.minLrRatio], [0.9, 0.99, 1e-9, 0.02, 1.0, 0.1]);
  const small = resolveConfig({ preset: "small", objective: { kind: "ar" } });
  assert.deepEqual([small.model.hidden, small.model.layers, small.model.heads, small.model.seqLen, small.optim.warmupSteps], [768, 12, 12, 512, DEFAULT_OPTIM.warmupSteps]);
  const over = resolveConfig({ ...ok, steps: 7, model: { hidden: 64, heads: 4 }, optim: { lr: 1e-3 }, data: { vocabSize: 300 } });
  assert.deepEqual([over.steps, over.model.hidden, over.model.heads, over.model.layers, over.optim.lr, over.optim.beta2, over.data.vocabSize], [7, 64, 4, 1, 1e-3, 0.99, 300]);
  assert.deepEqual(over.data.files, TRAIN_PRESETS.tiny.data.files);
});

test("unknown and ill-typed fields are errors naming the field path", () => {
  const cases: [unknown, RegExp][] = [
    [{ ...ok, stepz: 3 }, /config\.stepz is not a known field/],
    [{ ...ok, optim: { lrr: 1 } }, /config\.optim\.lrr is not a known field \(allowed: lr, /],
    [{ ...ok, model: { hidden: "32" } }, /config\.model\.hidden must be an integer >= 1, got "32"/],
    [{ ...ok, model: { hidden: 30, heads: 4 } }, /config\.model\.heads must divide model\.hidden/],
    [{ ...ok, optim: { lr: -1 } }, /config\.optim\.lr must be a number in \(0, 1\], got -1/],
    [{ ...ok, steps: 2.5 }, /config\.steps must be an integer >= 1, got 2\.5/],
    [{ ...ok, objective: { kind: "bert" } }, /config\.objective\.kind must be one of "ar"/],
    [{ ...ok, objective: { kind: "ar", gamma: 1 } }, /config\.objective\.gamma is not a known field/],
    [{ preset: "tiny" }, /config\.objective is required/],
    [{ ...ok, preset: "huge" }, /config\.preset must be one of "tiny", "cpu", "small", got "huge"/],
    [{ ...ok, data: { files: [] } }, /config\.data\.files must be a non-empty array/],
    [{ ...ok, data: { files: ["a", 3] } }, /config\.data\.files\[1\] must be a non-empty string, got 3/],
    [{ ...ok, timeSampling: "sobol" }, /config\.timeSampling must be one of/],
    [[1, 2], /config must be an object, got an array/],
  ];
  for (const [raw, re] of cases) assert.throws(() => resolveConfig(raw), re, JSON.stringify(raw));
});

test("loadConfig names the file in its errors", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-config-"));
  const f = path.join(dir, "run.json");
  fs.writeFileSync(f, JSON.stringify({ ...ok, model: { layers: 0 } }));
  assert.throws(() => loadConfig(f), (e: Error) => e.message.startsWith(`${f}: config.model.layers must be an integer >= 1`));
  fs.writeFileSync(f, "{ not json");
  assert.throws(() => loadConfig(f), new RegExp(`config file ${f.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not valid JSON`));
  assert.throws(() => loadConfig(path.join(dir, "missing.json")), /does not exist/);
  fs.writeFileSync(f, JSON.stringify(ok));
  assert.equal(loadConfig(f).preset, "tiny");
  fs.rmSync(dir, { recursive: true });
});

test("gidd objective: defaults are GIDD+ (p_u 0.1, gamma 1, dynamic weights clipped to [0, 2]); bad fields are named", () => {
  const g = resolveConfig({ ...ok, objective: { kind: "gidd" } });
  assert.deepEqual(g.objective, { kind: "gidd", pu: 0.1, gamma: 1, lossWeighting: "dynamic", minLossWeight: 0, maxLossWeight: 2 });
  const e = resolveConfig({ ...ok, objective: { kind: "gidd", pu: 0, lossWeighting: "elbo" } });
  assert.deepEqual([e.objective.kind === "gidd" && e.objective.pu, e.objective.kind === "gidd" && e.objective.lossWeighting], [0, "elbo"]);
  const cases: [unknown, RegExp][] = [
    [{ kind: "gidd", pu: 1 }, /config\.objective\.pu must be a number in \[0, 1\), got 1/],
    [{ kind: "gidd", lossWeighting: "clipped" }, /config\.objective\.lossWeighting must be one of "dynamic", "elbo", got "clipped"/],
    [{ kind: "gidd", numClusters: 4 }, /config\.objective\.numClusters is not a known field \(allowed: kind, pu, gamma/],
    [{ kind: "gidd", minLossWeight: 2, maxLossWeight: 2 }, /config\.objective\.maxLossWeight must be > minLossWeight \(2\), got 2/],
    [{ kind: "hdlm", pu: 0.1 }, /config\.objective\.pu is not a known field/],
  ];
  for (const [objective, re] of cases) assert.throws(() => resolveConfig({ ...ok, objective }), re, JSON.stringify(objective));
});
