// HDLM cluster maps and configs in the reference repository's formats (zhouc20/HDLM): torch.save files written here
// read back bit for bit (and, where Debian's python3-torch is installed, by torch.load itself with weights_only=True,
// checked the way hdlm/diffusion_process.py checks them); a tiny HDLM run exported and imported again is the
// identity; the config round-trips its objective; bad files give one line naming the file.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { initEngine } from "../../src/engine";
import { train, loadRun, runVocabulary } from "../../src/train";
import { readTorchArchive, TorchTensor } from "../../src/interop";
import { writeTorchTensor } from "../../src/interop/torch-save";
import { exportHdlmRun } from "../../src/interop/hdlm-export";
import { readReferenceClusterDict, REFERENCE_DICT_LENGTH } from "../../src/interop/hdlm-clusters";
import { hdlmObjectiveFromReference } from "../../src/interop/hdlm-config";
import { parseExportArgs, runExport, parseImportArgs, runImport } from "../../src/cli";
import type { CliIo } from "../../src/cli";
import { loadClusterMap } from "../../src/vocab/cluster-map-io";
import { GPT2_VOCAB_SIZE } from "../../src/data/gpt2";
import { smallOwt, tinyConfig, tmpDir } from "../train/helpers";

const root = tmpDir("hdlm-ref-export-");
const run = path.join(root, "hdlm-run");
const PY = process.env.HDLM_PYTHON ?? "/usr/bin/python3";
const noTorch = ((): string | false => {
  if (!fs.existsSync(PY)) return `${PY} not found (install Debian's python3-torch)`;
  return spawnSync(PY, ["-c", "import torch"]).status === 0 ? false : "python3-torch is not installed; the torch.load checks are skipped";
})();

before(async () => {
  await initEngine();
  const cfg = tinyConfig(run, { objective: { kind: "hdlm", numClusters: 4, gamma: 2, xi: 0.9, maxLossWeight: 3 }, steps: 2, evalEvery: 0, checkpointEvery: 0, evalBatches: 1 });
  await train(cfg, { data: await smallOwt(), progress: false });
});

function capture(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => void lines.push(l), err: (l) => void lines.push(l) };
}

test("writeTorchTensor: int64 and float32 tensors read back exactly through the torch.save reader", () => {
  const ints = Int32Array.from({ length: 70000 }, (_, i) => (i * 7919) % 300);
  const f1 = path.join(root, "ints.pt");
  writeTorchTensor(f1, { dtype: "int64", shape: [ints.length], data: ints });
  const a = readTorchArchive(f1);
  assert.ok(a.root instanceof TorchTensor);
  assert.deepEqual((a.root as TorchTensor).shape, [70000]);
  assert.equal((a.root as TorchTensor).storage.dtype, "int64");
  assert.deepEqual(a.integers(a.root as TorchTensor, "ints"), ints);
  const floats = Float32Array.from({ length: 3 * 5 }, (_, i) => Math.sin(i) * 1e3);
  const f2 = path.join(root, "floats.pt");
  writeTorchTensor(f2, { dtype: "float32", shape: [3, 5], data: floats });
  const b = readTorchArchive(f2);
  assert.deepEqual((b.root as TorchTensor).stride, [5, 1]);
  assert.deepEqual(b.float32(b.root as TorchTensor, "floats"), floats);
  assert.throws(() => b.integers(b.root as TorchTensor, "floats"), /floats\.pt: floats is a float32 tensor, not an integer one/);
  assert.throws(() => writeTorchTensor(f2, { dtype: "int64", shape: [2], data: [1.5, 2] }), /not an exact integer/);
});

test("torch.load(weights_only=True) reads what writeTorchTensor writes (python3-torch)", { skip: noTorch }, () => {
  const f1 = path.join(root, "py-ints.pt");
  const f2 = path.join(root, "py-floats.pt");
  writeTorchTensor(f1, { dtype: "int64", shape: [4], data: [3, 0, 70000, 2 ** 40] });
  writeTorchTensor(f2, { dtype: "float32", shape: [2, 3], data: Float32Array.from([0.5, -1, 2, 3.25, 4, -5.5]) });
  const code = `import torch, sys
a = torch.load(sys.argv[1], weights_only=True); b = torch.load(sys.argv[2], weights_only=True)
print(a.dtype, list(a.shape), a.tolist()); print(b.dtype, list(b.shape), b.tolist())`;
  const r = spawnSync(PY, ["-c", code, f1, f2], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "torch.int64 [4] [3, 0, 70000, 1099511627776]\ntorch.float32 [2, 3] [[0.5, -1.0, 2.0], [3.25, 4.0, -5.5]]\n");
});

