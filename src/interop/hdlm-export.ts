// `hdlm export --run <hdlm run> --to <dir>`: an HDLM run's cluster map, cluster-token embeddings and config in the
// reference repository's formats (zhouc20/HDLM): `semantic_cluster_dict_<tag>_<n>.pt`, `semantic_centroids_<tag>_<n>.pt`
// and `hdlm-<tag>-cluster_<n>-gamma_<g>-xi_<xi>.yaml`, ready for its `model.cluster_dict_path`, `cluster_embed_path`.
import * as fs from "fs";
import * as path from "path";
import { readCheckpoint } from "../train/checkpoint";
import { runVocabulary } from "../train/load-run";
import { loadClusterMap } from "../vocab/cluster-map-io";
import { vocabLayout } from "../vocab/layout";
import { writeFileAtomic } from "../util/fs";
import { readRunConfig } from "./mdlm-run";
import { toReferenceClusterDict } from "./hdlm-clusters";
import { referenceConfigName, referenceHdlmConfig } from "./hdlm-config";
import { writeTorchTensor } from "./torch-save";

/** What {@link exportHdlmRun} wrote. */
export interface HdlmExportSummary {
  clusterDict: string;
  centroids: string;
  config: string;
  numClusters: number;
  /** GPT-2 ids outside the run's vocabulary (they take UNK's cluster). */
  uncovered: number;
  notes: string[];
}

/**
 * Writes HDLM run `dir`'s cluster map (int64 [50258] over GPT-2 ids and PAD), the trained cluster-token input
 * embeddings as the centroids (float32 [n, d]: what the reference initialises its cluster embeddings from) and the
 * reference config into folder `outDir`. `tag` names the files (default: the run folder's name). Throws one line
 * naming the run for a non-HDLM run or a run without a checkpoint.
 */
export function exportHdlmRun(dir: string, outDir: string, options: { tag?: string } = {}): HdlmExportSummary {
  const config = readRunConfig(dir);
  const o = config.objective;
  if (o.kind !== "hdlm") throw new Error(`run ${dir} is a ${o.kind} run; cluster maps and HDLM configs come only from hdlm runs`);
  const V = config.data.vocabSize;
  const n = o.numClusters;
  const map = loadClusterMap(path.join(dir, "clusters.json"), { vocabSize: V, numClusters: n });
  const vocab = runVocabulary(dir, V).compactVocab;
  const ck = readCheckpoint(path.join(dir, "checkpoint.bin"));
  const embed = ck.tensors["param/embed"];
  if (embed === undefined || embed.shape.length !== 2) throw new Error(`${dir}/checkpoint.bin: has no param/embed [rows, d]`);
  const d = embed.shape[1];
  const layout = vocabLayout(V, n);
  const first = layout.clusterId(0);
  if (embed.shape[0] < first + n) throw new Error(`${dir}/checkpoint.bin: param/embed has ${embed.shape[0]} rows, fewer than the ${first + n} of V + 1 + n`);

  const tag = options.tag ?? path.basename(path.resolve(dir));
  if (!/^[A-Za-z0-9._-]+$/.test(tag)) throw new Error(`--tag must be letters, digits, '.', '_' or '-', got ${JSON.stringify(tag)}`);
  fs.mkdirSync(outDir, { recursive: true });
  const dictFile = path.join(outDir, `semantic_cluster_dict_${tag}_${n}.pt`);
  const centroidFile = path.join(outDir, `semantic_centroids_${tag}_${n}.pt`);
  const ref = toReferenceClusterDict(map, vocab);
  writeTorchTensor(dictFile, { dtype: "int64", shape: [ref.clusterOf.length], data: ref.clusterOf });
  const rows = embed.data.slice(first * d, (first + n) * d);
  writeTorchTensor(centroidFile, { dtype: "float32", shape: [n, d], data: rows });
  const configFile = path.join(outDir, referenceConfigName(o, tag));
  writeFileAtomic(configFile, referenceHdlmConfig(config, { clusterDict: dictFile, centroids: centroidFile }, path.resolve(dir)));

  const notes: string[] = [];
  if (vocab !== null) notes.push(`the run's compact vocabulary keeps ${V - 2} GPT-2 ids: the other ${ref.uncovered} take UNK's cluster ${map.clusterOf[vocab.unk]}`);
  notes.push(`[PAD] (id ${ref.clusterOf.length - 1}) takes cluster ${ref.padCluster}; the reference keeps PAD in the softmax, hdlm-lab never predicts it`);
  notes.push(`the centroids are the trained cluster-token embeddings (d = ${d}), for a reference model of hidden_size ${d}`);
  return { clusterDict: dictFile, centroids: centroidFile, config: configFile, numClusters: n, uncovered: ref.uncovered, notes };
}
