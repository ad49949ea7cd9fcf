// The Corpus: data files -> verified token cache -> deterministic split -> optional compact vocabulary ->
// [B, L] batches (crops as in HDLM §7.1, or MDLM packing). Plus the WikiText-2 evaluation corpus.
import * as fs from "fs";
import * as path from "path";
import { SeededRng, toSeededRng } from "../util/rng";
import { buildCompactVocab, CompactVocab, countTokens, loadCompactVocab, saveCompactVocab } from "./compact-vocab";
import { GPT2_EOT, gpt2Tokenizer } from "./gpt2";
import { ProgressHook, progressPrinter } from "./progress";
import { TokenBatch, cropBatch, Framing, packDocuments, stackRows, windowBatches } from "./sequences";
import { splitOf } from "./split";
import { CacheSource, loadOrBuildTokenCache, TokenCache } from "./token-cache";
import { DataFileError } from "./document";
import type { WikiTextOptions } from "./wikitext";

/** The repository root (this file sits in src/data or dist/data). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** The bundled OpenWebText subset (2,257 documents, 2,533,229 GPT-2 tokens; data/SOURCES.md). */
export const DEFAULT_OWT_PATH = path.join(REPO_ROOT, "data", "openwebtext");
/** Where caches go unless told otherwise (`.cache/` is git-ignored). */
export const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, ".cache", "data");

export type SplitName = "train" | "validation" | "heldout";

export interface CorpusOptions {
  /** Data files or folders (default: the bundled data/openwebtext). */
  paths?: readonly string[];
  /** The split `batches()` draws from (default `train`). */
  split?: SplitName;
  /** Sequence length L, BOS and EOS included. */
  seqLen: number;
  /** false (default): one document per row, cropped/padded (HDLM §7.1); true: MDLM packing. */
  packing?: boolean;
  /** Build a compact vocabulary of this total size from the training split (see `CompactVocab`). */
  compactVocab?: number;
  /** Use this compact vocabulary instead (e.g. the training corpus's, to evaluate on WikiText). */
  vocab?: CompactVocab;
  cacheDir?: string;
  /** Fraction of documents in the validation split (default 0.05), chosen by text hash. */
  validationFraction?: number;
  /** Seed of the split hash (default 0). */
  splitSeed?: number;
  /**
   * Fraction of documents set aside as a held-out split (default 0), the band after the validation band of the same
   * hash: never trained on and never used for any choice; scored once at the end (`windows("heldout", B)`).
   */
  heldoutFraction?: number;
  wikitext?: WikiTextOptions;
  /** Tokenization progress hook (default: a printer on stderr); `null` for silence. */
  onProgress?: ProgressHook | null;
}

export interface CorpusStats {
  documents: number;
  tokens: number;
  chars: number;
  train: { documents: number; tokens: number };
  validation: { documents: number; tokens: number };
  heldout: { documents: number; tokens: number };
  sources: CacheSource[];
  cacheDir: string;
  /** Whether this open tokenized (false: loaded from the cache). */
  builtCache: boolean;
  vocabSize: number;
  /** With a compact vocabulary: the fraction of training tokens it covers. */
  compactCoverage?: number;
}

/** A tokenized corpus that yields [B, L] batches. One interface for OpenWebText and WikiText. */
export interface Corpus {
  readonly vocabSize: number;
  readonly seqLen: number;
  readonly packing: boolean;
  /** BOS/EOS/pad ids in this corpus's vocabulary (pad positions carry mask 0). */
  readonly framing: Framing;
  readonly compactVocab?: CompactVocab;
  readonly cache: TokenCache;
  /** Document indices of a split, in file order. */
  documents(split: SplitName): Int32Array;
  /** Token ids of document `i` in this corpus's vocabulary (a view or a mapped copy). */
  documentTokens(i: number): ArrayLike<number>;
  /** Endless training batches from the `split` option's documents; epochs are seeded shuffles. */
  batches(batchSize: number, rng: number | SeededRng): Generator<TokenBatch, never, void>;
  /** All validation documents once, in order (crops use a fixed `seed`); the last batch may be smaller. */
  validation(batchSize: number, seed?: number): Generator<TokenBatch, void, void>;
  /** Every token of every document of `split` exactly once, as consecutive L-windows of the framed documents. */
  windows(split: SplitName, batchSize: number): Generator<TokenBatch, void, void>;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  stats(): CorpusStats;
}

function checkBatchSize(b: number): void {
  if (!Number.isInteger(b) || b < 1) throw new Error(`batchSize must be an integer >= 1, got ${b}`);
}

