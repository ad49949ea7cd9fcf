// Building a cluster map from token embeddings (hdlm.md §1.3): k-means over the distinct rows,
// each token takes its row's cluster, and the source and k-means settings are recorded in the map.
import type { TokenEmbeddings } from "./embeddings";
import { kmeansClusters, kmeansSettingsRecord, type KMeansOptions, type KMeansResult } from "./kmeans";
import { createClusterMap, type ClusterMap } from "./cluster-map";

/** A cluster map together with the k-means run that produced it. */
export interface BuiltClusters {
  readonly map: ClusterMap;
  readonly kmeans: KMeansResult;
}

/**
 * Clusters token embeddings into n clusters with size-regularised k-means++ (hdlm.md §1.3).
 * k-means runs on the distinct rows (cooc's rare bucket is one row); every token gets its row's
 * cluster. The map records `source`, the source settings and the k-means settings, and carries the
 * centroids [n, d] (used to initialise the cluster-token embeddings, hdlm.md §1.4).
 */
export function buildClusterMap(embeddings: TokenEmbeddings, options: KMeansOptions): BuiltClusters {
  const km = kmeansClusters(embeddings.data, embeddings.rows, embeddings.dim, options);
  const clusterOf = new Int32Array(embeddings.vocabSize);
  for (let v = 0; v < embeddings.vocabSize; v++) clusterOf[v] = km.assignment[embeddings.rowOf[v]];
  const map = createClusterMap(clusterOf, options.numClusters, {
    source: embeddings.source,
    settings: {
      embeddings: { ...embeddings.settings },
      kmeans: {
        ...kmeansSettingsRecord(options),
        iterations: km.iterations,
        converged: km.converged,
      },
    },
    centroids: { dim: km.dim, data: km.centroids },
  });
  return { map, kmeans: km };
}
