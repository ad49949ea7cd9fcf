// Corpus cluster maps for HDLM with a cache (hdlm.md §1.3): cooc embeddings of the training tokens, then
// size-regularised k-means; the map and centroids are stored under a key of the token fingerprint and settings.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { coocEmbeddings, type CoocOptions, type TokenStream } from "./embeddings-cooc";
import { buildClusterMap } from "./build";
import { kmeansSettingsRecord, type KMeansOptions } from "./kmeans";
import { createClusterMap, type ClusterMap } from "./cluster-map";
import { loadClusterMap, saveClusterMap, loadCentroids, saveCentroids, withCentroids } from "./cluster-map-io";

/** The cache version; bump it when the cooc or k-means code changes what a key produces. */
export const CLUSTER_CACHE_VERSION = 1;

/** Settings of a corpus cluster map; everything here (plus the tokens) is part of the cache key. */
export interface CorpusClusterOptions {
  /** n: number of clusters (1 gives the single-cluster map, hdlm.md §9, without k-means). */
  numClusters: number;
  /** Settings of the `cooc` embedding source (defaults of hdlm.md §1.3: window 4, minCount 5, dim 64, seed 42). */
  cooc?: CoocOptions;
  /** k-means settings other than n (defaults of hdlm.md §1.3: seed 42, 100 iterations, tol 1e-4, euclidean). */
  kmeans?: Omit<KMeansOptions, "numClusters">;
  /** Folder of the cache files (default `<repo>/.cache/clusters`); `null` disables the cache. */
  cacheDir?: string | null;
}

/** A corpus cluster map and where it came from. */
export interface CorpusClusters {
  /** The map, with its centroids [n, d] in the cooc space. */
  readonly map: ClusterMap;
  /** The cache key: sha256 of the token fingerprint and the resolved settings (hex, 16 chars). */
  readonly key: string;
  /** The cluster file (JSON, hdlm.md §1.2), or null when the cache is disabled. */
  readonly file: string | null;
  /** True when the map was read from the cache instead of being built. */
  readonly cacheHit: boolean;
  /** Wall time of the build or load, in seconds. */
  readonly seconds: number;
}

/** `<repo>/.cache/clusters` (this file sits in src/experiments or dist/experiments). */
export const DEFAULT_CLUSTER_CACHE_DIR = path.resolve(__dirname, "..", "..", ".cache", "clusters");

function isDocuments(tokens: TokenStream): tokens is readonly ArrayLike<number>[] {
  return Array.isArray(tokens) && tokens.length > 0 && typeof tokens[0] !== "number";
}

/**
 * sha256 (hex) of a token stream as the cooc source reads it: ids as little-endian int32, documents separated by
 * a -1 break, so two streams with the same fingerprint give the same co-occurrence counts.
 */
export function tokenFingerprint(tokens: TokenStream): string {
  const h = crypto.createHash("sha256");
  const docs: readonly ArrayLike<number>[] = isDocuments(tokens) ? tokens : [tokens as ArrayLike<number>];
  const chunk = new Int32Array(1 << 16);
  let used = 0;
  const flush = () => {
    h.update(Buffer.from(chunk.buffer, 0, used * 4));
    used = 0;
  };
  for (let d = 0; d < docs.length; d++) {
    if (d > 0) {
      chunk[used++] = -1;
      if (used === chunk.length) flush();
    }
    const doc = docs[d];
    for (let i = 0; i < doc.length; i++) {
      chunk[used++] = doc[i];
      if (used === chunk.length) flush();
    }
  }
  flush();
  return h.digest("hex");
}

