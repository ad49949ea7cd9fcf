// The `cooc` embedding source (hdlm.md §1.3): symmetric-window co-occurrence counts weighted 1/distance,
// positive PMI, and a rank-d truncated SVD giving rows U·√S; rare tokens are pooled into one bucket row.
import type { TokenEmbeddings } from "./embeddings";
import { symmetricTruncatedSvd, type CsrMatrix } from "./svd";

/**
 * A corpus as token ids: one stream, or an array of documents (windows never cross documents).
 * A negative id is a break (e.g. an out-of-vocabulary token dropped by the caller).
 */
export type TokenStream = Int32Array | Uint16Array | Uint32Array | readonly number[] | readonly ArrayLike<number>[];

/** Settings of the `cooc` source; defaults from hdlm.md §1.3. */
export interface CoocOptions {
  /** Half-width of the symmetric window (default 4); a pair at distance j gets weight 1/j. */
  window?: number;
  /** Tokens seen fewer times are pooled into one "rare" row (default 5). */
  minCount?: number;
  /** Rank d of the truncated SVD (default 64). */
  dim?: number;
  /** Seed of the randomized SVD (default 42). */
  seed?: number;
  /** Extra columns of the randomized range finder (default 10). */
  oversample?: number;
  /** Subspace (power) iterations of the randomized SVD (default 4). */
  powerIterations?: number;
}

function isDocuments(tokens: TokenStream): tokens is readonly ArrayLike<number>[] {
  return Array.isArray(tokens) && tokens.length > 0 && typeof tokens[0] !== "number";
}

/** Open-addressing hash map from an unordered row pair (a <= b) to an accumulated weight. */
class PairTable {
  keys: Float64Array;
  vals: Float64Array;
  size = 0;
  constructor(private readonly rows: number, capacity = 1 << 16) {
    this.keys = new Float64Array(capacity).fill(-1);
    this.vals = new Float64Array(capacity);
  }
  add(a: number, b: number, w: number): void {
    if (a > b) {
      const t = a;
      a = b;
      b = t;
    }
    if (this.size * 2 >= this.keys.length) this.grow();
    const key = a * this.rows + b;
    const mask = this.keys.length - 1;
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = this.keys[h];
      if (k === key) {
        this.vals[h] += w;
        return;
      }
      if (k === -1) {
        this.keys[h] = key;
        this.vals[h] = w;
        this.size++;
        return;
      }
      h = (h + 1) & mask;
    }
  }
  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    this.keys = new Float64Array(oldK.length * 2).fill(-1);
    this.vals = new Float64Array(oldK.length * 2);
    this.size = 0;
    for (let i = 0; i < oldK.length; i++) {
      if (oldK[i] < 0) continue;
      const a = Math.floor(oldK[i] / this.rows);
      this.add(a, oldK[i] - a * this.rows, oldV[i]);
    }
  }
}

/**
 * Co-occurrence embeddings (hdlm.md §1.3, `cooc`): counts in a symmetric ±window weighted by 1/distance,
 * PPMI(a, b) = max(0, log(X_ab·T / (X_a·X_b))), then a rank-d truncated SVD with rows U·√S.
 * Tokens with count < minCount share one "rare" row. Deterministic given `seed`.
 */
