// Compares hdlm-lab's logits with the PyTorch twin's on the twin's fixed inputs (for the README's numbers):
//   python3 interop/mdlm_dit_twin.py logits --weights W --heads H --batch B --length T [--sigma s,..] --out twin.safetensors
//   node --import tsx interop/compare.ts --weights W --twin twin.safetensors [--ema] [--run <imported run dir>]
// prints the largest absolute difference of the raw logits and of the SUBS log-probs (mdlmDitForward on the file's
// weights) and, with --run, of the run folder's DiT (loadRun, as hdlm sample / eval use it), with the wall times.
import { tf } from "../src/engine/tf";
import { initEngine, describeEngine } from "../src/engine";
import { readMdlmCheckpoint, readSafetensors } from "../src/interop";
import { mdlmDitForward, mdlmSubs } from "../src/models/mdlm-dit";
import { loadRun } from "../src/train/load-run";
import { parseFlags } from "../src/cli/args";
import type { Params } from "../src/models/params";

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, keep: (i: number) => boolean = () => true): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (keep(i)) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function main(): Promise<void> {
  const f = parseFlags("compare", process.argv.slice(2), { weights: "string", twin: "string", run: "string", ema: "bool", heads: "int" });
  if (f.weights === undefined || f.twin === undefined) throw new Error("usage: compare.ts --weights <file> --twin <twin logits .safetensors> [--ema] [--run <dir>] [--heads N]");
  const engine = await initEngine();
  process.stderr.write(`${describeEngine(engine).slice(0, 60)}\n`);
  const ref = readSafetensors(f.twin as string).tensors;
  const [B, T, V] = ref.get("logits")!.shape;
  const tokens = tf.tensor2d(Int32Array.from(ref.get("tokens")!.data), [B, T], "int32");
  const sigma = ref.get("sigma")!.data;
  const refLogits = ref.get("logits")!.data;
  const refLp = ref.get("logprobs")!.data;
  let t0 = Date.now();
  const imp = readMdlmCheckpoint(f.weights as string, { ema: f.ema === true ? true : false, heads: f.heads as number | undefined });
  const params: Params = {};
  for (const [k, t] of imp.weights) params[k] = tf.variable(tf.tensor(t.data, t.shape, "float32"), false);
  console.log(`read ${imp.source.format} ${f.weights}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t0 = Date.now();
  const logits = mdlmDitForward(params, imp.config, tokens, tf.tensor1d(sigma));
  const lp = mdlmSubs(logits, tokens, V - 1);
  const ours = logits.dataSync();
  const oursLp = lp.dataSync();
  console.log(`mdlm-dit forward B=${B} T=${T} V=${V} (sigma ${Array.from(sigma).join(",")}): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`  max |logits - torch| = ${maxDiff(ours, refLogits).toExponential(2)}   (max |torch logit| ${maxDiff(refLogits, new Float32Array(refLogits.length)).toFixed(2)})`);
  console.log(`  max |SUBS log-probs - torch| over finite entries = ${maxDiff(oursLp, refLp, (i) => refLp[i] > -1e5).toExponential(2)}`);
  if (f.run !== undefined) {
    const run = loadRun(f.run as string);
    t0 = Date.now();
    const rl = run.denoiser()(tokens, tf.fill([B], 0.5) as tf.Tensor1D).dataSync();
    console.log(`run ${f.run} DiT (hdlm-lab's ditForward, t = 0.5): ${((Date.now() - t0) / 1000).toFixed(1)} s; max |logits - torch| = ${maxDiff(rl, refLogits).toExponential(2)}`);
  }
}

main().catch((e) => {
  process.stderr.write(`compare: ${(e as Error).message}\n`);
  process.exit(1);
});
