// The on-disk token cache: all tokens as one flat uint16/uint32 file, a document offsets index, per-document
// text hashes (for the split) and a JSON header with sources, counts and SHA-256 checksums. Written atomically.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DataFileError } from "./document";
import { gpt2Tokenizer, TextTokenizer } from "./gpt2";
import { ProgressHook, ProgressTracker } from "./progress";
import { listDataFiles, readDataFile } from "./read-documents";
import { codePointCount, textHash32 } from "./split";
import type { WikiTextOptions } from "./wikitext";

export const TOKEN_CACHE_FORMAT = "hdlm-token-cache";
export const TOKEN_CACHE_VERSION = 1;

/** One source file as the cache saw it (size and mtime identify it; counts are what it contributed). */
export interface CacheSource {
  path: string;
  size: number;
  mtimeMs: number;
  documents: number;
  tokens: number;
  /** Unicode code points. */
  chars: number;
}

/** The JSON header (`header.json`) of a token cache folder. */
export interface TokenCacheHeader {
  format: typeof TOKEN_CACHE_FORMAT;
  version: number;
  tokenizer: string;
  vocabSize: number;
  dtype: "uint16" | "uint32";
  wikitext?: WikiTextOptions;
  sources: CacheSource[];
  documents: number;
  tokens: number;
  chars: number;
  /** Byte size and SHA-256 of each binary file, checked on every load. */
  files: Record<"tokens.bin" | "offsets.bin" | "dochash.bin", { bytes: number; sha256: string }>;
}

/** A loaded cache: typed-array views over the files, never arrays of JS numbers. */
export interface TokenCache {
  dir: string;
  header: TokenCacheHeader;
  /** All tokens, documents back to back (no separators; framing is added when sequences are built). */
  tokens: Uint16Array | Uint32Array;
  /** `offsets[i] .. offsets[i+1]` are document i's tokens (length documents + 1). */
  offsets: Float64Array;
  /** {@link textHash32} of each document's text. */
  docHashes: Uint32Array;
}

/** The tokens of document `i` (a view, no copy). */
export function cacheDocument(cache: TokenCache, i: number): Uint16Array | Uint32Array {
  if (!Number.isInteger(i) || i < 0 || i >= cache.header.documents) {
    throw new RangeError(`document index must be in [0, ${cache.header.documents}), got ${i}`);
  }
  return cache.tokens.subarray(cache.offsets[i], cache.offsets[i + 1]);
}

export interface TokenCacheOptions {
  /** Data files or folders (see `listDataFiles`). */
  paths: readonly string[];
  /** Folder that holds cache folders (created if missing). */
  cacheDir: string;
  tokenizer?: TextTokenizer;
  wikitext?: WikiTextOptions;
  onProgress?: ProgressHook;
  /** Call the hook every this many documents (default 64). */
  progressEvery?: number;
}

