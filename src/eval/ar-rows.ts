// The AR reference scored on exactly the tokens the diffusion bounds score (issue 8): every non-padding position
// of every row. Positions 1..L-1 get the causal model's exact NLL given the row's prefix; position 0 has no prefix
// in the row, so it is scored by the unigram model (the same for every row; stated beside every AR row).
import { tf } from "../engine/tf";
import type { TokenBatch } from "../data/sequences";
import type { RowScores } from "./row-scores";
import type { UnigramModel } from "./unigram";

/** Causal logits [B, L, V] of tokens [B, L] under a padding mask [B, L]. */
export type CausalLogits = (tokens: tf.Tensor2D, mask: tf.Tensor2D) => tf.Tensor3D;

/** Per-row NLL (nats) of `batches`: the AR model at positions >= 1, `unigram` at position 0. */
export function arRows(logits: CausalLogits, batches: Iterable<TokenBatch>, unigram: UnigramModel): RowScores {
  const nats: number[] = [];
  const tokens: number[] = [];
  for (const b of batches) {
    const { batchSize: B, seqLen: L } = b;
    const nll = tf.tidy(() => {
      const x = tf.tensor2d(b.tokens, [B, L], "int32");
      const m = tf.tensor2d(Float32Array.from(b.mask), [B, L], "float32");
      const l = logits(x, m);
      const V = l.shape[2];
      const pred = tf.reshape(tf.slice(l, [0, 0, 0], [B, L - 1, V]), [B * (L - 1), V]);
      const target = tf.reshape(tf.slice(x, [0, 1], [B, L - 1]), [-1]);
      const logp = tf.logSoftmax(pred);
      return tf.neg(tf.sum(tf.mul(logp, tf.oneHot(target, V)), 1)).dataSync(); // [B (L-1)]
    });
    for (let r = 0; r < B; r++) {
      let s = 0, c = 0;
      if (b.mask[r * L] !== 0) {
        s -= unigram.logProb[b.tokens[r * L]];
        c++;
      }
      for (let i = 1; i < L; i++) {
        if (b.mask[r * L + i] === 0) continue;
        s += nll[r * (L - 1) + i - 1];
        c++;
      }
      nats.push(s);
      tokens.push(c);
    }
  }
  return { nats: Float64Array.from(nats), tokens: Float64Array.from(tokens) };
}
