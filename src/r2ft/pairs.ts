// R2FT training pairs from bundled text (decoding.md §3 "Data"): with no instruction data offline, the prompt is a
// document prefix of 32-64 tokens and the response is its continuation, closed by one EOS when the document ends.
import { SeededRng, toSeededRng } from "../util/rng";
import { R2ftExample } from "./negatives";

/** Options of {@link r2ftExamplesFromDocuments}. */
export interface R2ftPairOptions {
  /** L: every example has this length. */
  length: number;
  /** Filler after the document's end; the first filler position belongs to the response (the reference's EOS). */
  eosId: number;
  /** Prompt length ~ U{promptMin … promptMax} (defaults 32, 64), capped so the response keeps >= 1 token. */
  promptMin?: number;
  promptMax?: number;
}

/**
 * One example per document with more tokens than its drawn prompt: x_0 = the document's first L tokens (EOS-filled
 * when shorter), prompt [0, P), response [P, min(L, n + 1)) with n the document length, i.e. the continuation and the
 * EOS that ends it. Documents too short for a prompt and a response are skipped. Seeded (one draw per document).
 */
export function r2ftExamplesFromDocuments(documents: ReadonlyArray<ArrayLike<number>>, options: R2ftPairOptions, seedOrRng: number | SeededRng): R2ftExample[] {
  const L = options.length;
  if (!Number.isInteger(L) || L < 2) throw new RangeError(`length must be an integer >= 2, got ${L}`);
  if (!Number.isInteger(options.eosId) || options.eosId < 0) throw new RangeError(`eosId must be an integer >= 0, got ${options.eosId}`);
  const lo = options.promptMin ?? 32, hi = options.promptMax ?? 64;
  if (!Number.isInteger(lo) || lo < 1) throw new RangeError(`promptMin must be an integer >= 1, got ${lo}`);
  if (!Number.isInteger(hi) || hi < lo) throw new RangeError(`promptMax must be an integer >= promptMin (${lo}), got ${hi}`);
  const rng = toSeededRng(seedOrRng);
  const out: R2ftExample[] = [];
  for (const doc of documents) {
    const P = Math.min(lo + rng.int(hi - lo + 1), L - 1);
    const n = doc.length;
    if (n <= P) continue;
    const x0 = new Array<number>(L).fill(options.eosId);
    for (let i = 0; i < Math.min(n, L); i++) x0[i] = doc[i];
    out.push({ x0, responseStart: P, responseEnd: Math.min(L, n + 1) });
  }
  return out;
}
