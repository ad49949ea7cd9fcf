// The token cache (hit on the second run, truncation/corruption detected with a clear error and nothing
// overwritten, atomic builds), the compact vocabulary, and the Corpus over the bundled owt-subset-003.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import {
  buildCompactVocab,
  CompactVocab,
  countTokens,
  gpt2Encode,
  GPT2_EOT,
  loadCompactVocab,
  loadOrBuildTokenCache,
  openCorpus,
  openWikiText,
  readTokenCache,
  saveCompactVocab,
  tokenCacheDir,
  cacheDocument,
  UNK_TEXT,
} from "../../src/data";
import type { TokenizeProgress, TokenBatch } from "../../src/data";
import { tmpDir } from "./fixtures";

const OWT003 = path.join(__dirname, "..", "..", "data", "openwebtext", "owt-subset-003.jsonl.gz");

function fixtureCorpus(): { dir: string; file: string; texts: string[] } {
  const dir = tmpDir("cache");
  const texts = Array.from({ length: 30 }, (_, i) => `Document ${i}: ` + "the quick brown fox jumps over the lazy dog. ".repeat(1 + (i % 7)));
  const file = path.join(dir, "docs.jsonl");
  fs.writeFileSync(file, texts.map((t) => JSON.stringify({ text: t })).join("\n") + "\n");
  return { dir, file, texts };
}

test("cache: built once with progress, hit on the second run, same tokens as direct encoding", async () => {
  const { dir, file, texts } = fixtureCorpus();
  const cacheDir = path.join(dir, "cache");
  const progress: TokenizeProgress[] = [];
  const first = await loadOrBuildTokenCache({ paths: [file], cacheDir, onProgress: (p) => progress.push(p), progressEvery: 10 });
  assert.equal(first.built, true);
  assert.deepEqual(progress.map((p) => p.documents), [10, 20, 30, 30, 30]);
  let calls = 0;
  const second = await loadOrBuildTokenCache({ paths: [file], cacheDir, onProgress: () => calls++ });
  assert.equal(second.built, false);
  assert.equal(calls, 0, "a cache hit does not tokenize");
  const c = second.cache;
  assert.equal(c.header.dtype, "uint16");
  assert.ok(c.tokens instanceof Uint16Array);
  assert.equal(c.header.documents, 30);
  for (let i = 0; i < texts.length; i++) assert.deepEqual(Array.from(cacheDocument(c, i)), gpt2Encode(texts[i]));
  assert.equal(c.header.tokens, texts.reduce((a, t) => a + gpt2Encode(t).length, 0));
  assert.equal(c.header.sources[0].documents, 30);
  // only the final folder remains: no temp folders left behind
  assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(c.dir)]);
  // a changed source file gets a new cache folder
  fs.appendFileSync(file, JSON.stringify({ text: "one more" }) + "\n");
  const third = await loadOrBuildTokenCache({ paths: [file], cacheDir, onProgress: undefined });
  assert.equal(third.built, true);
  assert.notEqual(third.cache.dir, c.dir);
  assert.equal(third.cache.header.documents, 31);
});

test("truncated or corrupt cache: clear error naming the folder, never used and never overwritten", async () => {
  const { dir, file } = fixtureCorpus();
  const cacheDir = path.join(dir, "cache");
  const { cache } = await loadOrBuildTokenCache({ paths: [file], cacheDir });
  const tokFile = path.join(cache.dir, "tokens.bin");
  const good = fs.readFileSync(tokFile);

  fs.writeFileSync(tokFile, good.subarray(0, good.length - 6));
  await assert.rejects(loadOrBuildTokenCache({ paths: [file], cacheDir }), (e: Error) =>
    e.message.startsWith(`token cache ${cache.dir} is corrupt: tokens.bin is ${good.length - 6} bytes, header says ${good.length}`) &&
    e.message.includes(`Delete the folder ${cache.dir}`),
  );
  assert.equal(fs.statSync(tokFile).size, good.length - 6, "the truncated file is left as it was");

  const flipped = Buffer.from(good);
  flipped[10] ^= 0xff;
  fs.writeFileSync(tokFile, flipped);
  assert.throws(() => readTokenCache(cache.dir), /tokens\.bin does not match its SHA-256 checksum; it was not used/);
  assert.ok(fs.readFileSync(tokFile).equals(flipped));

  fs.writeFileSync(tokFile, good);
  fs.writeFileSync(path.join(cache.dir, "header.json"), "{ not json");
  assert.throws(() => readTokenCache(cache.dir), /header\.json is missing or not valid JSON/);
  assert.equal(tokenCacheDir({ paths: [file], cacheDir }), cache.dir);
});

test("compact vocabulary: frequency order, EOS = 0, unknown = size - 1, both-way mapping, decode through GPT-2", () => {
  const ids = [10, 10, 10, 20, 20, 30, 40, 40, 40, 40];
  const counts = countTokens(Uint16Array.from(ids), Float64Array.from([0, 5, 10]), [0, 1]);
  const v = buildCompactVocab(counts, 4); // EOS, two kept tokens, UNK
  assert.equal(v.size, 4);
  assert.deepEqual(Array.from(v.toGpt2), [GPT2_EOT, 40, 10, -1]);
  assert.deepEqual(Array.from(v.encode([40, 10, 20, GPT2_EOT])), [1, 2, 3, 0]);
  assert.equal(v.coverage(counts), 7 / 10);
  const text = "hello world";
  const g = gpt2Encode(text);
  const full = new CompactVocab(g);
  assert.equal(full.decode(full.encode(g)), text);
  assert.equal(full.decode([1, full.unk, 0]), "hello" + UNK_TEXT + "<|endoftext|>");
  assert.throws(() => full.decode([full.size]), /must be a compact id in \[0, 4\), got 4/);
  assert.throws(() => buildCompactVocab(counts, 2), /compactVocab size must be an integer in \[3, 50258\], got 2/);
  const file = path.join(tmpDir("vocab"), "v.json");
  saveCompactVocab(v, file);
  assert.deepEqual(Array.from(loadCompactVocab(file).toGpt2), Array.from(v.toGpt2));
  fs.writeFileSync(file, '{"format":"hdlm-compact-vocab","size":9,"gpt2Ids":[1]}');
  assert.throws(() => loadCompactVocab(file), /v\.json: not a valid compact vocabulary/);
});