export function coocEmbeddings(tokens: TokenStream, vocabSize: number, options: CoocOptions = {}): TokenEmbeddings {
  const window = options.window ?? 4;
  const minCount = options.minCount ?? 5;
  const dim = options.dim ?? 64;
  const seed = options.seed ?? 42;
  const oversample = options.oversample ?? 10;
  const powerIterations = options.powerIterations ?? 4;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`vocabSize must be an integer >= 1, got ${vocabSize}`);
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`cooc window must be an integer >= 1, got ${window}`);
  if (!Number.isInteger(minCount) || minCount < 0) throw new RangeError(`cooc minCount must be an integer >= 0, got ${minCount}`);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`cooc dim must be an integer >= 1, got ${dim}`);
  const docs: readonly ArrayLike<number>[] = isDocuments(tokens) ? tokens : [tokens as ArrayLike<number>];

  // 1. Unigram counts; rows: kept tokens in id order, then one shared rare row.
  const counts = new Float64Array(vocabSize);
  let total = 0;
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d];
    for (let i = 0; i < doc.length; i++) {
      const v = doc[i];
      if (v < 0) continue;
      if (!Number.isInteger(v) || v >= vocabSize) {
        throw new RangeError(`tokens${docs.length > 1 ? `[${d}]` : ""}[${i}] = ${v} is not a token id in [0, ${vocabSize}) (use a negative id for a break)`);
      }
      counts[v]++;
      total++;
    }
  }
  if (total === 0) throw new Error(`cooc: the token stream holds no tokens`);
  const rowOf = new Int32Array(vocabSize);
  let kept = 0;
  for (let v = 0; v < vocabSize; v++) if (counts[v] >= minCount) rowOf[v] = kept++;
  const rareTokens = vocabSize - kept;
  const rows = kept + (rareTokens > 0 ? 1 : 0);
  for (let v = 0; v < vocabSize; v++) if (counts[v] < minCount) rowOf[v] = kept;
  if (rows < dim) {
    throw new RangeError(`cooc: only ${rows} distinct rows (${kept} tokens with count >= minCount ${minCount}${rareTokens > 0 ? " + the rare row" : ""}) for dim ${dim}; lower dim or minCount, or use a larger corpus`);
  }

  // 2. Weighted co-occurrences in the window, upper triangle of the symmetric matrix.
  const table = new PairTable(rows);
  for (const doc of docs) {
    for (let i = 0; i < doc.length; i++) {
      const a = doc[i];
      if (a < 0) continue;
      for (let j = 1; j <= window && i + j < doc.length; j++) {
        const b = doc[i + j];
        if (b < 0) break;
        table.add(rowOf[a], rowOf[b], 1 / j);
      }
    }
  }

  // 3. PPMI on the full symmetric matrix: X_ab = X_ba = w (a != b), X_aa = 2w.
  const rowSum = new Float64Array(rows);
  for (let h = 0; h < table.keys.length; h++) {
    const key = table.keys[h];
    if (key < 0) continue;
    const a = Math.floor(key / rows);
    const b = key - a * rows;
    const w = table.vals[h];
    rowSum[a] += w;
    rowSum[b] += w;
  }
  let T = 0;
  for (let r = 0; r < rows; r++) T += rowSum[r];
  const nnzPerRow = new Int32Array(rows);
  const pmiOf = new Float64Array(table.keys.length);
  for (let h = 0; h < table.keys.length; h++) {
    const key = table.keys[h];
    if (key < 0) continue;
    const a = Math.floor(key / rows);
    const b = key - a * rows;
    const x = a === b ? 2 * table.vals[h] : table.vals[h];
    const pmi = Math.log((x * T) / (rowSum[a] * rowSum[b]));
    if (pmi <= 0) continue;
    pmiOf[h] = pmi;
    nnzPerRow[a]++;
    if (a !== b) nnzPerRow[b]++;
  }
  const rowPtr = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) rowPtr[r + 1] = rowPtr[r] + nnzPerRow[r];
  const nnz = rowPtr[rows];
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  const fill = rowPtr.slice(0, rows);
  for (let h = 0; h < table.keys.length; h++) {
    if (pmiOf[h] <= 0) continue;
    const key = table.keys[h];
    const a = Math.floor(key / rows);
    const b = key - a * rows;
    colIdx[fill[a]] = b;
    values[fill[a]++] = pmiOf[h];
    if (a !== b) {
      colIdx[fill[b]] = a;
      values[fill[b]++] = pmiOf[h];
    }
  }
  const ppmi: CsrMatrix = { size: rows, rowPtr, colIdx, values };

  // 4. Truncated SVD: rows U·√S.
  const svd = symmetricTruncatedSvd(ppmi, dim, { seed, oversample, powerIterations });
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dim; c++) data[r * dim + c] = svd.U[r * dim + c] * Math.sqrt(svd.singularValues[c]);
  }
  return {
    vocabSize,
    dim,
    rows,
    data,
    rowOf,
    source: "cooc",
    settings: {
      window,
      weighting: "1/distance",
      minCount,
      dim,
      seed,
      oversample,
      powerIterations,
      corpusTokens: total,
      rareTokens,
      rareRow: rareTokens > 0 ? kept : null,
      ppmiNonzeros: nnz,
    },
  };
}
