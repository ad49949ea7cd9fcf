// The DiT (bidirectional, adaLN time conditioning; hdlm.md §8.1) and the causal AR transformer, sharing one block.
// Read top to bottom in data-flow order: embed -> time conditioning -> blocks -> final adaLN -> head.
import { tf } from "../engine/tf";
import { ModelConfig } from "./config";
import { Params, param } from "./params";
import { layerNorm, modulate, gatedResidual, silu, dense, timestepEmbedding, rotaryTables, attention, AttentionMask } from "./layers";
import { geluTanh } from "../engine/native/fused";

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;

/** adaLN shift/scale/gate for one block, each (B, 1, d); null in the causal model (no conditioning). */
interface Modulation {
  shiftMsa: tf.Tensor3D;
  scaleMsa: tf.Tensor3D;
  gateMsa: tf.Tensor3D;
  shiftMlp: tf.Tensor3D;
  scaleMlp: tf.Tensor3D;
  gateMlp: tf.Tensor3D;
}

/**
 * One transformer block. DiT: `x + gate_msa * Attn(mod(LN(x)))`, then `x + gate_mlp * MLP(mod(LN(x)))`
 * (MDLM `DDiTBlock`). With `mod = null` it is the plain pre-LN block of a causal LM (no shift/scale, gate 1).
 */
export function block(
  params: Params,
  i: number,
  x: tf.Tensor3D,
  mod: Modulation | null,
  c: ModelConfig,
  rope: { cos: T2; sin: T2 },
  mask: AttentionMask,
): tf.Tensor3D {
  const p = (n: string) => param(params, `blocks.${i}.${n}`);
  let h = layerNorm(x, p("ln1") as T1); // (B, T, d)
  if (mod !== null) h = modulate(h, mod.shiftMsa, mod.scaleMsa);
  const a = attention(h, p("qkv") as T2, p("proj") as T2, c.heads, rope, mask); // (B, T, d)
  x = mod !== null ? gatedResidual(x, a, mod.gateMsa) : (tf.add(x, a) as tf.Tensor3D); // gated residual

  h = layerNorm(x, p("ln2") as T1);
  if (mod !== null) h = modulate(h, mod.shiftMlp, mod.scaleMlp);
  const up = geluTanh(dense(h, p("mlp.w1") as T2, p("mlp.b1") as T1)); // (B, T, 4d)
  const m = dense(up, p("mlp.w2") as T2, p("mlp.b2") as T1) as tf.Tensor3D; // (B, T, d)
  return mod !== null ? gatedResidual(x, m, mod.gateMlp) : (tf.add(x, m) as tf.Tensor3D);
}

/** Splits an adaLN projection `c @ W + b` (B, k*d) into k tensors of shape (B, 1, d). */
function adaLN(params: Params, prefix: string, cond: T2, k: number): tf.Tensor3D[] {
  const B = cond.shape[0];
  const out = dense(cond, param(params, `${prefix}.w`) as T2, param(params, `${prefix}.b`) as T1); // (B, k*d)
  return tf.split(tf.reshape(out, [B, 1, -1]), k, 2) as tf.Tensor3D[]; // k x (B, 1, d)
}

function checkTokens(tokens: T2, c: ModelConfig): void {
  if (tokens.rank !== 2) throw new Error(`tokens must be a 2-D int32 tensor (B, T), got shape [${tokens.shape}]`);
  if (tokens.shape[1] > c.seqLen) throw new Error(`tokens length ${tokens.shape[1]} exceeds model.seqLen ${c.seqLen}`);
}

/** Outputs of the DiT: logits over `outputSize` columns, and the auxiliary cluster logits when that head exists. */
export interface DiTOutput {
  logits: tf.Tensor3D;
  auxLogits: tf.Tensor3D | null;
}

/**
 * DiT forward pass (hdlm.md §8.1). tokens (B, T) int32 noisy ids in [0, inputSize); t (B,) times in [0, 1];
 * mask (B, T) 1 for real positions, 0 for padding (padded keys are not attended), or null.
 * Returns logits (B, T, outputSize). With the zero-initialised heads a fresh model outputs all zeros.
 */
