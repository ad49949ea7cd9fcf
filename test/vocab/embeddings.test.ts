// Tests of the embedding sources (hdlm.md §1.3): cooc PPMI+SVD against brute force, cooc clusters on a
// two-group corpus, the rare bucket, file/model sources with row-count checks, and buildClusterMap.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  coocEmbeddings,
  embeddingsFromFile,
  embeddingsFromMatrix,
  resolveEmbeddings,
  tokenEmbeddingMatrix,
  buildClusterMap,
  jacobiEigen,
  saveClusterMap,
  loadClusterMap,
} from "../../src/vocab";
import { SeededRng } from "../../src/util/rng";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-emb-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Documents that use only tokens of one group each: group g holds ids g*size .. g*size+size-1. */
function groupedCorpus(groups: number, size: number, docs: number, len: number, seed: number): number[][] {
  const rng = new SeededRng(seed);
  return Array.from({ length: docs }, (_, d) => {
    const g = d % groups;
    return Array.from({ length: len }, () => g * size + rng.int(size));
  });
}

test("cooc: full-rank rows reproduce U|Λ|Uᵀ of a brute-force PPMI matrix (window 1/distance weights)", () => {
  const V = 6;
  const rng = new SeededRng(9);
  const stream = Array.from({ length: 400 }, () => Math.min(V - 1, Math.floor(-Math.log(1 - rng.uniform()) * 2)));
  const window = 3;
  const e = coocEmbeddings(stream, V, { window, minCount: 0, dim: V });
  // Brute force: dense symmetric counts, PPMI, eigendecomposition.
  const X = new Float64Array(V * V);
  for (let i = 0; i < stream.length; i++) {
    for (let j = 1; j <= window && i + j < stream.length; j++) {
      X[stream[i] * V + stream[i + j]] += 1 / j;
      X[stream[i + j] * V + stream[i]] += 1 / j;
    }
  }
  const rowSum = Array.from({ length: V }, (_, a) => X.slice(a * V, (a + 1) * V).reduce((s, x) => s + x, 0));
  const T = rowSum.reduce((s, x) => s + x, 0);
  const P = new Float64Array(V * V);
  for (let a = 0; a < V; a++) for (let b = 0; b < V; b++) if (X[a * V + b] > 0) P[a * V + b] = Math.max(0, Math.log((X[a * V + b] * T) / (rowSum[a] * rowSum[b])));
  const { values, vectors } = jacobiEigen(P, V);
  for (let a = 0; a < V; a++) {
    for (let b = 0; b < V; b++) {
      let want = 0;
      for (let k = 0; k < V; k++) want += vectors[a * V + k] * Math.abs(values[k]) * vectors[b * V + k];
      let got = 0;
      for (let c = 0; c < V; c++) got += e.data[a * V + c] * e.data[b * V + c];
      assert.ok(Math.abs(got - want) < 1e-4, `(${a},${b}): ${got} vs ${want}`);
    }
  }
  assert.equal(e.settings.ppmiNonzeros, Array.from(P).filter((x) => x > 0).length);
});

test("cooc: two groups that co-occur only within themselves end up in separate clusters", () => {
  const V = 40;
  const docs = groupedCorpus(2, 20, 60, 50, 1);
  const e = coocEmbeddings(docs, V, { dim: 8 });
  assert.equal(e.rows, V);
  for (const metric of ["euclidean", "cosine"] as const) {
    const { map } = buildClusterMap(e, { numClusters: 2, metric });
    const left = map.clusterOf[0];
    for (let v = 0; v < V; v++) assert.equal(map.clusterOf[v] === left, v < 20, `${metric}: token ${v}`);
  }
  // Deterministic given the seed.
  assert.deepEqual(coocEmbeddings(docs, V, { dim: 8 }).data, e.data);
});

test("cooc: rare tokens share one bucket row and one cluster; settings are recorded in the cluster file", () => {
  const V = 40;
  const docs = groupedCorpus(4, 8, 80, 40, 2); // tokens 0..31 are common
  // Tokens 32..39: each appears 1..3 times (< minCount 5); 39 never appears.
  const rareDoc: number[] = [];
  for (let v = 32; v < 39; v++) for (let c = 0; c < 1 + (v % 3); c++) rareDoc.push(v, 0);
  const e = coocEmbeddings([...docs, rareDoc], V, { dim: 6, minCount: 5 });
  assert.equal(e.rows, 33);
  assert.equal(e.settings.rareTokens, 8);
  assert.equal(e.settings.rareRow, 32);
  for (let v = 32; v < 40; v++) assert.equal(e.rowOf[v], 32);
  for (let v = 0; v < 32; v++) assert.equal(e.rowOf[v], v);
  const full = tokenEmbeddingMatrix(e);
  assert.equal(full.length, V * 6);
  assert.deepEqual(full.slice(33 * 6, 34 * 6), full.slice(39 * 6, 40 * 6));
  const { map, kmeans } = buildClusterMap(e, { numClusters: 5 });
  assert.equal(kmeans.assignment.length, 33, "k-means runs on distinct rows");
  for (let v = 33; v < 40; v++) assert.equal(map.clusterOf[v], map.clusterOf[32]);
  assert.equal(map.source, "cooc");
  const file = path.join(dir, "rare.json");
  saveClusterMap(map, file);
  const back = loadClusterMap(file);
  assert.deepEqual((back.settings.embeddings as Record<string, unknown>).minCount, 5);
  assert.deepEqual((back.settings.kmeans as Record<string, unknown>).seed, 42);
  assert.equal(map.centroids?.data.length, 5 * 6);
});

