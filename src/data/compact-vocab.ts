// An optional compact vocabulary: the most frequent GPT-2 tokens of the training split plus EOS and an
// unknown id, mapped both ways; text still decodes through GPT-2. Saved as JSON beside the token cache.
import * as fs from "fs";
import { DataFileError } from "./document";
import { writeFileAtomic } from "../util/fs";
import { GPT2_EOT, GPT2_VOCAB_SIZE, gpt2Decode } from "./gpt2";

/** How an unknown id decodes (no GPT-2 token has this text). */
export const UNK_TEXT = "<|unk|>";

/**
 * Compact ids: `0` = EOS/BOS (GPT-2 50256), `1 … size−2` = GPT-2 tokens by descending training frequency
 * (ties: smaller GPT-2 id first), `size−1` = unknown. `size` is the model's vocabulary (e.g. 8,192 with no
 * further padding); padding is handled by the mask, not by an id.
 */
export class CompactVocab {
  readonly size: number;
  readonly eos = 0;
  readonly unk: number;
  /** GPT-2 id to compact id (`unk` for tokens outside the vocabulary). */
  readonly toCompact: Int32Array;
  /** Compact id to GPT-2 id (−1 for `unk`). */
  readonly toGpt2: Int32Array;

  /** `gpt2Ids` are the kept tokens in compact order 1 … (without EOS and UNK). */
  constructor(gpt2Ids: ArrayLike<number>) {
    this.size = gpt2Ids.length + 2;
    this.unk = this.size - 1;
    this.toGpt2 = new Int32Array(this.size);
    this.toCompact = new Int32Array(GPT2_VOCAB_SIZE).fill(this.unk);
    this.toGpt2[0] = GPT2_EOT;
    this.toCompact[GPT2_EOT] = 0;
    for (let i = 0; i < gpt2Ids.length; i++) {
      const g = gpt2Ids[i];
      if (!Number.isInteger(g) || g < 0 || g >= GPT2_EOT) throw new RangeError(`gpt2Ids[${i}] must be a GPT-2 BPE id in [0, ${GPT2_EOT}), got ${g}`);
      if (this.toCompact[g] !== this.unk) throw new RangeError(`gpt2Ids[${i}] = ${g} appears twice`);
      this.toGpt2[i + 1] = g;
      this.toCompact[g] = i + 1;
    }
    this.toGpt2[this.unk] = -1;
  }

  /** Compact ids of GPT-2 ids. */
  encode(gpt2Ids: ArrayLike<number>): Int32Array {
    const out = new Int32Array(gpt2Ids.length);
    for (let i = 0; i < gpt2Ids.length; i++) out[i] = this.toCompact[gpt2Ids[i]];
    return out;
  }

  /** GPT-2 ids of compact ids (`unk` maps to −1). */
  toGpt2Ids(ids: ArrayLike<number>): Int32Array {
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.size) throw new RangeError(`ids[${i}] must be a compact id in [0, ${this.size}), got ${id}`);
      out[i] = this.toGpt2[id];
    }
    return out;
  }

  /** Text of compact ids through GPT-2; each unknown id decodes to {@link UNK_TEXT}. */
  decode(ids: ArrayLike<number>): string {
    const g = this.toGpt2Ids(ids);
    let out = "";
    let start = 0;
    for (let i = 0; i <= g.length; i++) {
      if (i === g.length || g[i] < 0) {
        if (i > start) out += gpt2Decode(g.subarray(start, i));
        if (i < g.length) out += UNK_TEXT;
        start = i + 1;
      }
    }
    return out;
  }

  /** Fraction of the counted tokens that map to known ids. */
  coverage(counts: Float64Array): number {
    let known = 0;
    let total = 0;
    for (let g = 0; g < counts.length; g++) {
      total += counts[g];
      if (this.toCompact[g] !== this.unk) known += counts[g];
    }
    return total > 0 ? known / total : 1;
  }
}

/** Token frequencies (length 50,257) over the given documents of a token array. */
export function countTokens(tokens: ArrayLike<number>, offsets: Float64Array, docs: Iterable<number>): Float64Array {
  const counts = new Float64Array(GPT2_VOCAB_SIZE);
  for (const d of docs) for (let i = offsets[d]; i < offsets[d + 1]; i++) counts[tokens[i]]++;
  return counts;
}

/** The compact vocabulary of total size `size` from GPT-2 token counts (the `size − 2` most frequent BPE tokens). */
export function buildCompactVocab(counts: Float64Array, size: number): CompactVocab {
  if (!Number.isInteger(size) || size < 3 || size > GPT2_VOCAB_SIZE + 1) {
    throw new Error(`compactVocab size must be an integer in [3, ${GPT2_VOCAB_SIZE + 1}], got ${size}`);
  }
  const ids: number[] = [];
  for (let g = 0; g < GPT2_EOT; g++) if (counts[g] > 0) ids.push(g);
  ids.sort((a, b) => counts[b] - counts[a] || a - b);
  return new CompactVocab(ids.slice(0, size - 2));
}

interface CompactVocabFile {
  format: "hdlm-compact-vocab";
  version: 1;
  size: number;
  note: string;
  gpt2Ids: number[];
}

/** Saves a vocabulary as JSON (atomic: temp file, then rename). */
export function saveCompactVocab(vocab: CompactVocab, file: string, note = ""): void {
  const body: CompactVocabFile = { format: "hdlm-compact-vocab", version: 1, size: vocab.size, note, gpt2Ids: Array.from(vocab.toGpt2.subarray(1, vocab.unk)) };
  writeFileAtomic(file, JSON.stringify(body) + "\n");
}

/** Loads a vocabulary saved by {@link saveCompactVocab}; a malformed file throws naming it. */
export function loadCompactVocab(file: string): CompactVocab {
  let body: CompactVocabFile;
  try {
    body = JSON.parse(fs.readFileSync(file, "utf8")) as CompactVocabFile;
  } catch (err) {
    throw new DataFileError(`${file}: not a readable compact vocabulary (${(err as Error).message}); delete it to rebuild`);
  }
  if (body.format !== "hdlm-compact-vocab" || !Array.isArray(body.gpt2Ids) || body.gpt2Ids.length !== body.size - 2) {
    throw new DataFileError(`${file}: not a valid compact vocabulary (format/size fields); delete it to rebuild`);
  }
  try {
    return new CompactVocab(body.gpt2Ids);
  } catch (err) {
    throw new DataFileError(`${file}: ${(err as Error).message}; delete it to rebuild`);
  }
}
