// `hdlm eval --run <dir> [--ref <ar run>] [--wikitext valid|test] [--tdraws k] ...`: the validation PPL bound, the
// WikiText-2 PPL bound, generative PPL under a named AR reference and the samples' unigram entropy (hdlm.md §7).
import { tf } from "../engine/tf";
import { loadRun, sampleRun, LoadedRun, RunVocab } from "../train/load-run";
import { causalCrossEntropy } from "../losses/causal";
import { boundPpl } from "../eval/valid-ppl";
import { hybridBoundParts } from "../methods/hybrid";
import { CHAIN_BOUND_PARTS } from "../hybrid/bound";
import type { TokenBatch } from "../data/sequences";
import { arScorer, generativePpl } from "../eval/gen-ppl";
import { unigramEntropy } from "../eval/entropy";
import * as fs from "fs";
import { openCorpus, openWikiText } from "../data/corpus";
import { CliIo, UsageError, intFlag, parseFlags } from "./args";

export const EVAL_USAGE = `usage: hdlm eval --run <dir> [--ref <ar-run-dir>] [--wikitext valid|test] [--data <file|folder>] [--estimator e] [--k K] [--tdraws k] [--n K] [--steps N] [--seed s] [--max-batches b]

  --run <dir>          the run to evaluate (ar, mdlm, hdlm, gidd, sedd, diffusion-lm or hybrid; a hybrid run also
                       prints its bound part by part and the rounding accuracy at b)
  --ref <dir>          an ar run trained on the same corpus: the gen PPL scorer (without it gen_ppl is n/a)
  --wikitext valid|test  also the PPL bound on WikiText-2 (data/wikitext-2), articles packed into seqLen rows
  --data <file|folder> also the PPL bound on your own text, in any format the readers take (JSON Lines, .txt
                       files or folders, parquet, the OpenWebText tar layout; .gz/.xz), every token of every
                       document in seqLen windows, with the run's tokenizer and vocabulary
  --estimator e        stratified (default: K t strata per sequence), monte-carlo (the reference) or quadrature
  --k K                t strata (stratified) or midpoints (quadrature) (default 16)
  --tdraws k           monte-carlo: t draws per batch (default 1, the reference)
  --n K                samples for gen PPL and entropy (default 8)
  --steps N            sampler steps (default 128)
  --seed s             seed of t, z_t and sample draws (default 0)
  --max-batches b      score at most b batches per data set (default 0 = all)`;

/** Parsed `eval` arguments. */
export interface EvalArgs {
  run: string;
  ref: string | null;
  wikitext: "valid" | "test" | null;
  data: string | null;
  estimator: "stratified" | "monte-carlo" | "quadrature";
  k: number;
  tDraws: number;
  n: number;
  steps: number;
  seed: number;
  maxBatches: number;
}

/** Parses the arguments after `eval`; throws a usage error naming the bad argument. */
export function parseEvalArgs(args: string[]): EvalArgs {
  const f = parseFlags("eval", args, { run: "string", ref: "string", wikitext: "string", data: "string", estimator: "string", k: "int", tdraws: "int", n: "int", steps: "int", seed: "int", "max-batches": "int" });
  if (f.run === undefined) throw new UsageError("eval needs --run <dir>");
  if (f.wikitext !== undefined && f.wikitext !== "valid" && f.wikitext !== "test") throw new UsageError(`eval: --wikitext must be valid or test, got ${String(f.wikitext)}`);
  const estimator = (f.estimator as string | undefined) ?? "stratified";
  if (estimator !== "stratified" && estimator !== "monte-carlo" && estimator !== "quadrature") {
    throw new UsageError(`eval: --estimator must be stratified, monte-carlo or quadrature, got ${estimator}`);
  }
  return {
    run: f.run as string,
    ref: (f.ref as string | undefined) ?? null,
    wikitext: (f.wikitext as "valid" | "test" | undefined) ?? null,
    data: (f.data as string | undefined) ?? null,
    estimator,
    k: intFlag("eval", f, "k", 16),
    tDraws: intFlag("eval", f, "tdraws", 1),
    n: intFlag("eval", f, "n", 8),
    steps: intFlag("eval", f, "steps", 128),
    seed: intFlag("eval", f, "seed", 0, 0),
    maxBatches: intFlag("eval", f, "max-batches", 0, 0),
  };
}

/** At most `maxBatches` (0 = all) batches of a data batch generator, as eval batches. */
export function takeBatches(batches: Iterable<TokenBatch>, maxBatches = 0): TokenBatch[] {
  const out: TokenBatch[] = [];
  for (const b of batches) {
    if (maxBatches > 0 && out.length >= maxBatches) break;
    out.push(b);
  }
  return out;
}