function sourceIdentity(files: string[]): { path: string; size: number; mtimeMs: number }[] {
  return files.map((f) => {
    const st = fs.statSync(f);
    return { path: path.resolve(f), size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
  });
}

/** The cache folder for these inputs: a hash of format version, tokenizer, reader options and source identities. */
export function tokenCacheDir(options: TokenCacheOptions): string {
  const tokenizer = options.tokenizer ?? gpt2Tokenizer;
  const files = listDataFiles(options.paths);
  const key = crypto
    .createHash("sha256")
    .update(JSON.stringify({ v: TOKEN_CACHE_VERSION, t: tokenizer.name, w: options.wikitext ?? {}, s: sourceIdentity(files) }))
    .digest("hex")
    .slice(0, 16);
  const stem = path.basename(files[0]).replace(/[^A-Za-z0-9_.-]/g, "_").replace(/\.(jsonl|json|raw|parquet|tar|xz|txt|gz)+$/g, "");
  return path.join(options.cacheDir, `${stem}${files.length > 1 ? `+${files.length - 1}` : ""}-${key}`);
}

function sha256File(file: string): string {
  const h = crypto.createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

function corrupt(dir: string, what: string): DataFileError {
  return new DataFileError(`token cache ${dir} is corrupt: ${what}; it was not used. Delete the folder ${dir} and run again to rebuild it`);
}

/** Reads a binary file into a typed array of the given element size (copying only if misaligned). */
function readTyped<T>(file: string, make: (buf: ArrayBuffer, off: number, len: number) => T, bytesPer: number): T {
  const buf = fs.readFileSync(file);
  if (buf.byteOffset % bytesPer === 0) return make(buf.buffer, buf.byteOffset, buf.byteLength / bytesPer);
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return make(copy.buffer, 0, buf.byteLength / bytesPer);
}

/**
 * Loads and verifies a cache folder: header format/version, each file's byte size and SHA-256, and the offsets
 * index against the token count. Any mismatch throws one error naming the folder and the fix; nothing is changed.
 */
export function readTokenCache(dir: string): TokenCache {
  let header: TokenCacheHeader;
  try {
    header = JSON.parse(fs.readFileSync(path.join(dir, "header.json"), "utf8")) as TokenCacheHeader;
  } catch (err) {
    throw corrupt(dir, `header.json is missing or not valid JSON (${(err as Error).message})`);
  }
  if (header.format !== TOKEN_CACHE_FORMAT || header.version !== TOKEN_CACHE_VERSION) {
    throw corrupt(dir, `header says format ${String(header.format)} v${String(header.version)}, expected ${TOKEN_CACHE_FORMAT} v${TOKEN_CACHE_VERSION}`);
  }
  const bytesPer = header.dtype === "uint16" ? 2 : 4;
  const expected: Record<string, number> = {
    "tokens.bin": header.tokens * bytesPer,
    "offsets.bin": (header.documents + 1) * 8,
    "dochash.bin": header.documents * 4,
  };
  for (const name of ["tokens.bin", "offsets.bin", "dochash.bin"] as const) {
    const file = path.join(dir, name);
    const entry = header.files?.[name];
    if (!entry) throw corrupt(dir, `header has no checksum for ${name}`);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      throw corrupt(dir, `${name} is missing`);
    }
    if (size !== entry.bytes || size !== expected[name]) {
      throw corrupt(dir, `${name} is ${size} bytes, header says ${entry.bytes} (expected ${expected[name]}); truncated?`);
    }
    if (sha256File(file) !== entry.sha256) throw corrupt(dir, `${name} does not match its SHA-256 checksum`);
  }
  const tokens =
    header.dtype === "uint16"
      ? readTyped(path.join(dir, "tokens.bin"), (b, o, n) => new Uint16Array(b, o, n), 2)
      : readTyped(path.join(dir, "tokens.bin"), (b, o, n) => new Uint32Array(b, o, n), 4);
  const offsets = readTyped(path.join(dir, "offsets.bin"), (b, o, n) => new Float64Array(b, o, n), 8);
  const docHashes = readTyped(path.join(dir, "dochash.bin"), (b, o, n) => new Uint32Array(b, o, n), 4);
  if (offsets[0] !== 0 || offsets[header.documents] !== header.tokens) {
    throw corrupt(dir, `offsets.bin runs from ${offsets[0]} to ${offsets[header.documents]}, expected 0 to ${header.tokens}`);
  }
  return { dir, header, tokens, offsets, docHashes };
}

/** Growable typed buffer for offsets and hashes (amortised doubling; no JS number arrays). */
class Grow<T extends Float64Array | Uint32Array> {
  length = 0;
  constructor(private data: T, private readonly make: (n: number) => T) {}
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, 0, this.length * this.data.BYTES_PER_ELEMENT);
  }
}

