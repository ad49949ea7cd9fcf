// The reference DiT of MDLM (kuleshov-group/mdlm, models/dit.py `DIT`), parameter for parameter: the same names,
// shapes (PyTorch's [out, in] linear weights) and parameter order, the same conditioning (sigma, not t: the
// sinusoidal(256) embedding of sigma -> Linear -> SiLU -> Linear, then SiLU), bias-free LayerNorm, adaLN
// `x * (1 + scale) + shift` with gated residuals, rotate-half rotary on q and k, tanh-GELU, an untied output
// Linear with bias, and MDLM's SUBS parameterisation on top. It sits beside hdlm-lab's own DiT (transformer.ts),
// whose layer ops it reuses; converters map between the two layouts (see toHdlmDitParams).
import { tf } from "../engine/tf";
import { SeededRng } from "../util/rng";
import { layerNorm, modulate, silu, timestepEmbedding } from "./layers";
import { geluTanh } from "../engine/native/fused";
import { attention as fusedAttention } from "../engine/native/fused";
import type { ModelConfig } from "./config";
import type { Params } from "./params";

/** Width of the reference's sinusoidal timestep (sigma) embedding. */
export const MDLM_FREQ_DIM = 256;
/** eps of MDLM's log-linear noise (sigma(t) = -log(1 - (1 - eps) t)). */
export const MDLM_NOISE_EPS = 1e-3;

/** Sizes of the reference DiT (config.model of mdlm: hidden_size, n_blocks, n_heads, cond_dim). */
export interface MdlmDitConfig {
  /** Rows of vocab_embed and columns of the output (the tokenizer's ids plus MASK: 50258 for GPT-2). */
  vocabSize: number;
  hidden: number;
  blocks: number;
  heads: number;
  condDim: number;
  mlpRatio: number;
  /** Longest sequence hdlm-lab will feed it (the reference builds rotary tables on the fly; mdlm trains at 1024). */
  seqLen: number;
  /**
   * What the time embedding is fed at diffusion time t: "none" sigma = 0 at every t (mdlm's default
   * time_conditioning=False, and the released OWT checkpoint), "sigma" sigma(t) = -log(1 - (1 - eps) t) (mdlm's
   * time_conditioning=True), "t" t itself (a DiT trained in hdlm-lab, exported).
   */
  conditioning: MdlmConditioning;
}

/** The input of the time embedding: none (sigma = 0), sigma(t), or t. */
export type MdlmConditioning = "none" | "sigma" | "t";

/** The MASK id of the reference layout: the last row (mdlm appends MASK when the tokenizer has none). */
export function mdlmMaskId(c: MdlmDitConfig): number {
  return c.vocabSize - 1;
}

