// `hdlm sample --run <dir> [--steps N] [--n K] [--seed s] [--length L] [--trajectory]`: loads a diffusion run, draws
// K samples with its objective's sampler and prints them decoded (one JSON string per line); progress on stderr.
import { loadRun, sampleRun, LoadedRun, RunVocab } from "../train/load-run";
import { SampleBatch } from "../samplers/sampler";
import { CliIo, UsageError, intFlag, parseFlags } from "./args";

export const SAMPLE_USAGE = `usage: hdlm sample --run <dir> [--steps N] [--n K] [--seed s] [--length L] [--trajectory]

  --run <dir>     a training run folder (config.json + checkpoint.bin) of an mdlm, hdlm or gidd run
  --steps N       sampler steps (default 128)
  --n K           number of samples (default 4)
  --seed s        seed of every draw (default 0)
  --length L      sequence length (default the model's seqLen)
  --trajectory    also print the intermediate states of the first sample (MASK -> cluster -> word)`;

/** Parsed `sample` arguments. */
export interface SampleArgs {
  run: string;
  steps: number;
  n: number;
  seed: number;
  length: number | null;
  trajectory: boolean;
}

/** Parses the arguments after `sample`; throws a usage error naming the bad argument. */
export function parseSampleArgs(args: string[]): SampleArgs {
  const f = parseFlags("sample", args, { run: "string", steps: "int", n: "int", seed: "int", length: "int", trajectory: "bool" });
  if (f.run === undefined) throw new UsageError("sample needs --run <dir>");
  return {
    run: f.run as string,
    steps: intFlag("sample", f, "steps", 128),
    n: intFlag("sample", f, "n", 4),
    seed: intFlag("sample", f, "seed", 0, 0),
    length: f.length === undefined ? null : intFlag("sample", f, "length", 1),
    trajectory: f.trajectory === true,
  };
}

/**
 * One state of a run's id layout as cells: a real token as its decoded text (JSON-quoted), MASK as `[M]`, cluster k
 * as `[c<k>]` (HDLM ids V+1+k).
 */
export function renderState(run: LoadedRun, vocab: RunVocab, ids: ArrayLike<number>): string {
  const V = run.vocabSize;
  const cells: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    cells.push(id < V ? JSON.stringify(vocab.decode([id])) : id === V ? "[M]" : `[c${id - V - 1}]`);
  }
  return cells.join(" ");
}

/** Runs `hdlm sample`: samples on `io.out` as `sample <i>: "<text>"`, trajectory lines `step <j> t=<t>: <cells>`. */
export async function runSample(args: SampleArgs, io: CliIo): Promise<void> {
  const run = loadRun(args.run);
  try {
    if (run.modelKind !== "dit") throw new Error(`run ${args.run} is an ar run; hdlm sample draws from diffusion runs (mdlm, hdlm, gidd)`);
    io.err(`hdlm sample: ${run.config.objective.kind} run ${args.run} at step ${run.step}; building its vocabulary`);
    const vocab = run.vocab();
    const trajectory: string[] = [];
    let last = "";
    const onStep = args.trajectory
      ? (step: number, t: number, tokens: SampleBatch) => {
          const row = tokens.data.subarray(0, tokens.length);
          const text = renderState(run, vocab, row);
          if (text !== last) trajectory.push(`step ${step} t=${t.toFixed(4)}: ${text}`);
          last = text;
        }
      : undefined;
    const t0 = Date.now();
    const r = sampleRun(run, { n: args.n, steps: args.steps, seed: args.seed, length: args.length ?? undefined, onStep });
    io.err(`hdlm sample: ${r.sampler}, ${r.modelCalls} model calls, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (let b = 0; b < r.tokens.batch; b++) {
      io.out(`sample ${b}: ${JSON.stringify(vocab.decode(r.tokens.data.subarray(b * r.tokens.length, (b + 1) * r.tokens.length)))}`);
    }
    if (args.trajectory) {
      io.out(`trajectory of sample 0 (states that changed; [M] = MASK, [c<k>] = cluster k):`);
      for (const line of trajectory) io.out(line);
    }
  } finally {
    run.dispose();
  }
}
