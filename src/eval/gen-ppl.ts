// Generative perplexity (hdlm.md §7.2): samples scored by a causal reference model trained on the same data (or a
// user-supplied scorer), every token but the first, pooled: exp(Σ NLL / Σ tokens), labelled with the scorer's name.
import { tf } from "../engine/tf";

/** Scores token sequences with a causal LM: summed NLL (nats) of every token but the first, and the count. */
export interface SequenceScorer {
  /** Named in every table (e.g. "evalLM cpu (runs/ar)"); gen PPL is only comparable under the same scorer. */
  readonly name: string;
  score(sequences: ReadonlyArray<ArrayLike<number>>): { nll: number; tokens: number };
}

/** Options of {@link arScorer}. */
export interface ArScorerOptions {
  /** Scorer name for reports. */
  name: string;
  /** Vocabulary size of the scorer (ids must lie in [0, V)). */
  vocabSize: number;
  /** Context length of the model; longer sequences are scored in windows of this length (each window's first token unscored). */
  seqLen: number;
  /** Sequences per forward call (default 8). */
  batchSize?: number;
}

/**
 * A {@link SequenceScorer} over a causal model `forward(tokens [B, T], mask [B, T]) -> logits [B, T, W >= V]`,
 * where position q predicts token q + 1 (e.g. `arForward`). Only the first V logit columns are used.
 */
export function arScorer(forward: (tokens: tf.Tensor2D, mask: tf.Tensor2D) => tf.Tensor3D, options: ArScorerOptions): SequenceScorer {
  const { vocabSize: V, seqLen } = options;
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(seqLen) || seqLen < 2) throw new RangeError(`seqLen must be an integer >= 2, got ${seqLen}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return {
    name: options.name,
    score(sequences) {
      const windows: Int32Array[] = [];
      sequences.forEach((seq, s) => {
        for (let i = 0; i < seq.length; i++) {
          if (!Number.isInteger(seq[i]) || seq[i] < 0 || seq[i] >= V) throw new RangeError(`sequence ${s} holds ${seq[i]} at ${i}; the scorer's ids lie in [0, ${V})`);
        }
        for (let a = 0; a + 1 < seq.length; a += seqLen) windows.push(Int32Array.from(Array.prototype.slice.call(seq, a, Math.min(a + seqLen, seq.length))));
      });
      let nll = 0, tokens = 0;
      for (let w = 0; w < windows.length; w += batchSize) {
        const group = windows.slice(w, w + batchSize);
        const T = Math.max(...group.map((g) => g.length));
        const ids = new Int32Array(group.length * T);
        const mask = new Float32Array(group.length * T);
        const target = new Float32Array(group.length * (T - 1) * V);
        group.forEach((g, b) => {
          ids.set(g, b * T);
          mask.fill(1, b * T, b * T + g.length);
          for (let q = 0; q + 1 < g.length; q++) target[(b * (T - 1) + q) * V + g[q + 1]] = 1;
          tokens += g.length - 1;
        });
        nll += tf.tidy(() => {
          const logits = forward(tf.tensor2d(ids, [group.length, T], "int32"), tf.tensor2d(mask, [group.length, T]));
          const pred = tf.slice(logits, [0, 0, 0], [group.length, T - 1, V]);
          const logp = tf.logSoftmax(pred);
          return -tf.sum(tf.mul(logp, tf.tensor3d(target, [group.length, T - 1, V]))).dataSync()[0];
        });
      }
      return { nll, tokens };
    },
  };
}

/** Result of {@link generativePpl}. */
export interface GenPplResult {
  /** exp(Σ NLL / Σ tokens) over all samples. */
  genPpl: number;
  /** Mean NLL per scored token (nats). */
  nll: number;
  /** Tokens scored (every token but the first of each sample/window). */
  tokens: number;
  /** The scorer's name: gen PPL is comparable only under the same scorer. */
  scorer: string;
}

/**
 * Generative perplexity of samples (hdlm.md §7.2): drop special ids (`keep` returns false for them), optionally
 * map to the scorer's vocabulary (`retokenize`, e.g. decode + re-encode for a scorer with another tokenizer), score
 * all tokens but the first, and pool: exp(Σ NLL / Σ tokens).
 */
export function generativePpl(
  samples: ReadonlyArray<ArrayLike<number>>,
  scorer: SequenceScorer,
  options: { keep?: (id: number) => boolean; retokenize?: (ids: number[]) => ArrayLike<number> } = {},
): GenPplResult {
  const seqs = samples.map((s) => {
    const ids = Array.from(s).filter((id) => (options.keep ? options.keep(id) : true));
    return options.retokenize ? options.retokenize(ids) : ids;
  });
  const { nll, tokens } = scorer.score(seqs.filter((s) => s.length >= 2));
  if (tokens === 0) throw new Error("generativePpl: no tokens to score (every sample has fewer than 2 tokens after filtering)");
  return { genPpl: Math.exp(nll / tokens), nll: nll / tokens, tokens, scorer: scorer.name };
}
