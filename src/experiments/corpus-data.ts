// The trainer's TokenData over a src/data Corpus: training batches are per-document crops (HDLM §7.1 framing)
// drawn as a pure function of (seed, batch index), validation batches are fixed crops of the validation split.
import type { Corpus } from "../data/corpus";
import { SeededRng } from "../processes/rng";
import { cropBatch } from "../data/sequences";
import type { TokenBatch } from "../data/sequences";
import type { Batch, TokenData } from "../train/text-data";
import { streamRng, hash32, STREAM } from "../train/streams";

/** Converts a data batch (int32 mask) to a trainer batch (float32 mask). */
export function toTrainerBatch(b: TokenBatch): Batch {
  return { tokens: b.tokens, mask: Float32Array.from(b.mask), batchSize: b.batchSize, seqLen: b.seqLen };
}

/**
 * Wraps a corpus as the trainer's {@link TokenData}. Training batch k draws B documents of the training split
 * uniformly (with replacement) and a random crop of each from `hash(seed, k, data)`, so a resumed run sees the same
 * batches. Validation batch j is documents [jB, (j+1)B) of the validation split (cyclically) cropped with a seed
 * fixed for all runs, so every model is scored on the same windows. `trainTokens()` is the training split as one
 * stream with a -1 break between documents (the `cooc` cluster source reads breaks as window boundaries).
 */
export function corpusTokenData(corpus: Corpus): TokenData {
  const trainDocs = corpus.documents("train");
  const valDocs = corpus.documents("validation");
  if (trainDocs.length === 0) throw new Error("corpus: the training split has no documents; add data or lower validationFraction");
  if (valDocs.length === 0) throw new Error("corpus: the validation split has no documents; raise validationFraction or add data");
  const s = corpus.stats();
  const coverage = s.compactCoverage !== undefined ? `, vocab ${corpus.vocabSize} covers ${(100 * s.compactCoverage).toFixed(1)}% of train tokens` : "";
  let stream: Int32Array | null = null;
  return {
    vocabSize: corpus.vocabSize,
    describe: `${s.train.documents} train / ${s.validation.documents} val docs, ${s.train.tokens} / ${s.validation.tokens} tokens${coverage}`,
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
    batch(split, index, batchSize, seqLen, seed): Batch {
      if (!Number.isInteger(index) || index < 0) throw new RangeError(`batch index must be an integer >= 0, got ${index}`);
      if (split === "train") {
        const rng = streamRng(seed, index, STREAM.data);
        const docs = Array.from({ length: batchSize }, () => corpus.documentTokens(trainDocs[rng.int(trainDocs.length)]));
        return toTrainerBatch(cropBatch(docs, corpus.framing, seqLen, rng));
      }
      const docs = Array.from({ length: batchSize }, (_, b) => corpus.documentTokens(valDocs[(index * batchSize + b) % valDocs.length]));
      return toTrainerBatch(cropBatch(docs, corpus.framing, seqLen, new SeededRng(hash32(index, STREAM.eval))));
    },
  };
}
