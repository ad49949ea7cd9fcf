// Token embeddings that clusters are built from (hdlm.md §1.3 "Where the embeddings come from"):
// the TokenEmbeddings type, the `file` and `model` sources, and the config union resolving all three.
import * as fs from "fs";
import { readNpy, npyToFloat32 } from "./npy";
import { readSafetensorF32 } from "./safetensors";
import { coocEmbeddings, type CoocOptions, type TokenStream } from "./embeddings-cooc";

/**
 * Embeddings of a vocabulary of V tokens: `rows` distinct rows of dimension `dim`, and `rowOf[v]`,
 * the row of token v. For `file`/`model` each token has its own row; `cooc` pools rare tokens
 * into one shared row, which k-means then assigns like any other row.
 */
export interface TokenEmbeddings {
  readonly vocabSize: number;
  readonly dim: number;
  readonly rows: number;
  /** Row-major [rows, dim] float32. */
  readonly data: Float32Array;
  /** Row index of each token, length V. */
  readonly rowOf: Int32Array;
  readonly source: "file" | "model" | "cooc";
  /** Source settings, recorded in the cluster file. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Which embeddings to cluster (hdlm.md §1.3); resolved by `resolveEmbeddings`. */
export type EmbeddingSourceConfig =
  | { source: "file"; path: string; tensorName?: string }
  | { source: "model"; matrix: Float32Array; dim: number; name?: string }
  | ({ source: "cooc" } & CoocOptions);

function identityRows(V: number): Int32Array {
  const r = new Int32Array(V);
  for (let i = 0; i < V; i++) r[i] = i;
  return r;
}

/**
 * `model` source: any [V, d] float32 matrix (e.g. a trained model's input embedding), row v = token v.
 * `where` names the matrix in errors.
 */
export function embeddingsFromMatrix(
  matrix: Float32Array,
  vocabSize: number,
  dim: number,
  options: { source?: "file" | "model"; where?: string; settings?: Record<string, unknown> } = {},
): TokenEmbeddings {
  const where = options.where ?? "embedding matrix";
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`vocabSize must be an integer >= 1, got ${vocabSize}`);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${where}: dim must be an integer >= 1, got ${dim}`);
  if (matrix.length !== vocabSize * dim) {
    const rows = matrix.length / dim;
    throw new RangeError(`${where}: has ${Number.isInteger(rows) ? rows : matrix.length / dim} rows of dim ${dim} but the vocabulary has ${vocabSize} tokens; it must be [vocabSize, d] = [${vocabSize}, ${dim}]`);
  }
  for (let i = 0; i < matrix.length; i++) {
    if (!Number.isFinite(matrix[i])) throw new RangeError(`${where}: row ${Math.floor(i / dim)} column ${i % dim} is ${matrix[i]}; embeddings must be finite`);
  }
  return {
    vocabSize,
    dim,
    rows: vocabSize,
    data: matrix,
    rowOf: identityRows(vocabSize),
    source: options.source ?? "model",
    settings: { ...(options.settings ?? {}) },
  };
}

/**
 * `file` source: a user-supplied float32 [V, d] matrix from `.npy` (float32; float64 is narrowed)
 * or `.safetensors` (F32; `tensorName` picks one tensor when the file holds several).
 * The row count must equal `vocabSize`.
 */
export function embeddingsFromFile(file: string, vocabSize: number, options: { tensorName?: string } = {}): TokenEmbeddings {
  if (!fs.existsSync(file)) throw new Error(`${file}: embeddings file not found (embeddings.path)`);
  let shape: readonly number[];
  let data: Float32Array;
  const lower = file.toLowerCase();
  if (lower.endsWith(".npy")) {
    const arr = readNpy(file);
    shape = arr.shape;
    data = npyToFloat32(arr, file);
  } else if (lower.endsWith(".safetensors")) {
    const t = readSafetensorF32(file, options.tensorName);
    shape = t.shape;
    data = t.data;
  } else {
    throw new Error(`${file}: embeddings must be a .npy or .safetensors file`);
  }
  if (shape.length !== 2) throw new Error(`${file}: embeddings must be 2-D [vocabSize, d], got shape [${shape.join(", ")}]`);
  if (shape[0] !== vocabSize) {
    throw new Error(`${file}: embeddings have ${shape[0]} rows but the vocabulary has ${vocabSize} tokens; the matrix must be [vocabSize, d]`);
  }
  const settings: Record<string, unknown> = { path: file };
  if (options.tensorName !== undefined) settings.tensorName = options.tensorName;
  return embeddingsFromMatrix(data, vocabSize, shape[1], { source: "file", where: file, settings });
}

/**
 * Resolves an embedding source config (exhaustive over `source`). `tokens` is the corpus token
 * stream, needed only by `cooc`.
 */
export function resolveEmbeddings(config: EmbeddingSourceConfig, vocabSize: number, tokens?: TokenStream): TokenEmbeddings {
  switch (config.source) {
    case "file":
      return embeddingsFromFile(config.path, vocabSize, { tensorName: config.tensorName });
    case "model":
      return embeddingsFromMatrix(config.matrix, vocabSize, config.dim, {
        source: "model",
        where: config.name ?? "model embedding matrix",
        settings: config.name !== undefined ? { name: config.name } : {},
      });
    case "cooc": {
      if (tokens === undefined) throw new Error(`embeddings.source "cooc" needs the corpus token stream (pass tokens)`);
      const { source: _source, ...options } = config;
      return coocEmbeddings(tokens, vocabSize, options);
    }
    default: {
      const bad: never = config;
      throw new Error(`embeddings.source must be "file", "model" or "cooc", got ${JSON.stringify((bad as { source?: unknown }).source)}`);
    }
  }
}

/** One row per token: the [V, d] matrix (rare tokens share the bucket row), e.g. to initialise a model (hdlm.md §1.4). */
export function tokenEmbeddingMatrix(e: TokenEmbeddings): Float32Array {
  if (e.rows === e.vocabSize) {
    let identity = true;
    for (let v = 0; v < e.vocabSize && identity; v++) identity = e.rowOf[v] === v;
    if (identity) return e.data;
  }
  const out = new Float32Array(e.vocabSize * e.dim);
  for (let v = 0; v < e.vocabSize; v++) out.set(e.data.subarray(e.rowOf[v] * e.dim, (e.rowOf[v] + 1) * e.dim), v * e.dim);
  return out;
}
