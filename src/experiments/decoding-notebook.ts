// What notebook 05 (decoding) calls: an R2FT fine-tune of a trained in-memory model, the AR scorer of a trained AR
// trainer, the states of one decoding run step by step, the gate s_i over them, and states shown as text.
import { Trainer } from "../train/trainer";
import { resolveConfig } from "../train/config";
import type { TokenData } from "../train/text-data";
import { arForward } from "../models/transformer";
import { ditDenoiser } from "../methods/denoiser";
import { arScorer, type SequenceScorer } from "../eval/gen-ppl";
import type { Sampler, Denoiser } from "../samplers/sampler";
import { prefixPrompt } from "../samplers/prompt";
import type { DecodingConfig } from "../decoding/decoding-config";
import { boxFilterGateValues } from "../decoding/box-filter";
import { decodedMask } from "../decoding/gate";
import type { R2ftConfig } from "../r2ft/r2ft-config";

/**
 * R2FT (decoding.md §3) from a trained in-memory model: a fresh trainer of objective r2ft over `base`'s objective and
 * model, its parameters copied from `base` (what `--init` does from a run folder), then `steps` updates at `lr`
 * (warmup 10%, constant after, weight decay 0.1). `onStep` sees each update's loss.
 */
export function fineTuneR2ft(base: Trainer, data: TokenData, options: { steps: number; batchSize: number; lr: number; r2ft?: Partial<R2ftConfig> }, onStep?: (step: number, loss: number) => void): Trainer {
  const c = base.config;
  const cfg = resolveConfig({
    ...c,
    runDir: `${c.runDir}-r2ft`,
    steps: options.steps,
    batchSize: options.batchSize,
    microBatch: 0,
    objective: { kind: "r2ft", base: c.objective, ...options.r2ft },
    optim: { ...c.optim, lr: options.lr, warmupSteps: Math.max(1, Math.round(options.steps / 10)), weightDecay: 0.1, minLrRatio: 1 },
    init: `${c.runDir} (in memory)`,
  });
  const t = new Trainer(cfg, data);
  for (const [n, v] of Object.entries(base.params)) t.params[n].assign(v);
  for (let i = 0; i < options.steps; i++) {
    const loss = t.trainStep().loss;
    onStep?.(i + 1, loss);
  }
  return t;
}

/** The gen-PPL scorer of a trained AR trainer (its causal logits), named `name`. */
export function trainerArScorer(ar: Trainer, name: string): SequenceScorer {
  return arScorer((x, mask) => arForward(ar.params, ar.model, x, mask), { name, vocabSize: ar.data.vocabSize, seqLen: ar.model.seqLen });
}

/** A trained diffusion trainer as a sampler's Denoiser. */
export function trainerDenoiser(t: Trainer): Denoiser {
  const f = ditDenoiser(t.params, t.model);
  return (tokens, times) => f(tokens, times);
}

/** Every state (step 0 = prompt + MASK, ..., the final output) of one prefix continuation decoded with `decoding`. */
export function decodingTrace(sampler: Sampler, denoiser: Denoiser, prompt: ArrayLike<number>, length: number, decoding: DecodingConfig, seed = 0): Int32Array[] {
  const states: Int32Array[] = [];
  sampler.sample(denoiser, { batch: 1, length, seed, prompt: prefixPrompt([prompt], length), decoding, onStep: (_j, _t, tokens) => states.push(tokens.data) });
  return states;
}

/** The gate s_i = tanh(κ·u_i) of each state (decoding.md §1 steps 2-3; MASK = V, clusters count as decoded). */
export function gateOverStates(states: readonly Int32Array[], vocabSize: number, kernelSize: number): number[][] {
  return states.map((z) => Array.from(boxFilterGateValues(decodedMask(z, vocabSize), { kernelSize })));
}

/** A state as text: real tokens decoded, MASK as `_`, HDLM cluster k as `[k]`. */
export function stateText(z: ArrayLike<number>, vocabSize: number, decode: (ids: number[]) => string): string {
  let out = "";
  let run: number[] = [];
  const flush = () => {
    if (run.length > 0) out += decode(run);
    run = [];
  };
  for (let i = 0; i < z.length; i++) {
    if (z[i] < vocabSize) run.push(z[i]);
    else {
      flush();
      out += z[i] === vocabSize ? " _" : ` [${z[i] - vocabSize - 1}]`;
    }
  }
  flush();
  return out;
}