test("Corpus on owt-subset-003: stats, disjoint stable split, crops and packed batches, compact vocab", async () => {
  const cacheDir = path.join(tmpDir("corpus"), "cache");
  const c = await openCorpus({ paths: [OWT003], seqLen: 64, cacheDir, validationFraction: 0.2, onProgress: null });
  const s = c.stats();
  assert.equal(s.documents, 42);
  assert.equal(s.tokens, 43982);
  assert.equal(s.chars, 198621);
  assert.equal(s.train.documents + s.validation.documents, 42);
  assert.equal(s.train.tokens + s.validation.tokens, 43982);
  const train = new Set(c.documents("train"));
  for (const d of c.documents("validation")) assert.ok(!train.has(d));
  const again = await openCorpus({ paths: [OWT003], seqLen: 64, cacheDir, validationFraction: 0.2, onProgress: null });
  assert.equal(again.stats().builtCache, false);
  assert.deepEqual(again.documents("validation"), c.documents("validation"));

  // crops: every row starts with BOS (50256) or is a window of a training document, mask 1 then 0
  const it = c.batches(4, 3);
  const b1: TokenBatch = it.next().value;
  assert.equal(b1.tokens.length, 4 * 64);
  const b1again: TokenBatch = c.batches(4, 3).next().value;
  assert.deepEqual(b1again.tokens, b1.tokens, "same seed, same batch");
  for (let i = 0; i < 5; i++) {
    const b: TokenBatch = it.next().value;
    for (let r = 0; r < 4; r++) {
      const m = b.mask.subarray(r * 64, r * 64 + 64);
      const k = m.indexOf(0);
      if (k >= 0) assert.ok(m.subarray(k).every((x) => x === 0), "padding only at the end");
    }
  }
  const val = Array.from(c.validation(5));
  assert.equal(val.reduce((a, b) => a + b.batchSize, 0), s.validation.documents);
  assert.deepEqual(Array.from(c.validation(5))[0].tokens, val[0].tokens, "validation is deterministic");

  // packed: rows framed BOS ... EOS, all mask 1, with 50256 separators inside
  const p = await openCorpus({ paths: [OWT003], seqLen: 128, packing: true, cacheDir, validationFraction: 0.2, onProgress: null });
  const pb: TokenBatch = p.batches(8, 1).next().value;
  for (let r = 0; r < 8; r++) {
    assert.equal(pb.tokens[r * 128], GPT2_EOT);
    assert.equal(pb.tokens[r * 128 + 127], GPT2_EOT);
  }
  assert.ok(pb.mask.every((m) => m === 1));
  const pv = Array.from(p.validation(4));
  const rows = pv.reduce((a, b) => a + b.batchSize, 0);
  assert.equal(rows, Math.floor((s.validation.tokens + s.validation.documents) / 126));

  // compact vocab of 512: ids in range, saved beside the cache and reused, decode through GPT-2
  const k = await openCorpus({ paths: [OWT003], seqLen: 64, compactVocab: 512, cacheDir, validationFraction: 0.2, onProgress: null });
  assert.equal(k.vocabSize, 512);
  const kb: TokenBatch = k.batches(4, 5).next().value;
  assert.ok(kb.tokens.every((t) => t >= 0 && t < 512));
  const cov = k.stats().compactCoverage!;
  assert.ok(cov > 0.5 && cov < 1, `coverage ${cov}`);
  assert.ok(fs.readdirSync(k.cache.dir).some((f) => f.startsWith("compact-vocab-512")));
  assert.equal(k.decode(k.encode(" the and of")), " the and of");
  assert.equal(c.decode(c.encode("Hello, world")), "Hello, world");
});

test("WikiText-2 corpus: real valid file, one document per article, raw token count as in data/SOURCES.md", async () => {
  const cacheDir = path.join(tmpDir("wiki-corpus"), "cache");
  const raw = await openWikiText({ split: "valid", seqLen: 256, detokenize: false, cacheDir, onProgress: null });
  const s = raw.stats();
  assert.equal(s.documents, 60);
  assert.equal(s.tokens, 249887); // articles encoded separately sum to the whole file's count
  assert.equal(s.validation.documents, 60);
  const rows = Array.from(raw.validation(16)).reduce((a, b) => a + b.batchSize, 0);
  assert.equal(rows, Math.floor((249887 + 60) / 254), "packed by default: every token scored once");
  // evaluating a compact-vocabulary model: the training corpus's vocabulary is reused, not rebuilt
  const vocab = new CompactVocab(gpt2Encode(" the of and"));
  const k = await openWikiText({ split: "valid", seqLen: 64, detokenize: false, vocab, cacheDir, onProgress: null });
  assert.equal(k.vocabSize, vocab.size);
  assert.equal(k.stats().builtCache, false);
  const b: TokenBatch = k.validation(2).next().value as TokenBatch;
  assert.ok(b.tokens.every((t) => t >= 0 && t < vocab.size));
  await assert.rejects(openWikiText({ split: "valid", seqLen: 64, dir: tmpDir("empty") }), /no WikiText-2 valid file in/);
});