export function ditForward(params: Params, c: ModelConfig, tokens: T2, t: T1, mask: T2 | null = null): DiTOutput {
  checkTokens(tokens, c);
  return ditForwardInputs(params, c, tf.gather(param(params, "embed"), tf.cast(tokens, "int32")) as tf.Tensor3D, t, mask);
}

/**
 * The DiT on input vectors x (B, T, d) instead of ids: everything of {@link ditForward} after the embedding lookup
 * (continuous-input methods feed noisy embeddings here: Diffusion-LM, the hybrid's continuous segment).
 */
export function ditForwardInputs(params: Params, c: ModelConfig, input: tf.Tensor3D, t: T1, mask: T2 | null = null): DiTOutput {
  if (input.rank !== 3 || input.shape[2] !== c.hidden) throw new Error(`DiT inputs must be (B, T, ${c.hidden}), got shape [${input.shape}]`);
  if (input.shape[1] > c.seqLen) throw new Error(`inputs length ${input.shape[1]} exceeds model.seqLen ${c.seqLen}`);
  const [B, T] = input.shape;
  let x = input; // (B, T, d)

  // Time conditioning: sinusoidal(256) -> Linear -> SiLU -> Linear(condDim) -> SiLU.
  const temb = timestepEmbedding(t, 256); // (B, 256)
  const h1 = silu(dense(temb, param(params, "time.w1") as T2, param(params, "time.b1") as T1)); // (B, condDim)
  const cond = silu(dense(h1, param(params, "time.w2") as T2, param(params, "time.b2") as T1)) as T2; // (B, condDim)

  const rope = rotaryTables(T, c.hidden / c.heads);
  const attMask: AttentionMask = { keyMask: mask, causal: false }; // padded keys are never attended
  for (let i = 0; i < c.layers; i++) {
    const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = adaLN(params, `blocks.${i}.ada`, cond, 6);
    x = block(params, i, x, { shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp }, c, rope, attMask);
  }

  // Final layer: LN -> adaLN shift/scale -> Linear (zero-initialised, untied from the embedding).
  const [shift, scale] = adaLN(params, "final.ada", cond, 2);
  const hf = modulate(layerNorm(x, param(params, "final.ln") as T1), shift, scale); // (B, T, d)
  const logits = dense(hf, param(params, "head.w") as T2, param(params, "head.b") as T1) as tf.Tensor3D; // (B, T, out)

  let auxLogits: tf.Tensor3D | null = null;
  if (c.auxClusters > 0) {
    const [sa, sc] = adaLN(params, "aux.ada", cond, 2);
    const ha = modulate(layerNorm(x, param(params, "aux.ln") as T1), sa, sc);
    auxLogits = dense(ha, param(params, "aux.w") as T2, param(params, "aux.b") as T1) as tf.Tensor3D; // (B, T, n)
  }
  return { logits, auxLogits };
}

/**
 * Causal transformer forward pass (the AR baseline and the generative-PPL scorer, hdlm.md §7.2): the same blocks
 * without time conditioning, causal attention (position q sees keys <= q) plus the padding mask.
 * tokens (B, T) -> logits (B, T, outputSize), where position q predicts token q + 1.
 */
export function arForward(params: Params, c: ModelConfig, tokens: T2, mask: T2 | null = null): tf.Tensor3D {
  checkTokens(tokens, c);
  const [B, T] = tokens.shape;
  let x = tf.gather(param(params, "embed"), tf.cast(tokens, "int32")) as tf.Tensor3D; // (B, T, d)
  const rope = rotaryTables(T, c.hidden / c.heads);
  const attMask: AttentionMask = { keyMask: mask, causal: true }; // causal plus the padding mask
  for (let i = 0; i < c.layers; i++) x = block(params, i, x, null, c, rope, attMask);
  const hf = layerNorm(x, param(params, "final.ln") as T1); // (B, T, d)
  return dense(hf, param(params, "head.w") as T2, param(params, "head.b") as T1) as tf.Tensor3D; // (B, T, out)
}