/** The settings with every default filled in (what the key hashes and the cluster file records). */
export function resolveClusterSettings(vocabSize: number, options: CorpusClusterOptions): {
  cooc: Required<CoocOptions>;
  kmeans: Required<Omit<KMeansOptions, "numClusters" | "batchSize">> & { numClusters: number };
} {
  const n = options.numClusters;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`numClusters must be an integer >= 1, got ${n}`);
  if (n > vocabSize) throw new RangeError(`numClusters (${n}) must be <= vocabSize (${vocabSize}) so that every cluster can be non-empty`);
  const c = options.cooc ?? {};
  const k = options.kmeans ?? {};
  return {
    cooc: {
      window: c.window ?? 4,
      minCount: c.minCount ?? 5,
      // The SVD rank cannot exceed the number of rows; small test vocabularies need a smaller default.
      dim: c.dim ?? Math.min(64, Math.max(1, vocabSize - 1)),
      seed: c.seed ?? 42,
      oversample: c.oversample ?? 10,
      powerIterations: c.powerIterations ?? 4,
    },
    kmeans: {
      numClusters: n,
      ...kmeansSettingsRecord(k),
    },
  };
}

/** The cache key of (tokens, vocabSize, settings): 16 hex chars of sha256. */
export function clusterCacheKey(tokens: TokenStream, vocabSize: number, options: CorpusClusterOptions): string {
  const settings = resolveClusterSettings(vocabSize, options);
  const h = crypto.createHash("sha256");
  h.update(JSON.stringify({ version: CLUSTER_CACHE_VERSION, vocabSize, tokens: tokenFingerprint(tokens), ...settings }));
  return h.digest("hex").slice(0, 16);
}

function buildNow(tokens: TokenStream, vocabSize: number, options: CorpusClusterOptions): ClusterMap {
  const s = resolveClusterSettings(vocabSize, options);
  if (s.kmeans.numClusters === 1) {
    return createClusterMap(new Int32Array(vocabSize), 1, { source: "single cluster (n = 1 is MDLM)", settings: { kmeans: s.kmeans } });
  }
  const emb = coocEmbeddings(tokens, vocabSize, s.cooc);
  return buildClusterMap(emb, s.kmeans).map;
}

/**
 * The cluster map of a corpus for HDLM (hdlm.md §1.3, `cooc` source): loads `<cacheDir>/clusters-<key>.json`
 * (+ `.centroids.npy`) when the key of these tokens and settings is cached, else builds it (co-occurrence PPMI+SVD
 * embeddings, then size-regularised k-means++) and writes the files atomically. A cached file whose recorded key
 * differs (e.g. edited by hand) is rebuilt. `tokens` are the training split's ids in the model's vocabulary.
 */
export function corpusClusters(tokens: TokenStream, vocabSize: number, options: CorpusClusterOptions): CorpusClusters {
  const t0 = Date.now();
  const key = clusterCacheKey(tokens, vocabSize, options);
  const dir = options.cacheDir === undefined ? DEFAULT_CLUSTER_CACHE_DIR : options.cacheDir;
  const seconds = () => (Date.now() - t0) / 1000;
  if (dir === null) return { map: buildNow(tokens, vocabSize, options), key, file: null, cacheHit: false, seconds: seconds() };
  const file = path.join(dir, `clusters-${key}.json`);
  const centroidFile = path.join(dir, `clusters-${key}.centroids.npy`);
  if (fs.existsSync(file)) {
    let map = loadClusterMap(file, { vocabSize, numClusters: options.numClusters });
    if (map.settings.cacheKey === key) {
      if (fs.existsSync(centroidFile)) map = withCentroids(map, loadCentroids(centroidFile, map.numClusters));
      return { map, key, file, cacheHit: true, seconds: seconds() };
    }
  }
  const built = buildNow(tokens, vocabSize, options);
  const map = createClusterMap(built.clusterOf, built.numClusters, {
    source: built.source,
    settings: { ...built.settings, cacheKey: key, cacheVersion: CLUSTER_CACHE_VERSION },
    centroids: built.centroids,
  });
  fs.mkdirSync(dir, { recursive: true });
  if (map.centroids !== undefined) saveCentroids(map.centroids, centroidFile);
  saveClusterMap(map, file); // written last: a present JSON means a complete entry
  return { map, key, file, cacheHit: false, seconds: seconds() };
}
