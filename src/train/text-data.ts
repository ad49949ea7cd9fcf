// What the trainer reads from data: one batch of clean token ids with its padding mask, and the TokenData interface
// (deterministic batches addressed by index). The OpenWebText implementation over src/data is ./corpus-data.ts.
import type { CompactVocab } from "../data/compact-vocab";
import type { TokenBatch } from "../data/sequences";

/** What the trainer needs from data: a vocabulary size and deterministic batches addressed by index. */
export interface TokenData {
  vocabSize: number;
  /** One line for logs (documents, tokens, vocabulary coverage). */
  describe: string;
  /** The compact vocabulary the ids are in (the trainer saves it as `<runDir>/vocab.json`); absent for raw GPT-2 ids. */
  compactVocab?: CompactVocab;
  /** The training token stream (cluster maps are built from it). */
  trainTokens(): Int32Array;
  /** Training batch `index` (a pure function of seed and index) or validation batch `index` (fixed windows). */
  batch(split: "train" | "val", index: number, batchSize: number, seqLen: number, seed: number): TokenBatch;
}
