// HDLM cluster maps in the reference repository's format (zhouc20/HDLM, hdlm/compute_clusters.py): the cluster dict
// is `torch.save` of an int64 tensor [GPT-2 ids + PAD] = [50258] holding local cluster indices 0..n-1 (the reference
// shifts them by its vocabulary size when it loads them, hdlm/diffusion_process.py); the centroids are float32 [n, d].
// hdlm-lab's maps live on the run's vocabulary (GPT-2 ids, or a compact vocabulary of the most frequent GPT-2 ids with
// EOS = 0 and UNK last), so both directions go through that vocabulary.
import { GPT2_EOT, GPT2_VOCAB_SIZE } from "../data/gpt2";
import type { CompactVocab } from "../data/compact-vocab";
import { createClusterMap, type ClusterMap } from "../vocab/cluster-map";
import { readTorchArchive } from "./torch-archive";
import { TorchTensor } from "./pickle";

/** Length of the reference's cluster dict: GPT-2's 50,257 ids and its [PAD] = 50257. */
export const REFERENCE_DICT_LENGTH = GPT2_VOCAB_SIZE + 1;

/** A reference-format cluster dict built from a run's map, with what had to be filled in. */
export interface ReferenceClusterDict {
  /** Local cluster index per GPT-2 id (and PAD last), length 50258. */
  readonly clusterOf: Int32Array;
  /** GPT-2 ids outside the run's vocabulary: they take the cluster of its UNK token (their id in the run). */
  readonly uncovered: number;
  /** The cluster given to [PAD] (the run never predicts PAD: the reference needs one, so it gets UNK's, or EOS's). */
  readonly padCluster: number;
}

/**
 * The reference cluster dict of `map` over the run's vocabulary (`vocab` null: the run uses raw GPT-2 ids).
 * Every GPT-2 id gets the cluster of its id in the run (UNK for ids the compact vocabulary dropped); PAD gets UNK's
 * cluster, or EOS's for a raw GPT-2 run.
 */
export function toReferenceClusterDict(map: ClusterMap, vocab: CompactVocab | null): ReferenceClusterDict {
  const expected = vocab?.size ?? GPT2_VOCAB_SIZE;
  if (map.vocabSize !== expected) throw new RangeError(`cluster map covers ${map.vocabSize} tokens but the run's vocabulary has ${expected}`);
  const out = new Int32Array(REFERENCE_DICT_LENGTH);
  let uncovered = 0;
  for (let g = 0; g < GPT2_VOCAB_SIZE; g++) {
    const id = vocab === null ? g : vocab.toCompact[g];
    if (vocab !== null && id === vocab.unk) uncovered++;
    out[g] = map.clusterOf[id];
  }
  const padCluster = map.clusterOf[vocab === null ? GPT2_EOT : vocab.unk];
  out[GPT2_VOCAB_SIZE] = padCluster;
  return { clusterOf: out, uncovered, padCluster };
}

/**
 * Reads a reference cluster dict (`semantic_cluster_dict_*.pt`) onto the run's vocabulary: each id takes the cluster
 * of its GPT-2 id; a compact vocabulary's UNK takes the most common cluster among the GPT-2 ids it stands for. Values
 * already shifted by a vocabulary size (the reference's in-memory form) are shifted back. Throws one line naming the
 * file: not a torch.save file, not a 1-D integer tensor of length >= 50257, or a cluster with no member in the run.
 */
export function readReferenceClusterDict(file: string, vocab: CompactVocab | null): ClusterMap {
  const archive = readTorchArchive(file);
  const t = archive.root;
  if (!(t instanceof TorchTensor) || t.shape.length !== 1) throw new Error(`${file}: not a reference cluster dict (expected torch.save of a 1-D int64 tensor)`);
  if (t.shape[0] < GPT2_VOCAB_SIZE) throw new Error(`${file}: the cluster dict has ${t.shape[0]} entries, fewer than GPT-2's ${GPT2_VOCAB_SIZE} ids`);
  const raw = archive.integers(t, "the cluster dict");
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of raw) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const local = Int32Array.from(raw, (v) => v - lo); // the reference's saved form starts at 0; a shifted copy starts at V
  const n = hi - lo + 1;
  const V = vocab?.size ?? GPT2_VOCAB_SIZE;
  const clusterOf = new Int32Array(V);
  if (vocab === null) clusterOf.set(local.subarray(0, GPT2_VOCAB_SIZE));
  else {
    for (let id = 0; id < V; id++) if (id !== vocab.unk) clusterOf[id] = local[vocab.toGpt2[id]];
    const votes = new Int32Array(n);
    for (let g = 0; g < GPT2_VOCAB_SIZE; g++) if (vocab.toCompact[g] === vocab.unk) votes[local[g]]++;
    clusterOf[vocab.unk] = votes.indexOf(Math.max(...votes));
  }
  return createClusterMap(clusterOf, n, {
    vocabSize: V,
    source: "file",
    settings: { reference: file, referenceLength: t.shape[0], unk: vocab === null ? null : "most common cluster of the GPT-2 ids outside the vocabulary" },
    where: file,
  });
}
