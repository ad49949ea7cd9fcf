// R2FT as a training objective (decoding.md §3): a short fine-tune of a trained MDLM or HDLM run that lowers the
// likelihood of rule-built repetitive continuations. The base method gives the model layout, scorer and sampler;
// the training loss is the reference-free R2FT loss on one forward pass over the suffix-masked x_t.
import { tf } from "../engine/tf";
import type { Params } from "../models/params";
import type { ModelConfig } from "../models/config";
import type { SeededRng } from "../util/rng";
import { GPT2_EOT } from "../data/gpt2";
import { buildR2ftBatch, R2ftBatch, R2ftExample } from "../r2ft/negatives";
import { r2ftObjective } from "../r2ft/loss";
import { parseR2ftConfig, R2FT_CONFIG_FIELDS, R2ftConfig } from "../r2ft/r2ft-config";
import { fail } from "../util/validate";
import { ditDenoiser } from "./denoiser";
import type { MdlmObjective } from "./mdlm";
import type { HdlmObjective } from "./hdlm";
import type { Method, MethodContext } from "./types";

/** The R2FT objective: the base objective of the run it starts from, and the R2FT settings (decoding.md §3). */
export interface R2ftObjective extends R2ftConfig {
  kind: "r2ft";
  /** The objective of the init run (`--init runs/<dir>`): MDLM or HDLM, with HDLM's settings. */
  base: MdlmObjective | HdlmObjective;
}

/** The R2FT objective's fields. */
export const R2FT_FIELDS = ["kind", "base", ...R2FT_CONFIG_FIELDS] as const;

/**
 * Validates `{"kind": "r2ft", "base": {...}, "betaA": 0.1, ...}` at `path`; `parseBase` is the registry's objective
 * parser (the base must be mdlm or hdlm). One error line naming the field.
 */
export function parseR2ftObjective(o: Record<string, unknown>, path: string, parseBase: (v: unknown, path: string) => { kind: string }): R2ftObjective {
  if (o.base === undefined) fail(`${path}.base`, `is required: the objective of the init run, {"kind": "mdlm"} or {"kind": "hdlm", ...}`);
  const base = parseBase(o.base, `${path}.base`);
  if (base.kind !== "mdlm" && base.kind !== "hdlm") fail(`${path}.base.kind`, `must be "mdlm" or "hdlm" (R2FT fine-tunes a masked diffusion run), got ${JSON.stringify(base.kind)}`);
  const rest: Record<string, unknown> = {};
  for (const k of R2FT_CONFIG_FIELDS) if (o[k] !== undefined) rest[k] = o[k];
  return { kind: "r2ft", base: base as MdlmObjective | HdlmObjective, ...parseR2ftConfig(rest, path) };
}

/** The EOS id of a vocabulary of V ids: GPT-2's 50256 for raw GPT-2 ids, else the compact vocabulary's 0. */
export function r2ftEosId(V: number): number {
  return V === GPT2_EOT + 1 ? GPT2_EOT : 0;
}

/**
 * One R2FT batch from clean rows [B*L] with their padding mask (decoding.md §3 "Data"): row b's prompt is its first
 * P ~ U{promptMin … promptMax} tokens (capped so >= 1 response token remains), the response runs to the row's last
 * real token, and the negative follows the rules with the step's generator. Rows need >= 2 real tokens.
 */
export function r2ftBatchFromRows(tokens: ArrayLike<number>, mask: ArrayLike<number>, B: number, L: number, cfg: R2ftConfig, V: number, rng: SeededRng): R2ftBatch {
  const examples: R2ftExample[] = [];
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let l = 0; l < L; l++) if (mask[b * L + l] > 0) n = l + 1;
    if (n < 2) throw new RangeError(`R2FT needs rows with at least 2 real tokens (a prompt and a response), row ${b} has ${n}`);
    const P = Math.min(cfg.promptMin + rng.int(cfg.promptMax - cfg.promptMin + 1), n - 1);
    examples.push({ x0: Array.from(tokens).slice(b * L, (b + 1) * L), responseStart: P, responseEnd: n });
  }
  const { maxPhrase, repeatMin, repeatMax, eosP } = cfg;
  return buildR2ftBatch(examples, { maskId: V, eosId: r2ftEosId(V), maxPhrase, repeatMin, repeatMax, eosP }, rng);
}

/**
 * The R2FT loss of a built batch under `params` (one forward pass on x_t; t = each row's masked fraction, since the
 * reference draws t but does not use it for the deterministic suffix mask): log p over the V real tokens, lw over the
 * chosen positions, ll over the rejected span; the loss is the batch mean of the per-sequence losses.
 */
export function r2ftBatchLoss(params: Params, model: ModelConfig, batch: R2ftBatch, V: number, cfg: R2ftConfig, padMask: tf.Tensor2D | null = null): { loss: tf.Scalar; lw: tf.Tensor1D; ll: tf.Tensor1D } {
  const { batch: B, length: L } = batch;
  const times = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let m = 0;
    for (let l = 0; l < L; l++) if (batch.xt[b * L + l] === V) m++;
    times[b] = Math.max(m / L, 1e-3);
  }
  return tf.tidy(() => {
    const xt = tf.tensor2d(batch.xt, [B, L], "int32");
    const logits = ditDenoiser(params, model)(xt, tf.tensor1d(times), padMask);
    const logProbs = tf.logSoftmax(tf.slice(logits, [0, 0, 0], [B, L, V])) as tf.Tensor3D;
    const targets = {
      x0: tf.tensor2d(batch.x0, [B, L], "int32"),
      rejected: tf.tensor2d(Int32Array.from(batch.rejected, (id) => (id === V ? 0 : id)), [B, L], "int32"), // MASK only off the span
      chosenMask: tf.tensor2d(batch.chosenMask, [B, L]),
      rejectedMask: tf.tensor2d(batch.rejectedMask, [B, L]),
    };
    const r = r2ftObjective(logProbs, targets, cfg);
    return { loss: tf.div(r.loss, B) as tf.Scalar, lw: r.lw, ll: r.ll };
  });
}

/**
 * The R2FT method over V tokens: the base method (MDLM or HDLM, built by `makeBase`) with its training loss
 * replaced by R2FT's; the validation loss, ELBO scorer, sampler and parameter layout stay the base's, so an R2FT run
 * loads, samples and evaluates like its base. Training starts from an init run (`--init`, src/train/init.ts).
 */
export function r2ftMethod(o: R2ftObjective, ctx: MethodContext, makeBase: (o: MdlmObjective | HdlmObjective, ctx: MethodContext) => Method): Method {
  const base = makeBase(o.base, ctx);
  const V = ctx.vocabSize;
  return {
    ...base,
    kind: "r2ft",
    loss(params, model, b, rng, training) {
      if (!training) return base.loss(params, model, b, rng, false);
      const [B, L] = b.tokens.shape;
      const batch = r2ftBatchFromRows(b.tokens.dataSync(), b.mask.dataSync(), B, L, o, V, rng);
      const r = r2ftBatchLoss(params, model, batch, V, o, b.mask);
      tf.dispose([r.lw, r.ll]);
      return r.loss;
    },
  };
}
