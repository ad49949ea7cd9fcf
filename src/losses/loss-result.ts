// The one shape every diffusion loss returns (HDLM, MDLM, GIDD): per-token training loss and unclipped ELBO, and
// their token means over non-padding positions.
import type { tf } from "../engine/tf";

/** Per-token losses [B, L] and their token means over non-padding positions. */
export interface LossResult {
  /** Training loss per token (clipped weights; hard mode and entropy-free MASK term where selected). */
  trainPerToken: tf.Tensor2D;
  /** Unclipped ELBO per token (nats). */
  elboPerToken: tf.Tensor2D;
  /** Token mean of trainPerToken: what the optimiser minimises. */
  trainLoss: tf.Scalar;
  /** Token mean of elboPerToken: exp of it bounds the perplexity. */
  elbo: tf.Scalar;
  /** Number of non-padding positions. */
  tokenCount: number;
}