/** Fisher-Yates shuffle of a copy. */
function shuffled(ids: Int32Array, rng: SeededRng): Int32Array {
  const a = ids.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * Opens a corpus: tokenizes `paths` into the cache (or loads it), splits documents by text hash, optionally
 * builds (or loads) a compact vocabulary from the training split, and returns the {@link Corpus}.
 */
export async function openCorpus(options: CorpusOptions): Promise<Corpus> {
  const seqLen = options.seqLen;
  const packing = options.packing ?? false;
  if (!Number.isInteger(seqLen) || seqLen < (packing ? 3 : 2)) throw new Error(`seqLen must be an integer >= ${packing ? 3 : 2}, got ${seqLen}`);
  const split = options.split ?? "train";
  if (split !== "train" && split !== "validation") throw new Error(`split must be "train" or "validation", got ${String(split)}`);
  const validationFraction = options.validationFraction ?? 0.05;
  const splitSeed = options.splitSeed ?? 0;
  const heldoutFraction = options.heldoutFraction ?? 0;
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const { cache, built } = await loadOrBuildTokenCache({
    paths: options.paths ?? [DEFAULT_OWT_PATH],
    cacheDir,
    tokenizer: gpt2Tokenizer,
    wikitext: options.wikitext,
    onProgress: options.onProgress === null ? undefined : options.onProgress ?? progressPrinter(),
  });
  const n = cache.header.documents;
  if (n === 0) {
    throw new DataFileError(`${cache.header.sources.map((x) => x.path).join(", ")}: no documents (the data is empty); add text to it or choose other data files`);
  }
  const isVal = new Uint8Array(n); // 0 train, 1 validation, 2 held-out
  const code = { train: 0, validation: 1, heldout: 2 } as const;
  for (let i = 0; i < n; i++) isVal[i] = code[splitOf(cache.docHashes[i], validationFraction, splitSeed, heldoutFraction)];
  const splitDocs = (want: number): Int32Array => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (isVal[i] === want) out.push(i);
    return Int32Array.from(out);
  };
  const trainDocs = splitDocs(0);
  const valDocs = splitDocs(1);
  const heldDocs = splitDocs(2);

  let vocab = options.vocab;
  let coverage: number | undefined;
  if (options.compactVocab !== undefined && vocab === undefined) {
    const file = path.join(cache.dir, `compact-vocab-${options.compactVocab}-split${splitSeed}-${validationFraction}${heldoutFraction > 0 ? `-heldout${heldoutFraction}` : ""}.json`);
    if (fs.existsSync(file)) vocab = loadCompactVocab(file);
    else {
      vocab = buildCompactVocab(countTokens(cache.tokens, cache.offsets, trainDocs), options.compactVocab);
      saveCompactVocab(vocab, file, `top tokens of the training split of ${cache.dir} (validationFraction ${validationFraction}, splitSeed ${splitSeed})`);
    }
  }
  let mapped: ArrayLike<number> = cache.tokens;
  if (vocab) {
    const m = new Uint16Array(cache.tokens.length);
    for (let i = 0; i < m.length; i++) m[i] = vocab.toCompact[cache.tokens[i]];
    mapped = m;
    coverage = vocab.coverage(countTokens(cache.tokens, cache.offsets, trainDocs));
  }
  const eos = vocab ? vocab.eos : GPT2_EOT;
  const framing: Framing = { bos: eos, eos, pad: eos };
  const docTokens = (i: number): ArrayLike<number> => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`document index must be in [0, ${n}), got ${i}`);
    const a = mapped as Uint16Array | Uint32Array;
    return a.subarray(cache.offsets[i], cache.offsets[i + 1]);
  };
  const tokensOf = (docs: Int32Array): number => {
    let t = 0;
    for (const d of docs) t += cache.offsets[d + 1] - cache.offsets[d];
    return t;
  };
  const drawFrom = split === "train" ? trainDocs : valDocs;

  return {
    vocabSize: vocab ? vocab.size : gpt2Tokenizer.vocabSize,
    seqLen,
    packing,
    framing,
    compactVocab: vocab,
    cache,
    documents: (s) => (s === "train" ? trainDocs : s === "validation" ? valDocs : heldDocs).slice(),
    documentTokens: docTokens,
    *batches(batchSize, rngOrSeed) {
      checkBatchSize(batchSize);
      if (drawFrom.length === 0) throw new Error(`the ${split} split has no documents; lower validationFraction or add data`);
      const rng = toSeededRng(rngOrSeed);
      function* epochs(): Generator<ArrayLike<number>> {
        for (;;) for (const d of shuffled(drawFrom, rng)) yield docTokens(d);
      }
      if (packing) {
        const rows = packDocuments(epochs(), framing, seqLen);
        for (;;) {
          const batch: Int32Array[] = [];
          while (batch.length < batchSize) batch.push(rows.next().value as Int32Array);
          yield stackRows(batch, seqLen);
        }
      }
      const docs = epochs();
      for (;;) {
        const batch: ArrayLike<number>[] = [];
        while (batch.length < batchSize) batch.push(docs.next().value as ArrayLike<number>);
        yield cropBatch(batch, framing, seqLen, rng);
      }
    },
    *validation(batchSize, seed = 0) {
      checkBatchSize(batchSize);
      if (packing) {
        let rows: Int32Array[] = [];
        for (const row of packDocuments(Array.from(valDocs, docTokens), framing, seqLen)) {
          rows.push(row);
          if (rows.length === batchSize) {
            yield stackRows(rows, seqLen);
            rows = [];
          }
        }
        if (rows.length > 0) yield stackRows(rows, seqLen);
        return;
      }
      const rng = new SeededRng(seed);
      for (let s = 0; s < valDocs.length; s += batchSize) {
        yield cropBatch(Array.from(valDocs.subarray(s, s + batchSize), docTokens), framing, seqLen, rng);
      }
    },
    *windows(s, batchSize) {
      const docs = s === "train" ? trainDocs : s === "validation" ? valDocs : s === "heldout" ? heldDocs : null;
      if (docs === null) throw new Error(`split must be "train", "validation" or "heldout", got ${String(s)}`);
      yield* windowBatches(Array.from(docs, docTokens), framing, seqLen, batchSize);
    },
    encode(text) {
      const ids = gpt2Tokenizer.encode(text);
      return vocab ? vocab.encode(ids) : Int32Array.from(ids);
    },
    decode(ids) {
      return vocab ? vocab.decode(ids) : gpt2Tokenizer.decode(ids);
    },
    stats() {
      return {
        documents: n,
        tokens: cache.header.tokens,
        chars: cache.header.chars,
        train: { documents: trainDocs.length, tokens: tokensOf(trainDocs) },
        validation: { documents: valDocs.length, tokens: tokensOf(valDocs) },
        heldout: { documents: heldDocs.length, tokens: tokensOf(heldDocs) },
        sources: cache.header.sources,
        cacheDir: cache.dir,
        builtCache: built,
        vocabSize: vocab ? vocab.size : gpt2Tokenizer.vocabSize,
        ...(coverage !== undefined ? { compactCoverage: coverage } : {}),
      };
    },
  };
}

