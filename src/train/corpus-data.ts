// The trainer's TokenData over a src/data Corpus: training batches are per-document crops (HDLM §7.1 framing)
// drawn as a pure function of (seed, batch index), validation batches are fixed crops of the validation split.
import { openCorpus } from "../data/corpus";
import type { Corpus } from "../data/corpus";
import { buildCompactVocab, countTokens } from "../data/compact-vocab";
import type { CompactVocab } from "../data/compact-vocab";
import { GPT2_VOCAB_SIZE } from "../data/gpt2";
import type { ProgressHook } from "../data/progress";
import { SeededRng } from "../util/rng";
import { cropBatch } from "../data/sequences";
import type { TokenBatch } from "../data/sequences";
import type { OpenWebTextData } from "./config";
import type { TokenData } from "./text-data";
import { streamRng, hash32, STREAM } from "./streams";

/** Options of {@link corpusTokenData}. */
export interface CorpusTokenDataOptions {
  /** Use only documents with index < maxDocs (file order, before the split); 0 (default) = all. */
  maxDocs?: number;
}

/** Documents of a split, limited to indices < maxDocs when maxDocs > 0. */
function splitDocuments(corpus: Corpus, split: "train" | "validation", maxDocs: number): Int32Array {
  const docs = corpus.documents(split);
  return maxDocs > 0 ? docs.filter((d) => d < maxDocs) : docs;
}

/**
 * Wraps a corpus as the trainer's {@link TokenData}. Training batch k draws B documents of the training split
 * uniformly (with replacement) and a random crop of each from `hash(seed, k, data)`, so a resumed run sees the same
 * batches. Validation batch j is documents [jB, (j+1)B) of the validation split (cyclically) cropped with a seed
 * fixed for all runs, so every model is scored on the same windows. `trainTokens()` is the training split as one
 * stream with a -1 break between documents (the `cooc` cluster source reads breaks as window boundaries).
 */
export function corpusTokenData(corpus: Corpus, options: CorpusTokenDataOptions = {}): TokenData {
  const maxDocs = options.maxDocs ?? 0;
  if (!Number.isInteger(maxDocs) || maxDocs < 0) throw new RangeError(`maxDocs must be an integer >= 0 (0 = all), got ${maxDocs}`);
  const trainDocs = splitDocuments(corpus, "train", maxDocs);
  const valDocs = splitDocuments(corpus, "validation", maxDocs);
  if (trainDocs.length === 0) throw new Error("corpus: the training split has no documents; add data, raise maxDocs or lower validationFraction");
  if (valDocs.length === 0) throw new Error("corpus: the validation split has no documents; raise validationFraction or maxDocs, or add data");
  const s = corpus.stats();
  const tokensOf = (docs: Int32Array): number => docs.reduce((n, d) => n + corpus.documentTokens(d).length, 0);
  const coverage = s.compactCoverage !== undefined ? `, vocab ${corpus.vocabSize} covers ${(100 * s.compactCoverage).toFixed(1)}% of train tokens` : "";
  let stream: Int32Array | null = null;
  return {
    vocabSize: corpus.vocabSize,
    describe: `${trainDocs.length} train / ${valDocs.length} val docs, ${tokensOf(trainDocs)} / ${tokensOf(valDocs)} tokens${coverage}`,
    ...(corpus.compactVocab !== undefined ? { compactVocab: corpus.compactVocab } : {}),
    trainTokens(): Int32Array {
      if (stream === null) {
        let total = trainDocs.length - 1;
        for (const d of trainDocs) total += corpus.documentTokens(d).length;
        const out = new Int32Array(total);
        let at = 0;
        trainDocs.forEach((d, i) => {
          if (i > 0) out[at++] = -1;
          const doc = corpus.documentTokens(d);
          for (let j = 0; j < doc.length; j++) out[at++] = doc[j];
        });
        stream = out;
      }
      return stream;
    },
    batch(split, index, batchSize, seqLen, seed): TokenBatch {
      if (!Number.isInteger(index) || index < 0) throw new RangeError(`batch index must be an integer >= 0, got ${index}`);
      if (split === "train") {
        const rng = streamRng(seed, index, STREAM.data);
        const docs = Array.from({ length: batchSize }, () => corpus.documentTokens(trainDocs[rng.int(trainDocs.length)]));
        return cropBatch(docs, corpus.framing, seqLen, rng);
      }
      const docs = Array.from({ length: batchSize }, (_, b) => corpus.documentTokens(valDocs[(index * batchSize + b) % valDocs.length]));
      return cropBatch(docs, corpus.framing, seqLen, new SeededRng(hash32(index, STREAM.eval)));
    },
  };
}

/** Options of {@link openTrainingData}. */
export interface TrainingDataOptions {
  /** Token cache folder (default src/data's `.cache/data`). */
  cacheDir?: string;
  /** Use this compact vocabulary instead of building one (a run folder's `vocab.json`). */
  vocab?: CompactVocab;
  /** Tokenization progress (default: src/data's printer on stderr); null for silence. */
  onProgress?: ProgressHook | null;
}

/**
 * The trainer's data for an `openwebtext` config through src/data: `data.files` are tokenized into the checksummed
 * token cache, split by document hash (`data.valFraction` → validationFraction), and mapped to the compact vocabulary
 * of total size `data.vocabSize` built from the training split (`vocabSize` 50257 keeps raw GPT-2 ids). With
 * `data.maxDocs` > 0 only the first maxDocs documents are used, and the vocabulary is built from their training part.
 * Throws naming `data.vocabSize` when the training split has too few distinct tokens to fill the vocabulary.
 */
export async function openTrainingData(data: OpenWebTextData, seqLen: number, options: TrainingDataOptions = {}): Promise<{ corpus: Corpus; data: TokenData }> {
  const raw = data.vocabSize === GPT2_VOCAB_SIZE;
  if (!Number.isInteger(data.vocabSize) || data.vocabSize < 3 || data.vocabSize > GPT2_VOCAB_SIZE) {
    throw new Error(`data.vocabSize must be an integer in [3, ${GPT2_VOCAB_SIZE}] (${GPT2_VOCAB_SIZE} = raw GPT-2 ids), got ${data.vocabSize}`);
  }
  const base = { paths: data.files, seqLen, cacheDir: options.cacheDir, validationFraction: data.valFraction, onProgress: options.onProgress };
  let vocab = options.vocab;
  if (vocab === undefined && !raw && data.maxDocs > 0) {
    const all = await openCorpus(base);
    const docs = all.documents("train").filter((d) => d < data.maxDocs);
    vocab = buildCompactVocab(countTokens(all.cache.tokens, all.cache.offsets, docs), data.vocabSize);
  }
  const corpus = await openCorpus({ ...base, ...(raw ? {} : vocab !== undefined ? { vocab } : { compactVocab: data.vocabSize }) });
  if (corpus.vocabSize !== data.vocabSize) {
    throw new Error(`data.vocabSize is ${data.vocabSize} but the training split of ${data.files.join(", ")} fills only ${corpus.vocabSize} ids (distinct tokens + EOS + UNK); lower data.vocabSize to <= ${corpus.vocabSize} or add data.files`);
  }
  return { corpus, data: corpusTokenData(corpus, { maxDocs: data.maxDocs }) };
}