/** Throws naming the field unless the sizes are valid for the reference DiT. */
export function checkMdlmDitConfig(c: MdlmDitConfig): MdlmDitConfig {
  for (const k of ["vocabSize", "hidden", "blocks", "heads", "condDim", "mlpRatio", "seqLen"] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`mdlm-dit ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.conditioning !== "none" && c.conditioning !== "sigma" && c.conditioning !== "t") throw new Error(`mdlm-dit conditioning must be none, sigma or t, got ${String(c.conditioning)}`);
  if (c.vocabSize < 2) throw new Error(`mdlm-dit vocabSize must be at least 2 (a token and MASK), got ${c.vocabSize}`);
  if (c.hidden % c.heads !== 0 || (c.hidden / c.heads) % 2 !== 0) {
    throw new Error(`mdlm-dit heads (${c.heads}) must divide hidden (${c.hidden}) into an even head width`);
  }
  return c;
}

type Init = "embed" | "linear" | "bias" | "zeros" | "ones";

/**
 * The reference's parameters in `DIT.parameters()` order (the order of Lightning's EMA `shadow_params`), with
 * shapes and their PyTorch initialisers. Buffers (`rotary_emb.inv_freq`) are not parameters: see mdlmDitBuffers.
 */
export function mdlmDitLayout(c: MdlmDitConfig): { name: string; shape: number[]; init: Init; fanIn: number }[] {
  const { vocabSize: V, hidden: d, condDim: k } = checkMdlmDitConfig(c);
  const m = c.mlpRatio * d;
  const L: { name: string; shape: number[]; init: Init; fanIn: number }[] = [];
  const add = (name: string, shape: number[], init: Init, fanIn = 0) => L.push({ name, shape, init, fanIn });
  add("vocab_embed.embedding", [V, d], "embed", d);
  add("sigma_map.mlp.0.weight", [k, MDLM_FREQ_DIM], "linear", MDLM_FREQ_DIM);
  add("sigma_map.mlp.0.bias", [k], "bias", MDLM_FREQ_DIM);
  add("sigma_map.mlp.2.weight", [k, k], "linear", k);
  add("sigma_map.mlp.2.bias", [k], "bias", k);
  for (let i = 0; i < c.blocks; i++) {
    const b = `blocks.${i}`;
    add(`${b}.norm1.weight`, [d], "ones");
    add(`${b}.attn_qkv.weight`, [3 * d, d], "linear", d);
    add(`${b}.attn_out.weight`, [d, d], "linear", d);
    add(`${b}.norm2.weight`, [d], "ones");
    add(`${b}.mlp.0.weight`, [m, d], "linear", d);
    add(`${b}.mlp.0.bias`, [m], "bias", d);
    add(`${b}.mlp.2.weight`, [d, m], "linear", m);
    add(`${b}.mlp.2.bias`, [d], "bias", m);
    add(`${b}.adaLN_modulation.weight`, [6 * d, k], "zeros");
    add(`${b}.adaLN_modulation.bias`, [6 * d], "zeros");
  }
  add("output_layer.norm_final.weight", [d], "ones");
  add("output_layer.linear.weight", [V, d], "zeros");
  add("output_layer.linear.bias", [V], "zeros");
  add("output_layer.adaLN_modulation.weight", [2 * d, k], "zeros");
  add("output_layer.adaLN_modulation.bias", [2 * d], "zeros");
  return L;
}

/** The reference's buffers (in its state_dict, not its parameters): the rotary inverse frequencies. */
export function mdlmDitBuffers(c: MdlmDitConfig): Map<string, { shape: number[]; data: Float32Array }> {
  const hd = c.hidden / c.heads;
  const inv = new Float32Array(hd / 2);
  // 1 / base^(2i / hd), computed in float32 like torch.arange(0, hd, 2).float() / hd
  for (let i = 0; i < hd / 2; i++) inv[i] = 1 / Math.fround(Math.pow(10000, Math.fround((2 * i) / hd)));
  return new Map([["rotary_emb.inv_freq", { shape: [hd / 2], data: inv }]]);
}

/**
 * Rotary tables (T, hd) as the reference computes them, in float32: angle = float32(p * inv_freq), halves repeated
 * (rotate-half form). Float32 angles matter at long range: at position 1000 a float64 angle differs by ~1e-4 rad.
 */
export function mdlmRotaryTables(T: number, hd: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = hd / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.fround(Math.pow(10000, Math.fround((2 * i) / hd)));
  const cos = new Float32Array(T * hd);
  const sin = new Float32Array(T * hd);
  for (let q = 0; q < T; q++) {
    for (let i = 0; i < half; i++) {
      const a = Math.fround(q * inv[i]);
      cos[q * hd + i] = cos[q * hd + half + i] = Math.cos(a);
      sin[q * hd + i] = sin[q * hd + half + i] = Math.sin(a);
    }
  }
  return { cos: tf.tensor2d(cos, [T, hd]), sin: tf.tensor2d(sin, [T, hd]) };
}

/**
 * Fresh reference parameters drawn from `seed` with PyTorch's initialisers: Linear weights and biases
 * U(±1/sqrt(fanIn)), the embedding kaiming-uniform(a = sqrt 5) = U(±1/sqrt(hidden)), LayerNorm weights 1, and the
 * adaLN projections and output Linear 0 (so a fresh model outputs all-zero logits).
 */
export function initMdlmDitParams(c: MdlmDitConfig, seed: number): Params {
  const rng = new SeededRng(seed);
  const out: Params = {};
  for (const { name, shape, init, fanIn } of mdlmDitLayout(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (init === "ones") data.fill(1);
    else if (init !== "zeros") {
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < n; i++) data[i] = (2 * rng.uniform() - 1) * bound;
    }
    out[name] = tf.tidy(() => tf.variable(tf.tensor(data, shape, "float32"), true));
  }
  return out;
}

/** Throws naming the first missing or mis-shaped parameter of `params` (`what` names their source). */
export function checkMdlmDitParams(params: Params, c: MdlmDitConfig, what = "mdlm-dit"): void {
  for (const { name, shape } of mdlmDitLayout(c)) {
    const p = params[name];
    if (p === undefined) throw new Error(`${what}: parameter ${name} is missing`);
    if (p.shape.join(",") !== shape.join(",")) throw new Error(`${what}: parameter ${name} has shape [${p.shape.join(", ")}], expected [${shape.join(", ")}]`);
  }
}

function p(params: Params, name: string): tf.Tensor {
  const v = params[name];
  if (v === undefined) throw new Error(`mdlm-dit parameter ${name} is missing`);
  return v;
}

/** PyTorch's Linear over the last axis: `x @ W^T (+ b)` with W [out, in]. */
function torchLinear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.rank - 1];
  const outDim = w.shape[0];
  const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  // (not tf.fused.matMul: tfjs-backend-wasm 4.22's fused kernel adds the bias wrongly when transposeB is set)
  const xw = tf.matMul(x2, w as tf.Tensor2D, false, true);
  const y = b === undefined ? xw : tf.add(xw, b);
  return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/** adaLN chunks `c @ W^T + b` (B, k*d) as k tensors (B, 1, d), in the reference's chunk order. */
function adaLN(params: Params, prefix: string, cond: tf.Tensor2D, k: number): tf.Tensor3D[] {
  const out = torchLinear(cond, p(params, `${prefix}.weight`), p(params, `${prefix}.bias`)); // (B, k*d)
  return tf.split(tf.reshape(out, [cond.shape[0], 1, -1]), k, 2) as tf.Tensor3D[];
}

/** The conditioning vector c = silu(sigma_map(sigma)) (B, condDim) of noise levels sigma (B,). */
export function mdlmConditioning(params: Params, sigma: tf.Tensor1D): tf.Tensor2D {
  const emb = timestepEmbedding(sigma, MDLM_FREQ_DIM); // (B, 256): cos then sin
  const h = silu(torchLinear(emb, p(params, "sigma_map.mlp.0.weight"), p(params, "sigma_map.mlp.0.bias")));
  return silu(torchLinear(h, p(params, "sigma_map.mlp.2.weight"), p(params, "sigma_map.mlp.2.bias"))) as tf.Tensor2D;
}

/**
 * The reference DiT's forward pass (the backbone's raw logits, before SUBS): tokens (B, T) int32 ids in
 * [0, vocabSize), sigma (B,) noise levels. `keyMask` (B, T) 1 real / 0 padding keeps padded keys out of attention
 * (the reference never pads, so null reproduces it exactly). Returns logits (B, T, vocabSize).
 */
export function mdlmDitForward(params: Params, c: MdlmDitConfig, tokens: tf.Tensor2D, sigma: tf.Tensor1D, keyMask: tf.Tensor2D | null = null): tf.Tensor3D {
  if (tokens.rank !== 2) throw new Error(`tokens must be a 2-D int32 tensor (B, T), got shape [${tokens.shape}]`);
  const [B, T] = tokens.shape;
  if (T > c.seqLen) throw new Error(`tokens length ${T} exceeds the model's seqLen ${c.seqLen}`);
  if (sigma.rank !== 1 || sigma.shape[0] !== B) throw new Error(`sigma must have shape [${B}], got [${sigma.shape}]`);
  const d = c.hidden;
  let x = tf.gather(p(params, "vocab_embed.embedding"), tf.cast(tokens, "int32")) as tf.Tensor3D; // (B, T, d)
  const cond = mdlmConditioning(params, sigma);
  const rope = mdlmRotaryTables(T, d / c.heads);
  for (let i = 0; i < c.blocks; i++) {
    const b = `blocks.${i}`;
    const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = adaLN(params, `${b}.adaLN_modulation`, cond, 6);
    const h = modulate(layerNorm(x, p(params, `${b}.norm1.weight`) as tf.Tensor1D), shiftMsa, scaleMsa);
    const qkv = torchLinear(h, p(params, `${b}.attn_qkv.weight`)) as tf.Tensor3D; // (B, T, 3d): q | k | v, heads contiguous
    const merged = fusedAttention(qkv, c.heads, { rope, keyMask, causal: false }); // (B, T, d)
    x = tf.add(x, tf.mul(gateMsa, torchLinear(merged, p(params, `${b}.attn_out.weight`)))) as tf.Tensor3D;
    const h2 = modulate(layerNorm(x, p(params, `${b}.norm2.weight`) as tf.Tensor1D), shiftMlp, scaleMlp);
    const up = geluTanh(torchLinear(h2, p(params, `${b}.mlp.0.weight`), p(params, `${b}.mlp.0.bias`)));
    x = tf.add(x, tf.mul(gateMlp, torchLinear(up, p(params, `${b}.mlp.2.weight`), p(params, `${b}.mlp.2.bias`)))) as tf.Tensor3D;
  }
  const [shift, scale] = adaLN(params, "output_layer.adaLN_modulation", cond, 2);
  const hf = modulate(layerNorm(x, p(params, "output_layer.norm_final.weight") as tf.Tensor1D), shift, scale);
  return torchLinear(hf, p(params, "output_layer.linear.weight"), p(params, "output_layer.linear.bias")) as tf.Tensor3D;
}

/**
 * MDLM's SUBS parameterisation of raw logits: the MASK logit gets -1e6 added, a log-softmax over the vocabulary, and
 * every unmasked position becomes a copy of its token (log-prob 0 there, -1e6 elsewhere). Returns (B, T, V) log-probs.
 */
export function mdlmSubs(logits: tf.Tensor3D, tokens: tf.Tensor2D, maskId: number): tf.Tensor3D {
  return tf.tidy(() => {
    const V = logits.shape[2];
    const negInf = -1000000.0;
    // one-hots are built int32 and cast: tfjs-backend-wasm 4.22's OneHot writes an int bit pattern for a float32 dtype
    const hot = (ids: tf.Tensor) => tf.cast(tf.oneHot(ids as tf.Tensor1D, V), "float32");
    const maskCol = tf.mul(hot(tf.tensor1d([maskId], "int32")), negInf); // (1, V)
    const shifted = tf.add(logits, tf.reshape(maskCol, [1, 1, V]));
    const logp = tf.sub(shifted, tf.logSumExp(shifted, -1, true));
    const ids = tf.cast(tokens, "int32");
    const unmasked = tf.broadcastTo(tf.expandDims(tf.notEqual(ids, maskId), 2), logits.shape); // (B, T, V)
    const copy = tf.add(tf.mul(hot(ids), -negInf), negInf); // 0 at the token, -1e6 elsewhere
    return tf.where(unmasked, copy, logp) as tf.Tensor3D;
  });
}

/** sigma(t) = -log(1 - (1 - eps) t) of MDLM's log-linear noise (what a time-conditioned reference DiT is fed). */
export function mdlmSigma(t: tf.Tensor1D, eps = MDLM_NOISE_EPS): tf.Tensor1D {
  return tf.neg(tf.log1p(tf.mul(-(1 - eps), t))) as tf.Tensor1D;
}

/** The time embedding's input at diffusion times t (B,): zeros, sigma(t) or t (see MdlmDitConfig.conditioning). */
export function mdlmSigmaOfTime(c: MdlmDitConfig, t: tf.Tensor1D): tf.Tensor1D {
  if (c.conditioning === "sigma") return mdlmSigma(t);
  return c.conditioning === "t" ? t : (tf.zerosLike(t) as tf.Tensor1D);
}

/**
 * The reference DiT as a sampler's Denoiser (src/samplers `Denoiser`: tokens and times t in, logits over the
 * vocabulary out; MASK is the last column, which samplers and scorers never use, so the raw logits equal SUBS).
 */
export function mdlmDitDenoiser(params: Params, c: MdlmDitConfig): (tokens: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor3D {
  return (tokens, t) => tf.tidy(() => mdlmDitForward(params, c, tokens, mdlmSigmaOfTime(c, t)));
}

/** The reference DiT as validationPpl's EvalModel (padded keys are not attended). */
export function mdlmDitEvalModel(params: Params, c: MdlmDitConfig): (z: tf.Tensor2D, t: tf.Tensor1D, pad: tf.Tensor2D) => tf.Tensor3D {
  return (z, t, pad) => tf.tidy(() => mdlmDitForward(params, c, z, mdlmSigmaOfTime(c, t), pad));
}

/** hdlm-lab's ModelConfig (src/models/config.ts) of the same network, for an mdlm objective over vocabSize - 1 tokens. */
export function mdlmToModelConfig(c: MdlmDitConfig): ModelConfig {
  return { inputSize: c.vocabSize, outputSize: c.vocabSize, hidden: c.hidden, layers: c.blocks, heads: c.heads, condDim: c.condDim, seqLen: c.seqLen, mlpRatio: c.mlpRatio, auxClusters: 0 };
}

/** Host values of a named parameter set: name -> {shape, data}. */
export type HostTensors = Map<string, { shape: number[]; data: Float32Array }>;

function transpose2d(t: { shape: number[]; data: Float32Array }): { shape: number[]; data: Float32Array } {
  const [r, cols] = t.shape;
  const out = new Float32Array(r * cols);
  for (let i = 0; i < r; i++) for (let j = 0; j < cols; j++) out[j * r + i] = t.data[i * cols + j];
  return { shape: [cols, r], data: out };
}

/**
 * The first-layer bias that makes hdlm-lab's t-conditioned DiT ignore t and equal the reference at sigma = 0:
 * with time.w1 = 0, time.b1 = W1 . emb(0) + b1, where emb(0) = [cos 0 = 1 (x128), sin 0 = 0 (x128)].
 */
export function foldSigmaZero(w1: { shape: number[]; data: Float32Array }, b1: { data: Float32Array }): Float32Array {
  const [k, f] = w1.shape;
  const out = new Float32Array(k);
  for (let i = 0; i < k; i++) {
    let s = b1.data[i];
    for (let j = 0; j < f / 2; j++) s += w1.data[i * f + j];
    out[i] = s;
  }
  return out;
}

/**
 * Reference weights -> hdlm-lab's DiT layout (params.ts names, [in, out] weights). hdlm-lab's DiT feeds t to its time
 * embedding. Conditioning "t": copied as is. "none" (sigma = 0 always): the first time layer is folded (time.w1 = 0,
 * time.b1 = foldSigmaZero), so the converted DiT gives the reference's logits at every t. "sigma" is refused: sigma(t)
 * is not an affine function of t, so hdlm-lab's DiT cannot express it (use mdlmDitForward).
 */
export function toHdlmDitParams(ref: HostTensors, c: MdlmDitConfig): HostTensors {
  if (c.conditioning === "sigma") {
    throw new Error("a time-conditioned reference DiT (time_conditioning=True) is fed sigma(t), which hdlm-lab's DiT (fed t) cannot express; run it through mdlmDitForward instead");
  }
  const g = (n: string) => {
    const t = ref.get(n);
    if (t === undefined) throw new Error(`reference parameter ${n} is missing`);
    return t;
  };
  const out: HostTensors = new Map();
  out.set("embed", g("vocab_embed.embedding"));
  const w1 = g("sigma_map.mlp.0.weight");
  if (c.conditioning === "t") {
    out.set("time.w1", transpose2d(w1));
    out.set("time.b1", g("sigma_map.mlp.0.bias"));
  } else {
    out.set("time.w1", { shape: [MDLM_FREQ_DIM, c.condDim], data: new Float32Array(MDLM_FREQ_DIM * c.condDim) });
    out.set("time.b1", { shape: [c.condDim], data: foldSigmaZero(w1, g("sigma_map.mlp.0.bias")) });
  }
  out.set("time.w2", transpose2d(g("sigma_map.mlp.2.weight")));
  out.set("time.b2", g("sigma_map.mlp.2.bias"));
  for (let i = 0; i < c.blocks; i++) {
    const b = `blocks.${i}`;
    out.set(`${b}.ln1`, g(`${b}.norm1.weight`));
    out.set(`${b}.ada.w`, transpose2d(g(`${b}.adaLN_modulation.weight`)));
    out.set(`${b}.ada.b`, g(`${b}.adaLN_modulation.bias`));
    out.set(`${b}.qkv`, transpose2d(g(`${b}.attn_qkv.weight`)));
    out.set(`${b}.proj`, transpose2d(g(`${b}.attn_out.weight`)));
    out.set(`${b}.ln2`, g(`${b}.norm2.weight`));
    out.set(`${b}.mlp.w1`, transpose2d(g(`${b}.mlp.0.weight`)));
    out.set(`${b}.mlp.b1`, g(`${b}.mlp.0.bias`));
    out.set(`${b}.mlp.w2`, transpose2d(g(`${b}.mlp.2.weight`)));
    out.set(`${b}.mlp.b2`, g(`${b}.mlp.2.bias`));
  }
  out.set("final.ln", g("output_layer.norm_final.weight"));
  out.set("final.ada.w", transpose2d(g("output_layer.adaLN_modulation.weight")));
  out.set("final.ada.b", g("output_layer.adaLN_modulation.bias"));
  out.set("head.w", transpose2d(g("output_layer.linear.weight")));
  out.set("head.b", g("output_layer.linear.bias"));
  return out;
}

/**
 * hdlm-lab DiT layout -> reference weights (names and [out, in] shapes of mdlm's DIT, in parameters() order). The time
 * embedding is copied as is: hdlm-lab's DiT reads t where the reference reads sigma, so the reference reproduces it
 * exactly when fed sigma := t (or, for a folded import with time.w1 = 0, at any sigma).
 */
export function fromHdlmDitParams(hd: HostTensors, c: MdlmDitConfig): HostTensors {
  const g = (n: string) => {
    const t = hd.get(n);
    if (t === undefined) throw new Error(`hdlm-lab DiT parameter ${n} is missing`);
    return t;
  };
  const map: Record<string, () => { shape: number[]; data: Float32Array }> = {
    "vocab_embed.embedding": () => g("embed"),
    "sigma_map.mlp.0.weight": () => transpose2d(g("time.w1")),
    "sigma_map.mlp.0.bias": () => g("time.b1"),
    "sigma_map.mlp.2.weight": () => transpose2d(g("time.w2")),
    "sigma_map.mlp.2.bias": () => g("time.b2"),
    "output_layer.norm_final.weight": () => g("final.ln"),
    "output_layer.linear.weight": () => transpose2d(g("head.w")),
    "output_layer.linear.bias": () => g("head.b"),
    "output_layer.adaLN_modulation.weight": () => transpose2d(g("final.ada.w")),
    "output_layer.adaLN_modulation.bias": () => g("final.ada.b"),
  };
  const blockMap: Record<string, [string, boolean]> = {
    "norm1.weight": ["ln1", false],
    "attn_qkv.weight": ["qkv", true],
    "attn_out.weight": ["proj", true],
    "norm2.weight": ["ln2", false],
    "mlp.0.weight": ["mlp.w1", true],
    "mlp.0.bias": ["mlp.b1", false],
    "mlp.2.weight": ["mlp.w2", true],
    "mlp.2.bias": ["mlp.b2", false],
    "adaLN_modulation.weight": ["ada.w", true],
    "adaLN_modulation.bias": ["ada.b", false],
  };
  const out: HostTensors = new Map();
  for (const { name, shape } of mdlmDitLayout(c)) {
    let t: { shape: number[]; data: Float32Array };
    const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
    if (m !== null) {
      const [src, tr] = blockMap[m[2]];
      const v = g(`blocks.${m[1]}.${src}`);
      t = tr ? transpose2d(v) : v;
    } else t = map[name]();
    if (t.shape.join(",") !== shape.join(",")) throw new Error(`hdlm-lab DiT -> ${name}: shape [${t.shape.join(", ")}] does not match the reference's [${shape.join(", ")}]`);
    out.set(name, t);
  }
  return out;
}

/** A run checkpoint's contents as load-run reads them (src/train/checkpoint `CheckpointData`, structurally). */
export interface RunCheckpointContents {
  meta: Record<string, unknown>;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

/** The conditioning of a reference-layout run checkpoint (meta.arch "mdlm-dit", meta.layout "reference"), else null. */
export function referenceLayout(ck: RunCheckpointContents, file: string): MdlmConditioning | null {
  if (ck.meta.arch !== "mdlm-dit" || ck.meta.layout !== "reference") return null;
  const cond = ck.meta.conditioning;
  if (cond !== "none" && cond !== "sigma" && cond !== "t") throw new Error(`checkpoint ${file}: meta.conditioning must be none, sigma or t, got ${JSON.stringify(cond)}`);
  return cond;
}

/** mdlm's DiT loaded from a reference-layout run checkpoint: parameters (reference names), Denoiser and EvalModel. */
export interface ReferenceRunModel {
  params: Params;
  config: MdlmDitConfig;
  denoiser: (tokens: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor3D;
  evalModel: (z: tf.Tensor2D, t: tf.Tensor1D, pad: tf.Tensor2D) => tf.Tensor3D;
}

/**
 * mdlm's DiT of a run checkpoint written in the reference layout (meta.layout "reference", e.g. `hdlm import
 * --layout reference` of a time-conditioned checkpoint), as load-run needs it: the parameters and the Denoiser and
 * EvalModel (mdlmDitForward fed sigma(t), 0 or t as the checkpoint's conditioning says). `sizes` are the run's
 * (vocabSize = V + 1 ids, MASK last); `objective` its objective kind. Null for any other checkpoint, so load-run keeps
 * its own DiT for those. Throws one line naming the file and the first missing or mis-shaped parameter.
 */
export function referenceRunModel(ck: RunCheckpointContents, sizes: Omit<MdlmDitConfig, "conditioning">, objective: string, file: string): ReferenceRunModel | null {
  const cond = referenceLayout(ck, file);
  if (cond === null) return null;
  if (objective !== "mdlm" && objective !== "gidd") throw new Error(`checkpoint ${file} holds mdlm's DiT but the run's objective is ${objective} (it serves mdlm and gidd)`);
  const c = checkMdlmDitConfig({ ...sizes, conditioning: cond });
  const params: Params = {};
  try {
    for (const { name, shape } of mdlmDitLayout(c)) {
      const t = ck.tensors[`param/${name}`];
      if (t === undefined || t.shape.join(",") !== shape.join(",")) throw new Error(`checkpoint ${file} lacks param/${name} with shape [${shape.join(", ")}]`);
      params[name] = tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape, "float32"), false));
    }
  } catch (e) {
    for (const v of Object.values(params)) v.dispose();
    throw e;
  }
  return { params, config: c, denoiser: mdlmDitDenoiser(params, c), evalModel: mdlmDitEvalModel(params, c) };
}
