// Re-export of the trainer's TokenData over a src/data Corpus, which now lives in src/train/corpus-data.ts (kept so
// existing `src/experiments` imports keep working).
export { corpusTokenData, toTrainerBatch } from "../train/corpus-data";
export type { CorpusTokenDataOptions } from "../train/corpus-data";
