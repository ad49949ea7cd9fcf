// Training batches from OpenWebText jsonl.gz files: GPT-2 BPE, a compact vocabulary of the most frequent ids,
// documents joined by <|endoftext|> into one stream, random crops for training and fixed windows for validation.
import * as fs from "fs";
import * as zlib from "zlib";
import { getEncoding } from "js-tiktoken";
import { OpenWebTextData } from "./config";
import { streamRng, STREAM } from "./streams";

/** One batch of clean token ids (row-major B x T) and its padding mask (1 = real token). */
export interface Batch {
  tokens: Int32Array;
  mask: Float32Array;
  batchSize: number;
  seqLen: number;
}

/** What the trainer needs from data: a vocabulary size and deterministic batches addressed by index. */
export interface TokenData {
  vocabSize: number;
  /** One line for logs (documents, tokens, vocabulary coverage). */
  describe: string;
  /** The training token stream (cluster maps are built from it). */
  trainTokens(): Int32Array;
  /** Training batch `index` (a pure function of seed and index) or validation batch `index` (fixed windows). */
  batch(split: "train" | "val", index: number, batchSize: number, seqLen: number, seed: number): Batch;
}

const GPT2_EOT = 50256;

/** Reads the `text` field of every line of a `.jsonl.gz` file. */
export function readJsonlGz(file: string, maxDocs = 0): string[] {
  if (!fs.existsSync(file)) throw new Error(`data file ${file} does not exist (check data.files in the config)`);
  const lines = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n");
  const docs: string[] = [];
  for (let i = 0; i < lines.length && (maxDocs === 0 || docs.length < maxDocs); i++) {
    if (lines[i].trim() === "") continue;
    const o = JSON.parse(lines[i]) as { text?: unknown };
    if (typeof o.text !== "string") throw new Error(`${file} line ${i + 1}: expected {"text": string}`);
    docs.push(o.text);
  }
  return docs;
}

/**
 * A compact vocabulary: the `size − 1` most frequent ids of `streams` (ties by smaller id) get ids 0..size−2 in
 * frequency order; every other id maps to UNK = size − 1. Returns the remapped streams and the kept GPT-2 ids.
 */
export function compactVocab(
  streams: Int32Array[],
  size: number,
): { mapped: Int32Array[]; kept: Int32Array; coverage: number; remap: (s: Int32Array) => Int32Array } {
  const counts = new Map<number, number>();
  let total = 0;
  for (const s of streams) for (const id of s) { counts.set(id, (counts.get(id) ?? 0) + 1); total++; }
  const order = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, size - 1);
  const map = new Map<number, number>(order.map(([id], i) => [id, i]));
  const covered = order.reduce((n, [, c]) => n + c, 0);
  const remap = (s: Int32Array): Int32Array => Int32Array.from(s, (id) => map.get(id) ?? size - 1);
  return { mapped: streams.map(remap), kept: Int32Array.from(order.map(([id]) => id)), coverage: total === 0 ? 0 : covered / total, remap };
}

/** Token data over one packed stream per split (no padding: every mask entry is 1). */
export class StreamData implements TokenData {
  readonly vocabSize: number;
  readonly describe: string;
  readonly train: Int32Array;
  readonly val: Int32Array;

  constructor(train: Int32Array, val: Int32Array, vocabSize: number, describe: string) {
    this.train = train;
    this.val = val;
    this.vocabSize = vocabSize;
    this.describe = describe;
  }

  trainTokens(): Int32Array {
    return this.train;
  }

  batch(split: "train" | "val", index: number, batchSize: number, seqLen: number, seed: number): Batch {
    const src = split === "train" ? this.train : this.val;
    if (src.length < seqLen + 1) throw new Error(`${split} split has ${src.length} tokens, fewer than seqLen + 1 = ${seqLen + 1}; add data.files or lower model.seqLen`);
    const tokens = new Int32Array(batchSize * seqLen);
    const span = src.length - seqLen;
    const rng = streamRng(seed, index, STREAM.data);
    for (let b = 0; b < batchSize; b++) {
      const start = split === "train" ? rng.int(span + 1) : ((index * batchSize + b) * seqLen) % (span + 1);
      tokens.set(src.subarray(start, start + seqLen), b * seqLen);
    }
    return { tokens, mask: new Float32Array(batchSize * seqLen).fill(1), batchSize, seqLen };
  }
}

/** Loads OpenWebText files per `config` into a `StreamData` (the last `valFraction` of documents are validation). */
export function loadOpenWebText(config: OpenWebTextData): StreamData {
  const docs: string[] = [];
  for (const f of config.files) {
    const left = config.maxDocs === 0 ? 0 : config.maxDocs - docs.length;
    if (config.maxDocs !== 0 && left <= 0) break;
    docs.push(...readJsonlGz(f, left));
  }
  const nVal = Math.max(1, Math.round(docs.length * config.valFraction));
  if (docs.length - nVal < 1) throw new Error(`data: ${docs.length} documents are too few for valFraction ${config.valFraction}`);
  const enc = getEncoding("gpt2");
  const join = (ds: string[]): Int32Array => {
    const ids: number[] = [];
    for (const d of ds) {
      for (const id of enc.encode(d)) ids.push(id);
      ids.push(GPT2_EOT);
    }
    return Int32Array.from(ids);
  };
  const raw = [join(docs.slice(0, docs.length - nVal)), join(docs.slice(docs.length - nVal))];
  // The vocabulary comes from the training split only; validation ids outside it become UNK.
  const { mapped, coverage, remap } = compactVocab([raw[0]], config.vocabSize);
  const valMapped = remap(raw[1]);
  const describe = `${docs.length - nVal} train / ${nVal} val docs, ${raw[0].length} / ${raw[1].length} tokens, vocab ${config.vocabSize} covers ${(100 * coverage).toFixed(1)}% of train tokens`;
  return new StreamData(mapped[0], valMapped, config.vocabSize, describe);
}
