// Parameters as a named map of tf.Variables (so checkpoints and optimisers stay generic), with deterministic,
// seeded initialisation following the reference (PyTorch nn.Linear defaults; zero adaLN and heads, hdlm.md §8.1).
import { tf } from "../engine/tf";
import { ModelConfig, checkModelConfig } from "./config";
import { SeededRng } from "../util/rng";

/** Named trainable parameters of a model; names are stable across runs (checkpoint keys). */
export type Params = Record<string, tf.Variable>;

/** The parameter `name` of `params`, or an error naming it. */
export function param(params: Params, name: string): tf.Variable {
  const v = params[name];
  if (v === undefined) throw new Error(`model parameter "${name}" is missing (have: ${Object.keys(params).slice(0, 8).join(", ")}, ...)`);
  return v;
}

type Init = "linear" | "zeros" | "ones";

function makeVar(rng: SeededRng, shape: number[], init: Init, fanIn: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  if (init === "ones") data.fill(1);
  else if (init === "linear") {
    // PyTorch nn.Linear / kaiming_uniform(a = sqrt 5): U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < size; i++) data[i] = (2 * rng.uniform() - 1) * bound;
  }
  // Unnamed variables: tfjs registers names globally, and two models may coexist.
  return tf.tidy(() => tf.variable(tf.tensor(data, shape, "float32"), true));
}

/** Parameter shapes and initialisers of one model, in a fixed order (the init draws in this order). */
function layout(c: ModelConfig, kind: "dit" | "ar"): [string, number[], Init, number][] {
  const d = c.hidden;
  const m = c.mlpRatio * d;
  const L: [string, number[], Init, number][] = [["embed", [c.inputSize, d], "linear", d]];
  if (kind === "dit") {
    L.push(["time.w1", [256, c.condDim], "linear", 256], ["time.b1", [c.condDim], "linear", 256]);
    L.push(["time.w2", [c.condDim, c.condDim], "linear", c.condDim], ["time.b2", [c.condDim], "linear", c.condDim]);
  }
  for (let i = 0; i < c.layers; i++) {
    const b = `blocks.${i}`;
    L.push([`${b}.ln1`, [d], "ones", d]);
    if (kind === "dit") L.push([`${b}.ada.w`, [c.condDim, 6 * d], "zeros", 0], [`${b}.ada.b`, [6 * d], "zeros", 0]);
    L.push([`${b}.qkv`, [d, 3 * d], "linear", d], [`${b}.proj`, [d, d], "linear", d]);
    L.push([`${b}.ln2`, [d], "ones", d]);
    L.push([`${b}.mlp.w1`, [d, m], "linear", d], [`${b}.mlp.b1`, [m], "linear", d]);
    L.push([`${b}.mlp.w2`, [m, d], "linear", m], [`${b}.mlp.b2`, [d], "linear", m]);
  }
  L.push(["final.ln", [d], "ones", d]);
  if (kind === "dit") {
    L.push(["final.ada.w", [c.condDim, 2 * d], "zeros", 0], ["final.ada.b", [2 * d], "zeros", 0]);
    L.push(["head.w", [d, c.outputSize], "zeros", 0], ["head.b", [c.outputSize], "zeros", 0]);
    if (c.auxClusters > 0) {
      L.push(["aux.ln", [d], "ones", d], ["aux.ada.w", [c.condDim, 2 * d], "zeros", 0], ["aux.ada.b", [2 * d], "zeros", 0]);
      L.push(["aux.w", [d, c.auxClusters], "zeros", 0], ["aux.b", [c.auxClusters], "zeros", 0]);
    }
  } else {
    // The causal LM has no adaLN gate to start it at identity, so its head starts random (GPT style).
    L.push(["head.w", [d, c.outputSize], "linear", d], ["head.b", [c.outputSize], "zeros", 0]);
  }
  return L;
}

/**
 * Fresh parameters for a DiT (`kind = "dit"`, hdlm.md §8.1) or a causal transformer (`"ar"`), drawn
 * deterministically from `seed`: linear weights U(±1/sqrt(fanIn)), LayerNorm weights 1, and (DiT) the adaLN
 * projections and output heads 0, so a fresh DiT outputs all-zero logits.
 */
export function initParams(config: ModelConfig, kind: "dit" | "ar", seed: number): Params {
  const c = checkModelConfig(config);
  const rng = new SeededRng(seed);
  const out: Params = {};
  for (const [name, shape, init, fanIn] of layout(c, kind)) out[name] = makeVar(rng, shape, init, fanIn);
  return out;
}

/** Total number of scalars in `params`. */
export function countParams(params: Params): number {
  return Object.values(params).reduce((n, v) => n + v.size, 0);
}

/** Disposes every variable of `params`. */
export function disposeParams(params: Params): void {
  for (const v of Object.values(params)) v.dispose();
}

/**
 * Embedding initialisation of the diffusion model (hdlm.md §1.4, as in `hdlm/train.py`): token rows from the
 * embeddings the clusters were built from (only when their width equals the model width; otherwise the random
 * init is kept), the [MASK] row 0, and cluster rows = centroids (again only when `centroidDim` equals the model
 * width). All rows stay trainable.
 */
export function initDiffusionEmbedding(
  params: Params,
  layout: { vocabSize: number; maskId: number; clusterStart?: number },
  sources: { tokenEmbeddings?: Float32Array | null; tokenDim?: number; centroids?: Float32Array | null; centroidDim?: number; numClusters?: number } = {},
): { tokensCopied: boolean; centroidsCopied: boolean } {
  const embed = param(params, "embed");
  const [rows, d] = embed.shape as [number, number];
  const { vocabSize: V, maskId } = layout;
  if (!Number.isInteger(maskId) || maskId < 0 || maskId >= rows) throw new Error(`maskId must be a row of the embedding [0, ${rows}), got ${maskId}`);
  const data = embed.dataSync().slice() as Float32Array;
  let tokensCopied = false;
  let centroidsCopied = false;
  if (sources.tokenEmbeddings != null && sources.tokenDim === d) {
    if (sources.tokenEmbeddings.length !== V * d) {
      throw new Error(`tokenEmbeddings must hold vocabSize x hidden = ${V} x ${d} values, got ${sources.tokenEmbeddings.length}`);
    }
    data.set(sources.tokenEmbeddings, 0);
    tokensCopied = true;
  }
  data.fill(0, maskId * d, (maskId + 1) * d);
  if (sources.centroids != null && (sources.centroidDim ?? d) === d) {
    const n = sources.numClusters ?? 0;
    const start = layout.clusterStart ?? maskId + 1;
    if (sources.centroids.length !== n * d) throw new Error(`centroids must hold numClusters x hidden = ${n} x ${d} values, got ${sources.centroids.length}`);
    if (start + n > rows) throw new Error(`cluster rows [${start}, ${start + n}) exceed the embedding's ${rows} rows`);
    data.set(sources.centroids, start * d);
    centroidsCopied = true;
  }
  tf.tidy(() => embed.assign(tf.tensor2d(data, [rows, d])));
  return { tokensCopied, centroidsCopied };
}
