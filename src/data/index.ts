// Public exports of src/data: streamed readers, GPT-2 BPE, sequences and batches, the split, the token
// cache, the compact vocabulary, and the Corpus (OpenWebText training/validation, WikiText-2 evaluation).
export { DataFileError } from "./document";
export type { TextDocument } from "./document";
export { readJsonLines, readTextLines } from "./read-jsonl";
export { readTextFile } from "./read-txt";
export { readOpenWebTextArchive, xzDecompress } from "./read-owt-tar";
export { readParquet } from "./read-parquet";
export { readWikiText, detokenizeWikiText, isWikiTextTitle } from "./wikitext";
export type { WikiTextOptions } from "./wikitext";
export { readDocuments, readDataFile, listDataFiles, formatOf } from "./read-documents";
export type { DataFormat } from "./read-documents";
export { GPT2_EOT, GPT2_VOCAB_SIZE, gpt2Encode, gpt2Decode, gpt2Tokenizer } from "./gpt2";
export type { TextTokenizer } from "./gpt2";
export { ProgressTracker, progressPrinter, formatProgress } from "./progress";
export type { TokenizeProgress, ProgressHook } from "./progress";
export { cropDocumentInto, cropBatch, packDocuments, stackRows, documentWindows, windowBatches } from "./sequences";
export type { TokenBatch, Framing } from "./sequences";
export { textHash32, splitOf, splitValue, codePointCount } from "./split";
export {
  TOKEN_CACHE_FORMAT,
  TOKEN_CACHE_VERSION,
  tokenCacheDir,
  readTokenCache,
  buildTokenCache,
  loadOrBuildTokenCache,
  cacheDocument,
} from "./token-cache";
export type { TokenCache, TokenCacheHeader, TokenCacheOptions, CacheSource } from "./token-cache";
export { CompactVocab, UNK_TEXT, buildCompactVocab, countTokens, saveCompactVocab, loadCompactVocab } from "./compact-vocab";
export { openCorpus, openWikiText, REPO_ROOT, DEFAULT_OWT_PATH, DEFAULT_CACHE_DIR } from "./corpus";
export type { Corpus, CorpusOptions, CorpusStats, SplitName, WikiTextCorpusOptions } from "./corpus";
