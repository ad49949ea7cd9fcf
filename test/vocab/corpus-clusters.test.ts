// Tests of the cached corpus cluster maps: same settings hit the cache, changed settings or tokens rebuild,
// a tampered file is rebuilt, and co-occurrence clusters recover two token groups that never share a context.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { corpusClusters, clusterCacheKey, tokenFingerprint } from "../../src/vocab/corpus-clusters";
import { SeededRng } from "../../src/util/rng";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-clusters-"));
}

/** Documents over V = 12 tokens: group A = 0..5 only co-occurs with A, group B = 6..11 only with B. */
function twoGroupDocs(seed: number, docs = 120, len = 30): Int32Array[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: docs }, (_, d) => {
    const base = d % 2 === 0 ? 0 : 6;
    return Int32Array.from({ length: len }, () => base + rng.int(6));
  });
}

test("cooc + k-means recovers two token groups that never share a window", () => {
  const { map, cacheHit } = corpusClusters(twoGroupDocs(1), 12, { numClusters: 2, cooc: { minCount: 0, dim: 4 }, cacheDir: null });
  assert.equal(cacheHit, false);
  const a = map.clusterOf[0];
  for (let v = 0; v < 6; v++) assert.equal(map.clusterOf[v], a, `token ${v} should be in group A's cluster`);
  for (let v = 6; v < 12; v++) assert.notEqual(map.clusterOf[v], a, `token ${v} should not be in group A's cluster`);
  assert.equal(map.source, "cooc");
  assert.ok(map.centroids !== undefined && map.centroids.dim === 4);
});

test("same tokens and settings hit the cache; the loaded map equals the built one", () => {
  const dir = tmp();
  const docs = twoGroupDocs(2);
  const opts = { numClusters: 3, cooc: { minCount: 0, dim: 4 }, cacheDir: dir };
  const first = corpusClusters(docs, 12, opts);
  assert.equal(first.cacheHit, false);
  assert.ok(first.file !== null && fs.existsSync(first.file));
  const second = corpusClusters(docs, 12, opts);
  assert.equal(second.cacheHit, true);
  assert.equal(second.key, first.key);
  assert.deepEqual(Array.from(second.map.clusterOf), Array.from(first.map.clusterOf));
  assert.deepEqual(Array.from(second.map.centroids!.data), Array.from(first.map.centroids!.data));
  assert.equal(second.map.settings.cacheKey, first.key);
});

test("changed settings or tokens give a new key and a rebuild", () => {
  const dir = tmp();
  const docs = twoGroupDocs(3);
  const base = { numClusters: 2, cooc: { minCount: 0, dim: 4 }, cacheDir: dir };
  const k0 = corpusClusters(docs, 12, base);
  const variants = [
    corpusClusters(docs, 12, { ...base, numClusters: 3 }),
    corpusClusters(docs, 12, { ...base, cooc: { minCount: 0, dim: 4, window: 2 } }),
    corpusClusters(docs, 12, { ...base, kmeans: { seed: 7 } }),
    corpusClusters(twoGroupDocs(4), 12, base),
  ];
  const keys = new Set([k0.key, ...variants.map((v) => v.key)]);
  assert.equal(keys.size, 5, "every change of settings or tokens must change the key");
  for (const v of variants) assert.equal(v.cacheHit, false);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith(".json")).length, 5);
});

test("a cache file whose recorded key does not match is rebuilt", () => {
  const dir = tmp();
  const docs = twoGroupDocs(5);
  const opts = { numClusters: 2, cooc: { minCount: 0, dim: 4 }, cacheDir: dir };
  const first = corpusClusters(docs, 12, opts);
  const json = JSON.parse(fs.readFileSync(first.file!, "utf8"));
  json.settings.cacheKey = "something-else";
  fs.writeFileSync(first.file!, JSON.stringify(json));
  const again = corpusClusters(docs, 12, opts);
  assert.equal(again.cacheHit, false);
  assert.equal(JSON.parse(fs.readFileSync(first.file!, "utf8")).settings.cacheKey, first.key);
});

test("documents and one stream with -1 breaks have the same fingerprint and key", () => {
  const docs = [Int32Array.of(1, 2, 3), Int32Array.of(4, 5)];
  const stream = Int32Array.of(1, 2, 3, -1, 4, 5);
  assert.equal(tokenFingerprint(docs), tokenFingerprint(stream));
  assert.notEqual(tokenFingerprint(docs), tokenFingerprint(Int32Array.of(1, 2, 3, 4, 5)));
  assert.equal(clusterCacheKey(docs, 6, { numClusters: 2 }), clusterCacheKey(stream, 6, { numClusters: 2 }));
});

test("n = 1 is the single-cluster map; bad n is an error naming numClusters", () => {
  const { map } = corpusClusters(twoGroupDocs(6), 12, { numClusters: 1, cacheDir: null });
  assert.equal(map.numClusters, 1);
  assert.ok(map.clusterOf.every((k) => k === 0));
  assert.throws(() => corpusClusters(twoGroupDocs(6), 12, { numClusters: 13, cacheDir: null }), /numClusters \(13\) must be <= vocabSize \(12\)/);
  assert.throws(() => corpusClusters(twoGroupDocs(6), 12, { numClusters: 0, cacheDir: null }), /numClusters must be an integer >= 1/);
});