export interface WikiTextCorpusOptions {
  /** `valid` (default) or `test`. */
  split?: "valid" | "test";
  seqLen: number;
  /** true (default): MDLM zero-shot protocol, articles packed so every token is scored; false: one crop per article. */
  packing?: boolean;
  /** Detokenize as MDLM does before GPT-2 (default true). */
  detokenize?: boolean;
  /** The training corpus's compact vocabulary, when the model uses one. */
  vocab?: CompactVocab;
  cacheDir?: string;
  /** Folder holding `wiki.{valid,test}.raw[.gz]` (default data/wikitext-2). */
  dir?: string;
  onProgress?: ProgressHook | null;
}

/**
 * The WikiText-2 evaluation corpus: one document per article (top-level ` = Title = ` heading), all in the
 * `validation` split; use `.validation(B)`. Packed by default so all tokens are scored (MDLM zero-shot eval).
 */
export async function openWikiText(options: WikiTextCorpusOptions): Promise<Corpus> {
  const split = options.split ?? "valid";
  if (split !== "valid" && split !== "test") throw new Error(`split must be "valid" or "test", got ${String(split)}`);
  const dir = options.dir ?? path.join(REPO_ROOT, "data", "wikitext-2");
  const candidates = [`wiki.${split}.raw`, `wiki.${split}.raw.gz`].map((f) => path.join(dir, f));
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no WikiText-2 ${split} file in ${dir} (looked for ${candidates.join(", ")}); pass dir: the folder holding it`);
  return openCorpus({
    paths: [file],
    split: "validation",
    seqLen: options.seqLen,
    packing: options.packing ?? true,
    vocab: options.vocab,
    cacheDir: options.cacheDir,
    validationFraction: 1,
    wikitext: { unit: "article", detokenize: options.detokenize ?? true },
    onProgress: options.onProgress,
  });
}
