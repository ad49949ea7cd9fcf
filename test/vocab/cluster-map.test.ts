// Tests of cluster maps (hdlm.md §1.2): validation errors, sizes/members, and JSON/.npy/centroid files.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  createClusterMap,
  clusterSizes,
  clusterMembers,
  clusterSizeReport,
  saveClusterMap,
  loadClusterMap,
  saveCentroids,
  loadCentroids,
  withCentroids,
} from "../../src/vocab";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-cmap-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

test("cluster map: validation names the offending index/field", () => {
  assert.throws(() => createClusterMap([0, 1, 3, 1], 3, { where: "m.json" }), /m\.json: clusterOf\[2\] = 3 is not an integer in \[0, 3\)/);
  assert.throws(() => createClusterMap([0, -1], 2, { where: "m.json" }), /clusterOf\[1\] = -1/);
  assert.throws(() => createClusterMap([0, 0.5], 2), /clusterOf\[1\] = 0\.5/);
  assert.throws(() => createClusterMap([0, 0, 2], 3, { where: "m.json" }), /m\.json: cluster 1 has no members/);
  assert.throws(() => createClusterMap([0, 1], 2, { vocabSize: 3, where: "m.json" }), /m\.json: clusterOf has length 2 but vocabSize is 3/);
  assert.throws(() => createClusterMap([0, 1], 3), /n = 3 clusters cannot all be non-empty with vocabSize 2/);
  assert.throws(() => createClusterMap([0, 1], 2, { centroids: { dim: 2, data: new Float32Array(3) } }), /centroids must be \[n, d\] = \[2, 2\]/);
});

test("cluster map: sizes, members and size report agree with a brute-force count", () => {
  const clusterOf = [2, 0, 1, 2, 2, 0, 1, 2, 0, 2];
  const map = createClusterMap(clusterOf, 3, { source: "test" });
  assert.deepEqual(Array.from(clusterSizes(map)), [3, 2, 5]);
  for (let k = 0; k < 3; k++) {
    assert.deepEqual(Array.from(clusterMembers(map, k)), clusterOf.flatMap((c, v) => (c === k ? [v] : [])));
  }
  const r = clusterSizeReport(map);
  assert.equal(r.min, 2);
  assert.equal(r.max, 5);
  assert.equal(r.smallest, 1);
  assert.equal(r.largest, 2);
  assert.ok(Math.abs(r.mean - 10 / 3) < 1e-12);
  assert.ok(Math.abs(r.imbalance - 1.5) < 1e-12);
  assert.throws(() => clusterMembers(map, 3), /cluster index k must be an integer in \[0, 3\)/);
});

test("cluster map: JSON round trip keeps n, vocabSize, source, settings and clusterOf", () => {
  const map = createClusterMap([1, 0, 2, 2, 1], 3, { source: "cooc", settings: { window: 4, kmeans: { seed: 42 } } });
  saveClusterMap(map, file("m.json"));
  const raw = JSON.parse(fs.readFileSync(file("m.json"), "utf8"));
  assert.deepEqual(Object.keys(raw).sort(), ["clusterOf", "n", "settings", "source", "vocabSize"]);
  assert.equal(raw.n, 3);
  const back = loadClusterMap(file("m.json"), { vocabSize: 5, numClusters: 3 });
  assert.deepEqual(Array.from(back.clusterOf), [1, 0, 2, 2, 1]);
  assert.equal(back.source, "cooc");
  assert.deepEqual(back.settings, { window: 4, kmeans: { seed: 42 } });
  assert.throws(() => loadClusterMap(file("m.json"), { vocabSize: 6 }), /m\.json: vocabSize is 5 but the vocabulary has 6 tokens/);
  assert.throws(() => loadClusterMap(file("m.json"), { numClusters: 4 }), /m\.json: n is 3 but the config asks for 4 clusters/);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes(".tmp-")), []);
});

test("cluster map: .npy round trip (ours int32, numpy int64) and centroids [n, d]", () => {
  const map = createClusterMap([0, 1, 1, 2, 0, 2], 3);
  saveClusterMap(map, file("m.npy"));
  assert.deepEqual(Array.from(loadClusterMap(file("m.npy")).clusterOf), [0, 1, 1, 2, 0, 2]);
  execFileSync("python3", ["-c", `import numpy as np; np.save(${JSON.stringify(file("m64.npy"))}, np.array([3, 0, 1, 2, 3], dtype=np.int64))`]);
  const m64 = loadClusterMap(file("m64.npy"));
  assert.equal(m64.numClusters, 4);
  assert.deepEqual(Array.from(m64.clusterOf), [3, 0, 1, 2, 3]);
  // With n given, an unused cluster id is an empty cluster.
  assert.throws(() => loadClusterMap(file("m64.npy"), { numClusters: 5 }), /m64\.npy: cluster 4 has no members/);
  const c = { dim: 2, data: new Float32Array([0.5, 1, -2, 3, 4.25, 5]) };
  saveCentroids(c, file("c.npy"));
  const cb = loadCentroids(file("c.npy"), 3);
  assert.equal(cb.dim, 2);
  assert.deepEqual(Array.from(cb.data), Array.from(c.data));
  assert.throws(() => loadCentroids(file("c.npy"), 4), /c\.npy: centroids have 3 rows but there are 4 clusters/);
  assert.equal(withCentroids(map, cb).centroids?.dim, 2);
});

test("cluster map: bad files give errors naming the file and the field or index", () => {
  const write = (name: string, text: string) => fs.writeFileSync(file(name), text);
  write("notjson.json", "{ n: 3");
  write("noN.json", JSON.stringify({ vocabSize: 2, clusterOf: [0, 0] }));
  write("noV.json", JSON.stringify({ n: 1, clusterOf: [0, 0] }));
  write("noC.json", JSON.stringify({ n: 1, vocabSize: 2 }));
  write("range.json", JSON.stringify({ n: 2, vocabSize: 3, source: "x", clusterOf: [0, 1, 7] }));
  write("short.json", JSON.stringify({ n: 2, vocabSize: 3, source: "x", clusterOf: [0, 1] }));
  write("empty.json", JSON.stringify({ n: 3, vocabSize: 3, source: "x", clusterOf: [0, 1, 1] }));
  assert.throws(() => loadClusterMap(file("notjson.json")), /notjson\.json: not valid JSON/);
  assert.throws(() => loadClusterMap(file("noN.json")), /noN\.json: field "n"/);
  assert.throws(() => loadClusterMap(file("noV.json")), /noV\.json: field "vocabSize"/);
  assert.throws(() => loadClusterMap(file("noC.json")), /noC\.json: field "clusterOf"/);
  assert.throws(() => loadClusterMap(file("range.json")), /range\.json: clusterOf\[2\] = 7 is not an integer in \[0, 2\)/);
  assert.throws(() => loadClusterMap(file("short.json")), /short\.json: clusterOf has length 2 but vocabSize is 3/);
  assert.throws(() => loadClusterMap(file("empty.json")), /empty\.json: cluster 2 has no members/);
  assert.throws(() => loadClusterMap(file("absent.json")), /absent\.json: cluster map file not found/);
  execFileSync("python3", ["-c", `import numpy as np; np.save(${JSON.stringify(file("two_d.npy"))}, np.zeros((2, 2), dtype=np.int32))`]);
  assert.throws(() => loadClusterMap(file("two_d.npy")), /two_d\.npy: cluster map \.npy must be 1-D/);
});