test("exportHdlmRun: cluster dict over GPT-2 ids + PAD, trained cluster embeddings, config; import is the identity", () => {
  const out = path.join(root, "ref");
  const s = exportHdlmRun(run, out, { tag: "tiny" });
  assert.equal(path.basename(s.clusterDict), "semantic_cluster_dict_tiny_4.pt");
  assert.equal(path.basename(s.centroids), "semantic_centroids_tiny_4.pt");
  assert.equal(path.basename(s.config), "hdlm-tiny-cluster_4-gamma_2.0-xi_0.9.yaml");
  const loaded = loadRun(run);
  try {
    const map = loaded.clusters!;
    const vocab = runVocabulary(run, map.vocabSize).compactVocab!;
    const a = readTorchArchive(s.clusterDict);
    const dict = a.integers(a.root as TorchTensor, "dict");
    assert.equal(dict.length, REFERENCE_DICT_LENGTH);
    for (let g = 0; g < GPT2_VOCAB_SIZE; g++) assert.equal(dict[g], map.clusterOf[vocab.toCompact[g]], `GPT-2 id ${g}`);
    assert.equal(dict[GPT2_VOCAB_SIZE], map.clusterOf[vocab.unk], "PAD takes UNK's cluster");
    assert.equal(s.uncovered, [...vocab.toCompact].filter((c) => c === vocab.unk).length);
    // centroids: the rows V+1 .. V+n of the trained input embedding
    const c = readTorchArchive(s.centroids);
    const rows = c.float32(c.root as TorchTensor, "centroids");
    const embed = loaded.params.embed.dataSync() as Float32Array;
    const d = loaded.model.hidden;
    assert.deepEqual((c.root as TorchTensor).shape, [4, d]);
    assert.deepEqual(rows, Float32Array.from(embed.subarray((map.vocabSize + 1) * d, (map.vocabSize + 5) * d)));
    // import back onto the run's vocabulary: the same map
    const back = readReferenceClusterDict(s.clusterDict, vocab);
    assert.equal(back.numClusters, 4);
    assert.deepEqual(back.clusterOf, map.clusterOf);
    // the config: the objective's fields round-trip
    const o = hdlmObjectiveFromReference(fs.readFileSync(s.config, "utf8"), s.config);
    assert.deepEqual(o, { kind: "hdlm", gamma: 2, numClusters: 4, clusterFile: null, xi: 0.9, minLossWeight: 0, maxLossWeight: 3, hardTraining: false });
    const text = fs.readFileSync(s.config, "utf8");
    assert.match(text, /cluster_dict_path: .*semantic_cluster_dict_tiny_4\.pt/);
    assert.match(text, new RegExp(`hidden_size: ${d}\\n`));
  } finally {
    loaded.dispose();
  }
});

test("the exported files load in PyTorch the way the reference's HierarchicalDiffusion checks them (python3-torch)", { skip: noTorch }, () => {
  const out = path.join(root, "ref-py");
  const s = exportHdlmRun(run, out, { tag: "tiny" });
  // hdlm/diffusion_process.py: loads the dict, shifts 0-based values by its vocabulary size, asserts the range.
  const code = `import torch, sys
d = torch.load(sys.argv[1], weights_only=True); c = torch.load(sys.argv[2], weights_only=True)
n = 4; V = d.shape[0]
assert d.dtype == torch.int64 and d.max() == n - 1 and d.min() == 0
d = d + V
assert d.max() == V + n - 1 and d.min() == V
print(V, list(c.shape), c.dtype)`;
  const r = spawnSync(PY, ["-c", code, s.clusterDict, s.centroids], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^50258 \[4, \d+\] torch.float32\n$/);
});

test("hdlm export / import --clusters: the CLI writes the reference files and reads them back as a cluster map", async () => {
  const io = capture();
  const out = path.join(root, "cli");
  await runExport(parseExportArgs(["--run", run, "--to", out, "--tag", "cli"]), io);
  assert.match(io.lines[0], /^exported .* \(HDLM, n = 4\) in the reference HDLM repository's formats:$/);
  assert.ok(io.lines.some((l) => /note: the run's compact vocabulary keeps 254 GPT-2 ids/.test(l)), io.lines.join("\n"));
  const json = path.join(root, "cli-clusters.json");
  const io2 = capture();
  await runImport(parseImportArgs(["--clusters", path.join(out, "semantic_cluster_dict_cli_4.pt"), "--vocab", run, "--out", json, "--config", path.join(out, "hdlm-cli-cluster_4-gamma_2.0-xi_0.9.yaml")]), io2);
  const map = loadClusterMap(json, { vocabSize: 256, numClusters: 4 });
  const loaded = loadRun(run);
  try {
    assert.deepEqual(map.clusterOf, loaded.clusters!.clusterOf);
  } finally {
    loaded.dispose();
  }
  const obj = io2.lines.find((l) => l.startsWith("objective: "));
  assert.ok(obj !== undefined, io2.lines.join("\n"));
  assert.deepEqual(JSON.parse(obj.slice("objective: ".length)), { kind: "hdlm", gamma: 2, numClusters: 4, clusterFile: json, xi: 0.9, minLossWeight: 0, maxLossWeight: 3, hardTraining: false });
  // an hdlm run is not a .safetensors export, and --tag is for hdlm runs only
  await assert.rejects(runExport(parseExportArgs(["--run", run, "--to", path.join(root, "x.safetensors")]), capture()), /is an hdlm run; --to names the folder/);
});

test("bad reference files: one line naming the file", () => {
  const text = path.join(root, "notes.pt");
  fs.writeFileSync(text, "not a checkpoint\n");
  assert.throws(() => readReferenceClusterDict(text, null), (e: Error) => e.message === `${text}: is not a PyTorch checkpoint (not a zip archive)`);
  const floats = path.join(root, "centroids-as-dict.pt");
  writeTorchTensor(floats, { dtype: "float32", shape: [2, 3], data: new Float32Array(6) });
  assert.throws(() => readReferenceClusterDict(floats, null), (e: Error) => e.message.startsWith(`${floats}: not a reference cluster dict`) && !e.message.includes("\n"));
  const short = path.join(root, "short.pt");
  writeTorchTensor(short, { dtype: "int64", shape: [10], data: new Int32Array(10) });
  assert.throws(() => readReferenceClusterDict(short, null), new RegExp(`^Error: ${short.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: the cluster dict has 10 entries`));
  const yaml = path.join(root, "bad.yaml");
  assert.throws(() => hdlmObjectiveFromReference("model:\n  diffusion_process: hdlm\nloss: {}\n", yaml), new RegExp(`bad\\.yaml: model\\.cluster_size must be a number, got undefined`));
  assert.throws(() => hdlmObjectiveFromReference("model: [1\n", yaml), /bad\.yaml: not YAML/);
});