test("cooc: bad input names the argument", () => {
  assert.throws(() => coocEmbeddings([0, 1, 7], 5, { dim: 2, minCount: 0 }), /tokens\[2\] = 7 is not a token id in \[0, 5\)/);
  assert.throws(() => coocEmbeddings([[0, 1], [2, 9]], 5, { dim: 2, minCount: 0 }), /tokens\[1\]\[1\] = 9/);
  assert.throws(() => coocEmbeddings([0, 1, 2], 5, { dim: 5, minCount: 1 }), /cooc: only 4 distinct rows \(3 tokens with count >= minCount 1 \+ the rare row\) for dim 5/);
  assert.throws(() => coocEmbeddings([0, 1], 5, { window: 0 }), /cooc window must be an integer >= 1, got 0/);
  assert.throws(() => resolveEmbeddings({ source: "cooc" }, 5), /needs the corpus token stream/);
  // Negative ids are breaks: windows do not cross them.
  const a = coocEmbeddings([0, 1, -1, 2, 3, -1, 0, 1, -1, 2, 3], 4, { dim: 4, minCount: 0, window: 2 });
  const b = coocEmbeddings([[0, 1], [2, 3], [0, 1], [2, 3]], 4, { dim: 4, minCount: 0, window: 2 });
  assert.deepEqual(a.data, b.data);
});

test("file source: .npy and .safetensors from python, row count checked against V", () => {
  execFileSync("python3", ["-c", `
import numpy as np, json, struct, os
os.chdir(${JSON.stringify(dir)})
E = np.arange(20, dtype=np.float32).reshape(10, 2) * 0.25
np.save('emb.npy', E)
np.save('emb64.npy', E.astype(np.float64))
h = json.dumps({'wte': {'dtype': 'F32', 'shape': [10, 2], 'data_offsets': [0, 80]}}).encode()
with open('emb.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h); f.write(E.tobytes())
np.save('emb1d.npy', E.ravel())
`]);
  const want = Array.from({ length: 20 }, (_, i) => i * 0.25);
  for (const name of ["emb.npy", "emb64.npy", "emb.safetensors"]) {
    const e = embeddingsFromFile(path.join(dir, name), 10);
    assert.equal(e.source, "file");
    assert.equal(e.dim, 2);
    assert.deepEqual(Array.from(e.data), want, name);
  }
  assert.throws(() => embeddingsFromFile(path.join(dir, "emb.npy"), 11), /emb\.npy: embeddings have 10 rows but the vocabulary has 11 tokens/);
  assert.throws(() => embeddingsFromFile(path.join(dir, "emb1d.npy"), 10), /emb1d\.npy: embeddings must be 2-D/);
  assert.throws(() => embeddingsFromFile(path.join(dir, "nope.npy"), 10), /nope\.npy: embeddings file not found/);
  const cfg = resolveEmbeddings({ source: "file", path: path.join(dir, "emb.safetensors"), tensorName: "wte" }, 10);
  assert.equal(cfg.settings.tensorName, "wte");
});

test("model source: any [V, d] matrix, row-count checked; clusters built from it", () => {
  const V = 12;
  const M = new Float32Array(V * 2);
  for (let v = 0; v < V; v++) { M[v * 2] = v < 6 ? 0 : 100; M[v * 2 + 1] = v % 2; }
  const e = resolveEmbeddings({ source: "model", matrix: M, dim: 2, name: "mdlm-run" }, V);
  assert.equal(e.source, "model");
  assert.equal(tokenEmbeddingMatrix(e), M);
  const { map } = buildClusterMap(e, { numClusters: 2 });
  for (let v = 0; v < V; v++) assert.equal(map.clusterOf[v] === map.clusterOf[0], v < 6);
  assert.throws(() => embeddingsFromMatrix(M, 13, 2, { where: "wte" }), /wte: has 12 rows of dim 2 but the vocabulary has 13 tokens/);
});