/**
 * WikiText-2 `split` (detokenized articles, GPT-2 BPE, packed with EOS between articles: src/data `openWikiText`) in
 * the run's vocabulary, as batches of `batchSize` rows of `seqLen` tokens.
 */
export async function wikiTextBatches(split: "valid" | "test", vocab: RunVocab, seqLen: number, batchSize: number, maxBatches = 0): Promise<TokenBatch[]> {
  const corpus = await openWikiText({ split, seqLen, onProgress: null, ...(vocab.compactVocab !== null ? { vocab: vocab.compactVocab } : {}) });
  return takeBatches(corpus.validation(batchSize), maxBatches);
}

/**
 * Every document of `source` (a file or folder in any format the readers take) in the run's vocabulary, as
 * consecutive seqLen windows (every token once), with the share of tokens that are the unknown id.
 */
export async function dataBatches(source: string, vocab: RunVocab, seqLen: number, batchSize: number, maxBatches = 0): Promise<{ batches: TokenBatch[]; documents: number; unkFraction: number }> {
  if (!fs.existsSync(source)) throw new Error(`--data ${source}: no such file or folder`);
  const corpus = await openCorpus({
    paths: [source],
    seqLen,
    validationFraction: 1,
    onProgress: null,
    ...(vocab.compactVocab !== null ? { vocab: vocab.compactVocab } : {}),
  });
  const batches = takeBatches(corpus.windows("validation", batchSize), maxBatches);
  let n = 0, unk = 0;
  for (const b of batches) {
    for (let i = 0; i < b.tokens.length; i++) {
      if (b.mask[i] === 0) continue;
      n++;
      if (vocab.compactVocab !== null && b.tokens[i] === vocab.compactVocab.unk) unk++;
    }
  }
  if (n === 0) throw new Error(`--data ${source}: no text to score (no documents read)`);
  return { batches, documents: corpus.stats().validation.documents, unkFraction: unk / n };
}

/** PPL of `batches`: the objective's ELBO bound (diffusion) or the exact causal NLL (ar), with a description. */
function scoreBatches(run: LoadedRun, batches: TokenBatch[], args: EvalArgs): { ppl: number; describe: string } {
  if (run.modelKind === "ar") {
    let nll = 0, tokens = 0;
    for (const b of batches) {
      // Real predicted positions: targets 1..T-1 with mask 1 (crops pad short documents).
      let n = 0;
      for (let r = 0; r < b.batchSize; r++) for (let j = 1; j < b.seqLen; j++) n += b.mask[r * b.seqLen + j];
      nll += n * tf.tidy(() => {
        const x = tf.tensor2d(b.tokens, [b.batchSize, b.seqLen], "int32");
        const m = tf.tensor2d(Float32Array.from(b.mask), [b.batchSize, b.seqLen]);
        return causalCrossEntropy(run.arLogits(x, m), x, m).dataSync()[0];
      });
      tokens += n;
    }
    return { ppl: Math.exp(nll / tokens), describe: `exact causal NLL of an ar run (a likelihood, not a bound), ${tokens} tokens scored in ${batches.length} batches` };
  }
  const { name, bound } = run.bound();
  const r = boundPpl(bound, name, batches, { estimator: args.estimator, quadraturePoints: args.k, tDraws: args.tDraws, seed: args.seed });
  return { ppl: r.ppl, describe: `${r.estimator}; scorer ${r.scorer}; ${r.tokens} tokens scored in ${r.batches} batches; elbo ${r.elbo.toFixed(4)} ± ${r.stdError.toFixed(4)} nats/token` };
}

/** A hybrid run's §4 bound part by part on `batches` (K strata of u, the eval seed) as `<key>_bound_parts` and `<key>_rounding_accuracy_at_b` lines; none for other runs. */
function hybridPartLines(run: LoadedRun, batches: TokenBatch[], args: EvalArgs, key: string): string[] {
  const o = run.config.objective;
  if (o.kind !== "hybrid") return [];
  const p = hybridBoundParts(o, run.params, run.model, batches, args.k, args.seed);
  const parts = CHAIN_BOUND_PARTS.map((k) => `${k} ${p.parts[k].toFixed(4)}`).join(", ");
  return [`${key}_bound_parts: ${parts}; total ${p.natsPerToken.toFixed(4)} ± ${p.standardError.toFixed(4)} nats/token (${args.k} u strata per sequence, seed ${args.seed})`, `${key}_rounding_accuracy_at_b: ${p.roundingAccuracy}`];
}

