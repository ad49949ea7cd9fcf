// `npm run compare`: MDLM vs HDLM vs GIDD+ at equal training tokens, 2 seeds each, plus the AR reference scorer, on the
// bundled OpenWebText subset and WikiText-2; prints a markdown table and writes out/compare/results.{json,md}.
//
// Usage: npm run compare -- [--smoke] [--steps N] [--ref-steps N] [--seeds 0,1] [--out DIR]
//   --smoke        tiny sizes (seconds; what the tests run)
//   --steps N      training updates per diffusion run (default 300)
//   --ref-steps N  training updates of the AR reference scorer (default: steps)
//   --seeds a,b    seeds (default 0,1)
//   --out DIR      output folder (default out/compare)
import * as fs from "fs";
import * as path from "path";
import { initEngine, describeEngine } from "../src/engine";
import { openCorpus, openWikiText } from "../src/data";
import { runComparison, type CompareMethod, type RunSettings } from "../src/experiments";

interface Args {
  smoke: boolean;
  steps: number | null;
  refSteps: number | null;
  seeds: number[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { smoke: false, steps: null, refSteps: null, seeds: [0, 1], out: path.join("out", "compare") };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${v ?? "nothing"}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === "--smoke") a.smoke = true;
    else if (f === "--steps") a.steps = int(f, argv[++i]);
    else if (f === "--ref-steps") a.refSteps = int(f, argv[++i]);
    else if (f === "--seeds") {
      const v = argv[++i] ?? "";
      a.seeds = v.split(",").map((s) => Number(s));
      if (a.seeds.length === 0 || a.seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds needs comma-separated integers >= 0, got ${v}`);
    } else if (f === "--out") {
      const v = argv[++i];
      if (v === undefined) throw new Error("--out needs a folder");
      a.out = v;
    } else throw new Error(`unknown argument ${f} (known: --smoke, --steps N, --ref-steps N, --seeds a,b, --out DIR)`);
  }
  return a;
}

/** Sizes: `full` finishes in about 25 minutes on 2 shared cores (see README), `smoke` in seconds. */
function sizes(args: Args) {
  if (args.smoke) {
    const steps = args.steps ?? 4;
    return {
      vocab: 256, seqLen: 16, numClusters: 8,
      run: { preset: "tiny", steps, batchSize: 4, optim: { lr: 3e-3 } } as RunSettings,
      reference: { steps: args.refSteps ?? steps, batchSize: 4 } as RunSettings,
      eval: { batchSize: 8, owtBatches: 2, wikiBatches: 2, samples: 4, sampleSteps: 4 },
    };
  }
  const steps = args.steps ?? 300;
  return {
    vocab: 1024, seqLen: 64, numClusters: 32,
    run: { preset: "cpu", model: { hidden: 64, layers: 2, heads: 4, condDim: 64 }, steps, batchSize: 8, optim: { lr: 1e-2 } } as RunSettings,
    reference: { steps: args.refSteps ?? steps, batchSize: 8, optim: { lr: 3e-3 } } as RunSettings,
    eval: { batchSize: 32, owtBatches: 4, wikiBatches: 4, samples: 16, sampleSteps: 32 },
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const engine = await initEngine();
  const log = (m: string) => process.stderr.write(`compare: ${m}\n`);
  const engineName = `${engine.backend} backend, ${engine.threads} threads`;
  log(describeEngine(engine));
  const s = sizes(args);
  const corpus = await openCorpus({ seqLen: s.seqLen, compactVocab: s.vocab, onProgress: null });
  const wikitext = await openWikiText({ seqLen: s.seqLen, vocab: corpus.compactVocab, onProgress: null });
  const methods: CompareMethod[] = [
    { name: "MDLM", objective: { kind: "mdlm" } },
    { name: `HDLM (n=${s.numClusters}, gamma=1)`, objective: { kind: "hdlm", numClusters: s.numClusters, gamma: 1 } },
    { name: "GIDD+ (pu=0.1)", objective: { kind: "gidd", pu: 0.1, lossWeighting: "dynamic" } },
  ];
  const t0 = Date.now();
  const result = runComparison({ corpus, wikitext, methods, seeds: args.seeds, run: s.run, reference: s.reference, eval: s.eval, log });
  const seconds = (Date.now() - t0) / 1000;
  const command = `npm run compare --${process.argv.slice(2).map((a) => ` ${a}`).join("")}`;
  const meta = { ...result.meta, command, engine: engineName, wallSeconds: seconds };
  const md = [
    result.markdown,
    "",
    `Measured with \`${command}\` (${seconds.toFixed(0)} s wall, ${engineName}).`,
    `Data: ${String(result.meta.data)}. Each run: ${result.meta.steps} steps x ${result.meta.batchSize} x ${result.meta.seqLen} tokens; AR reference: ${String(result.meta.referenceSteps)} steps.`,
    `PPL bounds: exp(unclipped ELBO), ${String((result.meta.owt as { estimator: string }).estimator)}; OWT validation ${String((result.meta.owt as { tokens: number }).tokens)} tokens, WikiText-2 valid ${String((result.meta.wikitext as { tokens: number }).tokens)} tokens. The AR row is its exact NLL PPL.`,
    `Gen PPL: ${String(result.meta.genPpl)}. Entropy: mean unigram entropy of a sample.`,
  ].join("\n");
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, "results.json"), JSON.stringify({ meta, rows: result.rows, summary: result.summary, samples: result.samples }, null, 2) + "\n");
  fs.writeFileSync(path.join(args.out, "results.md"), md + "\n");
  process.stdout.write(md + "\n");
  log(`wrote ${path.join(args.out, "results.json")} and results.md`);
}

main().catch((e: unknown) => {
  process.stderr.write(`compare: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
