// HDLM's cluster map over the task character vocabulary (hdlm.md §1.2) by syntactic role: digits, operator and
// punctuation characters, and the rest (EOS/padding, space, prompt tags). In an arithmetic answer span
// (temporal.md §6) the ids are digits, an optional `-` and EOS padding, so a cluster-first step decides the answer's
// shape (how many digits, a sign, where it stops) before the digit values, which is the coarse-to-fine split HDLM
// is built for; the three roles are also what co-occurrence k-means separates on this data (digits follow digits,
// operators sit between spaces).
import { CharVocab } from "./char-vocab";

/** The role classes, in cluster-index order. */
export const CHAR_CLUSTER_NAMES = ["digit", "operator", "other"] as const;

const OPERATOR_CHARS = "+-*/()=:.";

/** Cluster index per vocabulary id (length V): 0 digit, 1 operator/punctuation, 2 other (EOS = id 0, space, letters). */
export function charRoleClusters(vocab: CharVocab): Int32Array {
  const out = new Int32Array(vocab.size).fill(2);
  for (let i = 0; i < vocab.chars.length; i++) {
    const c = vocab.chars[i];
    if (c >= "0" && c <= "9") out[i + 1] = 0;
    else if (OPERATOR_CHARS.includes(c)) out[i + 1] = 1;
  }
  return out;
}