/** Runs `hdlm eval`, printing `key: value` lines on `io.out` and progress on `io.err`. */
export async function runEval(args: EvalArgs, io: CliIo): Promise<void> {
  const run = loadRun(args.run);
  let ref: LoadedRun | null = null;
  try {
    if (args.ref !== null) {
      ref = loadRun(args.ref);
      if (ref.modelKind !== "ar") throw new Error(`--ref ${args.ref} is a run of kind ${ref.config.objective.kind}; the gen PPL scorer must be an ar run`);
    }
    const kind = run.config.objective.kind;
    const B = run.config.batchSize;
    const T = run.model.seqLen;
    io.out(`run: ${args.run} (${kind}, step ${run.step})`);
    io.err(`hdlm eval: loading ${run.config.data.files.join(", ")}`);
    const { corpus } = await run.data();
    const val = takeBatches(corpus.windows("validation", B), args.maxBatches);
    io.err(`hdlm eval: scoring ${val.length} validation batches`);
    const v = scoreBatches(run, val, args);
    io.out(`valid_ppl_bound: ${v.ppl}`);
    io.out(`valid_ppl_estimator: every token of the validation split in ${T}-token windows; ${v.describe}`);
    for (const l of hybridPartLines(run, val, args, "valid")) io.out(l);
    if (args.wikitext !== null) {
      io.err(`hdlm eval: tokenizing WikiText-2 ${args.wikitext}`);
      const wt = await wikiTextBatches(args.wikitext, run.vocab(), T, B, args.maxBatches);
      io.err(`hdlm eval: scoring ${wt.length} WikiText-2 batches`);
      const w = scoreBatches(run, wt, args);
      io.out(`wikitext_ppl_bound: ${w.ppl}`);
      io.out(`wikitext_ppl_estimator: WikiText-2 ${args.wikitext}, detokenized, packed (EOS between articles) into ${T}-token rows; ${w.describe}`);
      for (const l of hybridPartLines(run, wt, args, "wikitext")) io.out(l);
    }
    if (args.data !== null) {
      io.err(`hdlm eval: reading ${args.data}`);
      const own = await dataBatches(args.data, run.vocab(), T, B, args.maxBatches);
      io.err(`hdlm eval: scoring ${own.batches.length} batches of ${args.data}`);
      const d = scoreBatches(run, own.batches, args);
      io.out(`data_ppl_bound: ${d.ppl}`);
      io.out(`data_ppl_estimator: ${args.data}, ${own.documents} documents, every token in ${T}-token windows (${(own.unkFraction * 100).toFixed(1)}% of them the unknown id); ${d.describe}`);
    }
    if (run.modelKind === "ar") {
      io.out("gen_ppl: n/a (an ar run: hdlm eval draws samples only from diffusion runs)");
      io.out("sample_entropy: n/a (no samples)");
      return;
    }
    io.err(`hdlm eval: drawing ${args.n} samples (${args.steps} steps)`);
    const s = sampleRun(run, { n: args.n, steps: args.steps, seed: args.seed });
    const rows: Int32Array[] = [];
    for (let b = 0; b < s.tokens.batch; b++) rows.push(s.tokens.data.slice(b * s.tokens.length, (b + 1) * s.tokens.length));
    if (ref === null) io.out("gen_ppl: n/a (no reference model; pass --ref <ar run>)");
    else {
      const r = ref;
      const same = JSON.stringify(run.config.data) === JSON.stringify(r.config.data);
      const runVocab = same ? null : run.vocab();
      const refVocab = same ? null : r.vocab();
      // Different corpora/vocabularies: map through GPT-2 ids (both vocabularies are GPT-2 subsets; UNK stays UNK).
      const retokenize = runVocab === null || refVocab === null ? undefined : (ids: number[]) => ids.map((id) => (runVocab.gpt2(id) < 0 ? refVocab.unk : refVocab.compact(runVocab.gpt2(id))));
      const name = `ar ${r.config.preset} run ${args.ref} (step ${r.step})`;
      const scorer = arScorer((x, m) => r.arLogits(x, m), { name, vocabSize: r.vocabSize, seqLen: r.model.seqLen, batchSize: r.config.batchSize });
      const g = generativePpl(rows, scorer, { retokenize });
      io.out(`gen_ppl: ${g.genPpl}`);
      io.out(`gen_ppl_scorer: ${g.scorer}; ${g.tokens} tokens of ${rows.length} samples by ${s.sampler}, seed ${args.seed}${same ? "" : "; mapped to the scorer's vocabulary through GPT-2 ids"}`);
    }
    io.out(`sample_entropy: ${unigramEntropy(rows)}`);
    io.out(`sample_entropy_note: mean per-sample unigram entropy (nats) of ${rows.length} samples of ${s.tokens.length} tokens`);
  } finally {
    run.dispose();
    ref?.dispose();
  }
}
