// Sequences of length L as the papers build them: per-document crops with BOS/EOS framing and padding
// (HDLM §7.1, no packing) and packed chunks with an end-of-text separator (MDLM `wrap`), batched [B, L].
import { SeededRng } from "../util/rng";

/**
 * A batch of B sequences of length L, row-major: `tokens[b*L + i]`; `mask` is 1 on real tokens, 0 on padding. The one
 * batch type of the library: data yields it, the trainer trains on it and evaluation scores it.
 */
export interface TokenBatch {
  tokens: Int32Array;
  mask: Int32Array | Float32Array;
  batchSize: number;
  seqLen: number;
  /** 1 at positions held clean (a prompt of conditional training): never noised, never scored. Absent = none. */
  clean?: Uint8Array;
}

/** Ids used to frame sequences (GPT-2: BOS = EOS = 50256; padded positions hold `pad` under mask 0). */
export interface Framing {
  bos: number;
  eos: number;
  pad: number;
}

function checkSeqLen(seqLen: number, min: number): void {
  if (!Number.isInteger(seqLen) || seqLen < min) throw new Error(`seqLen must be an integer >= ${min}, got ${seqLen}`);
}

/**
 * Writes one document as a length-L row (HDLM §7.1 reference data handling): framed as BOS + tokens + EOS;
 * if longer than L a uniformly random window of L (drawn from `rng`); if shorter, padded with mask 0.
 * With `rng` undefined the window starts at 0 (deterministic evaluation). Returns the number of real tokens.
 */
export function cropDocumentInto(
  doc: ArrayLike<number>,
  framing: Framing,
  seqLen: number,
  rng: SeededRng | undefined,
  tokens: Int32Array,
  mask: Int32Array,
  offset = 0,
): number {
  checkSeqLen(seqLen, 2);
  const framed = doc.length + 2;
  const start = framed > seqLen && rng ? rng.int(framed - seqLen + 1) : 0;
  const n = Math.min(framed, seqLen);
  for (let i = 0; i < seqLen; i++) {
    if (i < n) {
      const j = start + i; // index in the framed document
      tokens[offset + i] = j === 0 ? framing.bos : j === framed - 1 ? framing.eos : doc[j - 1];
      mask[offset + i] = 1;
    } else {
      tokens[offset + i] = framing.pad;
      mask[offset + i] = 0;
    }
  }
  return n;
}

/** A batch whose rows are crops of the given documents (see {@link cropDocumentInto}). */
export function cropBatch(docs: readonly ArrayLike<number>[], framing: Framing, seqLen: number, rng?: SeededRng): TokenBatch {
  const B = docs.length;
  const tokens = new Int32Array(B * seqLen);
  const mask = new Int32Array(B * seqLen);
  for (let b = 0; b < B; b++) cropDocumentInto(docs[b], framing, seqLen, rng, tokens, mask, b * seqLen);
  return { tokens, mask, batchSize: B, seqLen };
}

/**
 * Packs documents into rows of length L as MDLM's `wrap` does (`dataloader.py`, `_group_texts`): every document
 * is followed by EOS, the stream is cut into blocks of L − 2, and each block is framed BOS + block + EOS. Rows
 * are all real tokens (mask 1); a final partial block is dropped, as in the reference. Lazily generated.
 */
export function* packDocuments(docs: Iterable<ArrayLike<number>>, framing: Framing, seqLen: number): Generator<Int32Array> {
  checkSeqLen(seqLen, 3);
  const block = seqLen - 2;
  let row = new Int32Array(seqLen);
  let fill = 0;
  const push = (id: number): Int32Array | undefined => {
    row[1 + fill++] = id;
    if (fill < block) return undefined;
    row[0] = framing.bos;
    row[seqLen - 1] = framing.eos;
    const done = row;
    row = new Int32Array(seqLen);
    fill = 0;
    return done;
  };
  for (const doc of docs) {
    for (let i = 0; i <= doc.length; i++) {
      const full = push(i < doc.length ? doc[i] : framing.eos);
      if (full) yield full;
    }
  }
}

/** Stacks B rows of length L (all real tokens) into a batch. */
export function stackRows(rows: readonly Int32Array[], seqLen: number): TokenBatch {
  const B = rows.length;
  const tokens = new Int32Array(B * seqLen);
  for (let b = 0; b < B; b++) {
    if (rows[b].length !== seqLen) throw new Error(`rows[${b}] has length ${rows[b].length}, expected seqLen ${seqLen}`);
    tokens.set(rows[b], b * seqLen);
  }
  return { tokens, mask: new Int32Array(B * seqLen).fill(1), batchSize: B, seqLen };
}

/**
 * Every token of the framed document (BOS + tokens + EOS) exactly once, as consecutive non-overlapping windows of
 * L (the last one padded with mask 0): evaluation over a whole split, not one crop per document.
 */
export function* documentWindows(doc: ArrayLike<number>, framing: Framing, seqLen: number): Generator<{ tokens: Int32Array; mask: Int32Array }> {
  checkSeqLen(seqLen, 2);
  const framed = doc.length + 2;
  for (let s = 0; s < framed; s += seqLen) {
    const tokens = new Int32Array(seqLen).fill(framing.pad);
    const mask = new Int32Array(seqLen);
    for (let i = 0; i < seqLen && s + i < framed; i++) {
      const j = s + i;
      tokens[i] = j === 0 ? framing.bos : j === framed - 1 ? framing.eos : doc[j - 1];
      mask[i] = 1;
    }
    yield { tokens, mask };
  }
}

/** {@link documentWindows} of every document, in order, batched by `batchSize` rows (the last batch may be smaller). */
export function* windowBatches(docs: Iterable<ArrayLike<number>>, framing: Framing, seqLen: number, batchSize: number): Generator<TokenBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be an integer >= 1, got ${batchSize}`);
  let rows: { tokens: Int32Array; mask: Int32Array }[] = [];
  const flush = (): TokenBatch => {
    const B = rows.length;
    const tokens = new Int32Array(B * seqLen);
    const mask = new Int32Array(B * seqLen);
    rows.forEach((r, b) => {
      tokens.set(r.tokens, b * seqLen);
      mask.set(r.mask, b * seqLen);
    });
    rows = [];
    return { tokens, mask, batchSize: B, seqLen };
  };
  for (const d of docs) {
    for (const w of documentWindows(d, framing, seqLen)) {
      rows.push(w);
      if (rows.length === batchSize) yield flush();
    }
  }
  if (rows.length > 0) yield flush();
}
