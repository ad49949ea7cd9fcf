// The unigram baseline every comparison table carries (issue 8): token frequencies of the training split
// (add-alpha smoothed), scored on exactly the tokens the other models are scored on.
import type { TokenBatch } from "../data/sequences";
import type { RowScores } from "./row-scores";

/** A unigram language model over ids 0..V-1. */
export class UnigramModel {
  /** log p(v) for every id. */
  readonly logProb: Float64Array;
  /** Tokens counted to estimate it. */
  readonly countedTokens: number;

  private constructor(logProb: Float64Array, countedTokens: number) {
    this.logProb = logProb;
    this.countedTokens = countedTokens;
  }

  /**
   * Add-`alpha` estimate (default 0.5) from sequences of ids in [0, V): each document is counted as the rows score
   * it, framed by `framing` (BOS + document + EOS) when given.
   */
  static fromDocuments(docs: Iterable<ArrayLike<number>>, vocabSize: number, options: { framing?: { bos: number; eos: number }; alpha?: number } = {}): UnigramModel {
    const alpha = options.alpha ?? 0.5;
    if (!(alpha > 0)) throw new RangeError(`alpha must be > 0, got ${alpha}`);
    if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`vocabSize must be a positive integer, got ${vocabSize}`);
    const counts = new Float64Array(vocabSize);
    const add = (id: number) => {
      if (!(id >= 0 && id < vocabSize)) throw new RangeError(`unigram: token id ${id} is outside [0, ${vocabSize})`);
      counts[id]++;
    };
    let n = 0;
    for (const d of docs) {
      if (options.framing) add(options.framing.bos);
      for (let i = 0; i < d.length; i++) add(d[i]);
      if (options.framing) add(options.framing.eos);
      n += d.length + (options.framing ? 2 : 0);
    }
    const total = n + alpha * vocabSize;
    return new UnigramModel(counts.map((c) => Math.log((c + alpha) / total)), n);
  }

  /** Per-row NLL (nats) of every non-padding token of `batches`. */
  rows(batches: Iterable<TokenBatch>): RowScores {
    const nats: number[] = [];
    const tokens: number[] = [];
    for (const b of batches) {
      for (let r = 0; r < b.batchSize; r++) {
        let s = 0, c = 0;
        for (let i = r * b.seqLen; i < (r + 1) * b.seqLen; i++) {
          if (b.mask[i] === 0) continue;
          s -= this.logProb[b.tokens[i]];
          c++;
        }
        nats.push(s);
        tokens.push(c);
      }
    }
    return { nats: Float64Array.from(nats), tokens: Float64Array.from(tokens) };
  }
}
