// `hdlm eval --run <dir> [--ref <ar run>] [--wikitext valid|test] [--tdraws k] ...`: the validation PPL bound, the
// WikiText-2 PPL bound, generative PPL under a named AR reference and the samples' unigram entropy (hdlm.md §7).
import { tf } from "../engine/tf";
import { loadRun, sampleRun, LoadedRun, RunVocab } from "../train/load-run";
import { causalCrossEntropy } from "../train/objectives";
import { validationPpl, EvalBatch } from "../eval/valid-ppl";
import { arScorer, generativePpl } from "../eval/gen-ppl";
import { unigramEntropy } from "../eval/entropy";
import { openWikiText } from "../data/corpus";
import { CliIo, UsageError, intFlag, parseFlags } from "./args";

export const EVAL_USAGE = `usage: hdlm eval --run <dir> [--ref <ar-run-dir>] [--wikitext valid|test] [--tdraws k] [--n K] [--steps N] [--seed s] [--max-batches b]

  --run <dir>          the run to evaluate (ar, mdlm, hdlm or gidd)
  --ref <dir>          an ar run trained on the same corpus: the gen PPL scorer (without it gen_ppl is n/a)
  --wikitext valid|test  also the PPL bound on WikiText-2 (data/wikitext-2), articles packed into seqLen rows
  --tdraws k           Monte Carlo t draws per validation batch (default 1, the reference)
  --n K                samples for gen PPL and entropy (default 8)
  --steps N            sampler steps (default 128)
  --seed s             seed of t, z_t and sample draws (default 0)
  --max-batches b      score at most b batches per data set (default 0 = all)`;

/** Parsed `eval` arguments. */
export interface EvalArgs {
  run: string;
  ref: string | null;
  wikitext: "valid" | "test" | null;
  tDraws: number;
  n: number;
  steps: number;
  seed: number;
  maxBatches: number;
}

/** Parses the arguments after `eval`; throws a usage error naming the bad argument. */
export function parseEvalArgs(args: string[]): EvalArgs {
  const f = parseFlags("eval", args, { run: "string", ref: "string", wikitext: "string", tdraws: "int", n: "int", steps: "int", seed: "int", "max-batches": "int" });
  if (f.run === undefined) throw new UsageError("eval needs --run <dir>");
  if (f.wikitext !== undefined && f.wikitext !== "valid" && f.wikitext !== "test") throw new UsageError(`eval: --wikitext must be valid or test, got ${String(f.wikitext)}`);
  return {
    run: f.run as string,
    ref: (f.ref as string | undefined) ?? null,
    wikitext: (f.wikitext as "valid" | "test" | undefined) ?? null,
    tDraws: intFlag("eval", f, "tdraws", 1),
    n: intFlag("eval", f, "n", 8),
    steps: intFlag("eval", f, "steps", 128),
    seed: intFlag("eval", f, "seed", 0, 0),
    maxBatches: intFlag("eval", f, "max-batches", 0, 0),
  };
}

/** At most `maxBatches` (0 = all) batches of a data batch generator, as eval batches. */
export function takeBatches(batches: Iterable<EvalBatch>, maxBatches = 0): EvalBatch[] {
  const out: EvalBatch[] = [];
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
export async function wikiTextBatches(split: "valid" | "test", vocab: RunVocab, seqLen: number, batchSize: number, maxBatches = 0): Promise<EvalBatch[]> {
  const corpus = await openWikiText({ split, seqLen, onProgress: null, ...(vocab.compactVocab !== null ? { vocab: vocab.compactVocab } : {}) });
  return takeBatches(corpus.validation(batchSize), maxBatches);
}

/** PPL of `batches`: the objective's ELBO bound (diffusion) or the exact causal NLL (ar), with a description. */
function scoreBatches(run: LoadedRun, batches: EvalBatch[], args: EvalArgs): { ppl: number; describe: string } {
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
  const r = validationPpl(run.evalModel(), run.tools().scorer, batches, { tDraws: args.tDraws, seed: args.seed });
  return { ppl: r.ppl, describe: `${r.estimator}; scorer ${r.scorer}; ${r.tokens} tokens scored in ${r.batches} batches; elbo ${r.elbo.toFixed(4)} ± ${r.stdError.toFixed(4)} nats/token` };
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
    const val = takeBatches(corpus.validation(B), args.maxBatches);
    io.err(`hdlm eval: scoring ${val.length} validation batches`);
    const v = scoreBatches(run, val, args);
    io.out(`valid_ppl_bound: ${v.ppl}`);
    io.out(`valid_ppl_estimator: ${v.describe}`);
    if (args.wikitext !== null) {
      io.err(`hdlm eval: tokenizing WikiText-2 ${args.wikitext}`);
      const wt = await wikiTextBatches(args.wikitext, run.vocab(), T, B, args.maxBatches);
      io.err(`hdlm eval: scoring ${wt.length} WikiText-2 batches`);
      const w = scoreBatches(run, wt, args);
      io.out(`wikitext_ppl_bound: ${w.ppl}`);
      io.out(`wikitext_ppl_estimator: WikiText-2 ${args.wikitext}, detokenized, packed (EOS between articles) into ${T}-token rows; ${w.describe}`);
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
