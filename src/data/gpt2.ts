// GPT-2 byte-level BPE (gpt-tokenizer's r50k_base; js-tiktoken's gpt2 gives the same ids), with
// `<|endoftext|>` = 50256 handled explicitly, and the tokenizer interface the data pipeline uses.

// Loaded through require with a local type: gpt-tokenizer's own .d.ts files use syntax TypeScript 5.0 cannot parse.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const r50k = require("gpt-tokenizer/cjs/encoding/r50k_base") as {
  encode(text: string): number[];
  decode(ids: number[]): string;
};
const r50kEncode = (text: string): number[] => r50k.encode(text);
const r50kDecode = (ids: number[]): string => r50k.decode(ids);

/** `<|endoftext|>`: GPT-2's only special token; the papers use it as BOS, EOS and packing separator. */
export const GPT2_EOT = 50256;
/** GPT-2 vocabulary size (50,257 ids: 50,256 BPE tokens + `<|endoftext|>`). */
export const GPT2_VOCAB_SIZE = 50257;
const EOT_TEXT = "<|endoftext|>";

/** A text tokenizer: what the token cache and corpora need to know about one. */
export interface TextTokenizer {
  /** Stored in the cache header; a different name is a different cache. */
  readonly name: string;
  readonly vocabSize: number;
  /** End-of-text id (also BOS and the packing separator). */
  readonly eot: number;
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
}

/**
 * GPT-2 ids of `text`. A literal `<|endoftext|>` in the text becomes id 50256 (allowed explicitly). The text is
 * split on it here because gpt-tokenizer 4.0.0 only honours `allowedSpecial` when the special token is the whole
 * input (mid-text it falls back to BPE of the characters).
 */
export function gpt2Encode(text: string): number[] {
  if (!text.includes(EOT_TEXT)) return r50kEncode(text);
  const out: number[] = [];
  const parts = text.split(EOT_TEXT);
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out.push(GPT2_EOT);
    if (parts[i].length > 0) for (const id of r50kEncode(parts[i])) out.push(id);
  }
  return out;
}

/** Text of GPT-2 ids (50256 decodes to `<|endoftext|>`). Throws on ids outside [0, 50257). */
export function gpt2Decode(ids: ArrayLike<number>): string {
  const arr: number[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= GPT2_VOCAB_SIZE) {
      throw new RangeError(`ids[${i}] must be a GPT-2 id in [0, ${GPT2_VOCAB_SIZE}), got ${id}`);
    }
    arr[i] = id;
  }
  return r50kDecode(arr);
}

/** The GPT-2 BPE tokenizer as a {@link TextTokenizer}. */
export const gpt2Tokenizer: TextTokenizer = {
  name: "gpt2-bpe (gpt-tokenizer r50k_base)",
  vocabSize: GPT2_VOCAB_SIZE,
  eot: GPT2_EOT,
  encode: gpt2Encode,
  decode: gpt2Decode,
};
