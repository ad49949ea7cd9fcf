// The character-level vocabulary of the synthetic tasks (temporal.md §6): one id per character of the
// arithmetic and Countdown prompts and answers, plus an end-of-sequence id that also pads the answer span.

/** Characters of the task texts: digits, the operators, parentheses, `=`, `:`, `.`, space and the prompt tags. */
export const TASK_CHARS = "0123456789+-*/()=:. NT";

/**
 * Ids `0` = EOS/padding, `1 … chars.length` = `chars` in order; `size` is the number of real tokens V
 * (a model's [MASK] and cluster ids come after it, hdlm.md §1.1).
 */
export class CharVocab {
  readonly chars: string;
  readonly size: number;
  readonly eos = 0;
  private readonly index: Map<string, number>;

  constructor(chars: string = TASK_CHARS) {
    if (typeof chars !== "string" || chars.length === 0) throw new RangeError(`chars must be a non-empty string, got ${JSON.stringify(chars)}`);
    this.chars = chars;
    this.size = chars.length + 1;
    this.index = new Map();
    for (let i = 0; i < chars.length; i++) {
      if (this.index.has(chars[i])) throw new RangeError(`chars has ${JSON.stringify(chars[i])} twice`);
      this.index.set(chars[i], i + 1);
    }
  }

  /** Ids of `text`, optionally padded with EOS to `length` (an error if the text is longer or has a character outside the vocabulary). */
  encode(text: string, length?: number): Int32Array {
    const n = length ?? text.length;
    if (!Number.isInteger(n) || n < text.length) throw new RangeError(`length must be an integer >= ${text.length} (the text's length), got ${length}`);
    const out = new Int32Array(n); // zero-filled: EOS padding
    for (let i = 0; i < text.length; i++) {
      const id = this.index.get(text[i]);
      if (id === undefined) throw new RangeError(`text[${i}] = ${JSON.stringify(text[i])} is not in the vocabulary ${JSON.stringify(this.chars)}`);
      out[i] = id;
    }
    return out;
  }

  /**
   * Text of `ids`, stopping at the first EOS. Ids outside [1, size) other than EOS (a [MASK] or cluster id)
   * throw by default; `invalid: "?"`-style replacement keeps decoding total for per-step guesses, and the
   * task parsers then return null for the illegal character.
   */
  decode(ids: ArrayLike<number>, options: { invalid?: "throw" | string } = {}): string {
    const invalid = options.invalid ?? "throw";
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eos) break;
      if (Number.isInteger(id) && id > 0 && id < this.size) s += this.chars[id - 1];
      else if (invalid === "throw") throw new RangeError(`ids[${i}] = ${id} is not a character id in [0, ${this.size})`);
      else s += invalid;
    }
    return s;
  }
}
