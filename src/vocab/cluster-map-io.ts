// Saving and loading cluster maps (JSON `{ n, vocabSize, source, settings, clusterOf }` or .npy
// int32/int64) and centroids (.npy float32 [n, d]), with atomic writes and validation on load.
import * as fs from "fs";
import { writeFileAtomic } from "../util/fs";
import { readNpy, writeNpy, npyToInt32, npyToFloat32 } from "./npy";
import { createClusterMap, type ClusterMap, type Centroids } from "./cluster-map";

/** What the caller expects of a loaded map; a mismatch is an error naming the file. */
export interface ClusterMapExpect {
  vocabSize?: number;
  numClusters?: number;
}

function isNpy(file: string): boolean {
  return file.toLowerCase().endsWith(".npy");
}

/**
 * Saves a cluster map: `.json` gives `{ "n", "vocabSize", "source", "settings", "clusterOf" }`
 * (hdlm.md §1.2), `.npy` gives an int32 vector (n, source and settings are not stored there).
 * Centroids, if any, are not written here: use `saveCentroids`.
 */
export function saveClusterMap(map: ClusterMap, file: string): void {
  if (isNpy(file)) {
    writeNpy(file, map.clusterOf, [map.vocabSize]);
    return;
  }
  const json = {
    n: map.numClusters,
    vocabSize: map.vocabSize,
    source: map.source,
    settings: map.settings,
    clusterOf: Array.from(map.clusterOf),
  };
  writeFileAtomic(file, JSON.stringify(json) + "\n");
}

/**
 * Loads and validates a cluster map from `.json` or `.npy` (int32/int64). For `.npy`, n is
 * `expect.numClusters` if given, else max + 1. Errors name the file and the offending field/index.
 */
export function loadClusterMap(file: string, expect: ClusterMapExpect = {}): ClusterMap {
  if (!fs.existsSync(file)) throw new Error(`${file}: cluster map file not found`);
  let map: ClusterMap;
  if (isNpy(file)) {
    const arr = readNpy(file);
    if (arr.shape.length !== 1) {
      throw new Error(`${file}: cluster map .npy must be 1-D [vocabSize], got shape [${arr.shape.join(", ")}]`);
    }
    const clusterOf = npyToInt32(arr, file);
    let n = expect.numClusters;
    if (n === undefined) {
      n = 0;
      for (let i = 0; i < clusterOf.length; i++) n = Math.max(n, clusterOf[i] + 1);
    }
    map = createClusterMap(clusterOf, n, { where: file, source: `npy:${file}` });
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message}); expected { "n", "vocabSize", "source", "clusterOf" }`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new Error(`${file}: expected a JSON object { "n", "vocabSize", "source", "clusterOf" }`);
    }
    const o = raw as Record<string, unknown>;
    if (typeof o.n !== "number") throw new Error(`${file}: field "n" (number of clusters) is missing or not a number`);
    if (typeof o.vocabSize !== "number") throw new Error(`${file}: field "vocabSize" is missing or not a number`);
    if (!Array.isArray(o.clusterOf)) throw new Error(`${file}: field "clusterOf" is missing or not an array`);
    if (o.source !== undefined && typeof o.source !== "string") throw new Error(`${file}: field "source" must be a string`);
    if (o.settings !== undefined && (typeof o.settings !== "object" || o.settings === null)) {
      throw new Error(`${file}: field "settings" must be an object`);
    }
    map = createClusterMap(o.clusterOf as number[], o.n, {
      where: file,
      vocabSize: o.vocabSize,
      source: (o.source as string | undefined) ?? "unknown",
      settings: (o.settings as Record<string, unknown> | undefined) ?? {},
    });
  }
  if (expect.vocabSize !== undefined && map.vocabSize !== expect.vocabSize) {
    throw new Error(`${file}: vocabSize is ${map.vocabSize} but the vocabulary has ${expect.vocabSize} tokens; rebuild the cluster map for this tokenizer`);
  }
  if (expect.numClusters !== undefined && map.numClusters !== expect.numClusters) {
    throw new Error(`${file}: n is ${map.numClusters} but the config asks for ${expect.numClusters} clusters`);
  }
  return map;
}

/** Saves centroids as .npy float32 [n, d]. */
export function saveCentroids(centroids: Centroids, file: string): void {
  writeNpy(file, centroids.data, [centroids.data.length / centroids.dim, centroids.dim]);
}

/** Loads centroids from .npy float32 [n, d]; `numClusters` checks n. */
export function loadCentroids(file: string, numClusters?: number): Centroids {
  const arr = readNpy(file);
  if (arr.shape.length !== 2) throw new Error(`${file}: centroids must be 2-D [n, d], got shape [${arr.shape.join(", ")}]`);
  if (numClusters !== undefined && arr.shape[0] !== numClusters) {
    throw new Error(`${file}: centroids have ${arr.shape[0]} rows but there are ${numClusters} clusters`);
  }
  return { dim: arr.shape[1], data: npyToFloat32(arr, file) };
}

/** Returns a copy of `map` with centroids attached (validated against n). */
export function withCentroids(map: ClusterMap, centroids: Centroids): ClusterMap {
  return createClusterMap(map.clusterOf, map.numClusters, {
    source: map.source,
    settings: { ...map.settings },
    centroids,
  });
}
