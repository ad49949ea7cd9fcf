// Public exports of src/vocab: the HDLM id layout, cluster maps and their files, size-regularised
// k-means++, and the embedding sources (file / model / cooc) clusters are built from (hdlm.md §1).
export { vocabLayout } from "./layout";
export type { VocabLayout } from "./layout";
export { createClusterMap, clusterSizes, clusterMembers, clusterSizeReport } from "./cluster-map";
export type { ClusterMap, Centroids, ClusterMapOptions, ClusterSizeReport } from "./cluster-map";
export { saveClusterMap, loadClusterMap, saveCentroids, loadCentroids, withCentroids } from "./cluster-map-io";
export type { ClusterMapExpect } from "./cluster-map-io";
export { readNpy, writeNpy, encodeNpy, decodeNpy, npyToInt32, npyToFloat32 } from "./npy";
export type { NpyArray, NpyData, NpyDtype } from "./npy";
export { readSafetensorF32, writeSafetensorsF32, listSafetensors } from "./safetensors";
export type { SafetensorF32 } from "./safetensors";
export { kmeansClusters, normalizeRows, KMEANS_DEFAULTS, resolveKMeansSettings, kmeansSettingsRecord } from "./kmeans";
export type { KMeansOptions, KMeansResult, KMeansMetric, KMeansSettings } from "./kmeans";
export { embeddingsFromFile, embeddingsFromMatrix, resolveEmbeddings, tokenEmbeddingMatrix } from "./embeddings";
export type { TokenEmbeddings, EmbeddingSourceConfig } from "./embeddings";
export { coocEmbeddings } from "./embeddings-cooc";
export type { CoocOptions, TokenStream } from "./embeddings-cooc";
export { symmetricTruncatedSvd, jacobiEigen } from "./svd";
export type { CsrMatrix, TruncatedSvd } from "./svd";
export { buildClusterMap } from "./build";
export type { BuiltClusters } from "./build";
export { describeClusters } from "./describe";
export type { ClusterDescription, DescribeClustersOptions } from "./describe";
export { corpusClusters, clusterCacheKey, tokenFingerprint, resolveClusterSettings, CLUSTER_CACHE_VERSION, DEFAULT_CLUSTER_CACHE_DIR } from "./corpus-clusters";
export type { CorpusClusterOptions, CorpusClusters } from "./corpus-clusters";