/** Tokenizes every document of `options.paths` into a new cache folder `dir` (atomic: temp folder, then rename). */
export async function buildTokenCache(options: TokenCacheOptions, dir = tokenCacheDir(options)): Promise<TokenCache> {
  const tokenizer = options.tokenizer ?? gpt2Tokenizer;
  const files = listDataFiles(options.paths);
  const identity = sourceIdentity(files);
  const dtype = tokenizer.vocabSize <= 65536 ? "uint16" : "uint32";
  fs.mkdirSync(options.cacheDir, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  fs.mkdirSync(tmp);
  try {
    const tokFd = fs.openSync(path.join(tmp, "tokens.bin"), "w");
    const tokHash = crypto.createHash("sha256");
    const chunk = dtype === "uint16" ? new Uint16Array(1 << 18) : new Uint32Array(1 << 18);
    let fill = 0;
    const flush = (): void => {
      const bytes = new Uint8Array(chunk.buffer, 0, fill * chunk.BYTES_PER_ELEMENT);
      fs.writeSync(tokFd, bytes);
      tokHash.update(bytes);
      fill = 0;
    };
    const offsets = new Grow(new Float64Array(1024), (n) => new Float64Array(n));
    const hashes = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
    offsets.push(0);
    const tracker = new ProgressTracker(files.length, options.onProgress, options.progressEvery);
    const sources: CacheSource[] = [];
    let total = 0;
    try {
      for (let f = 0; f < files.length; f++) {
        tracker.file = files[f];
        const src: CacheSource = { ...identity[f], documents: 0, tokens: 0, chars: 0 };
        for await (const doc of readDataFile(files[f], options.wikitext)) {
          const ids = tokenizer.encode(doc.text);
          for (let i = 0; i < ids.length; i++) {
            chunk[fill++] = ids[i];
            if (fill === chunk.length) flush();
          }
          total += ids.length;
          offsets.push(total);
          hashes.push(textHash32(doc.text));
          src.documents++;
          src.tokens += ids.length;
          const chars = codePointCount(doc.text);
          src.chars += chars;
          tracker.add(ids.length, chars);
        }
        sources.push(src);
        tracker.fileDone();
      }
      flush();
    } finally {
      fs.closeSync(tokFd);
    }
    const offBytes = offsets.bytes();
    const hashBytes = hashes.bytes();
    fs.writeFileSync(path.join(tmp, "offsets.bin"), offBytes);
    fs.writeFileSync(path.join(tmp, "dochash.bin"), hashBytes);
    const sha = (b: Uint8Array): string => crypto.createHash("sha256").update(b).digest("hex");
    const header: TokenCacheHeader = {
      format: TOKEN_CACHE_FORMAT,
      version: TOKEN_CACHE_VERSION,
      tokenizer: tokenizer.name,
      vocabSize: tokenizer.vocabSize,
      dtype,
      ...(options.wikitext ? { wikitext: options.wikitext } : {}),
      sources,
      documents: tracker.documents,
      tokens: total,
      chars: tracker.chars,
      files: {
        "tokens.bin": { bytes: total * chunk.BYTES_PER_ELEMENT, sha256: tokHash.digest("hex") },
        "offsets.bin": { bytes: offBytes.byteLength, sha256: sha(offBytes) },
        "dochash.bin": { bytes: hashBytes.byteLength, sha256: sha(hashBytes) },
      },
    };
    fs.writeFileSync(path.join(tmp, "header.json"), JSON.stringify(header, null, 1) + "\n");
    tracker.finish();
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another process finished the same cache first: keep theirs (it is verified on load).
      if (!fs.existsSync(path.join(dir, "header.json"))) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return readTokenCache(dir);
}

/**
 * The cache for `options`: loaded (and verified) when its folder exists, built otherwise. A corrupt cache
 * throws (it is never rebuilt over silently). `built` says whether tokenization ran.
 */
export async function loadOrBuildTokenCache(options: TokenCacheOptions): Promise<{ cache: TokenCache; built: boolean }> {
  const dir = tokenCacheDir(options);
  if (fs.existsSync(dir)) return { cache: readTokenCache(dir), built: false };
  return { cache: await buildTokenCache(options, dir), built: true };
}
