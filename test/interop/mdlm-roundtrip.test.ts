// The reference-DiT round trip against the PyTorch twin (interop/mdlm_dit_twin.py, run with Debian's python3-torch):
// a tiny mdlm DiT written as .safetensors and as Lightning .ckpt (with and without EMA) imports and gives PyTorch's
// logits within 1e-4; the imported run folder samples and evaluates through `hdlm`; export then import is the
// identity; export then load in the twin gives the same logits; bad files fail with one line naming file and parameter.
// Every test is skipped, with the reason, when python3-torch is not installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { zipSync } from "fflate";
import { tf } from "../../src/engine/tf";
import { initEngine } from "../../src/engine";
import { readMdlmCheckpoint, writeImportedRun, exportRun, readSafetensors, writeSafetensors, mdlmRunModel } from "../../src/interop";
import type { F32Tensor } from "../../src/interop";
import { mdlmDitForward, mdlmSubs, mdlmDitDenoiser, type MdlmDitConfig, type HostTensors } from "../../src/models/mdlm-dit";
import type { Params } from "../../src/models/params";
import { loadRun } from "../../src/train/load-run";
import { readCheckpoint } from "../../src/train/checkpoint";
import { resolveConfig } from "../../src/train/config";
import { cliMain } from "../../src/cli";

const REPO = path.resolve(__dirname, "..", "..");
const TWIN = path.join(REPO, "interop", "mdlm_dit_twin.py");
const PY = process.env.HDLM_PYTHON ?? "/usr/bin/python3"; // Debian's python3-torch

function torchMissing(): string | false {
  if (!fs.existsSync(PY)) return `${PY} not found (install Debian's python3-torch to run the PyTorch twin tests)`;
  const r = spawnSync(PY, ["-c", "import torch"], { encoding: "utf8" });
  return r.status === 0 ? false : "python3-torch is not installed (apt-get install python3-torch); the PyTorch twin tests are skipped";
}
const skip = torchMissing();
if (skip) process.stderr.write(`test/interop/mdlm-roundtrip: SKIPPED: ${skip}\n`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-interop-"));
const f = (n: string) => path.join(dir, n);
const SIZES = { vocab: 50258, hidden: 32, blocks: 2, heads: 2, cond: 16 };

function twin(...args: string[]): string {
  const r = spawnSync(PY, [TWIN, ...args], { encoding: "utf8", cwd: dir });
  if (r.status !== 0) throw new Error(`twin ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

interface TwinLogits {
  tokens: Int32Array;
  sigma: Float32Array;
  shape: number[];
  logits: Float32Array;
  logprobs: Float32Array;
}

function twinLogits(weights: string, out: string, ...extra: string[]): TwinLogits {
  twin("logits", "--weights", weights, "--heads", String(SIZES.heads), "--out", out, ...extra);
  const t = readSafetensors(out).tensors;
  const tok = t.get("tokens")!;
  return { tokens: Int32Array.from(tok.data), sigma: t.get("sigma")!.data, shape: t.get("logits")!.shape, logits: t.get("logits")!.data, logprobs: t.get("logprobs")!.data };
}

function toParams(w: HostTensors): Params {
  const p: Params = {};
  for (const [k, t] of w) p[k] = tf.variable(tf.tensor(t.data, t.shape, "float32"), false);
  return p;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, keep: (i: number) => boolean = () => true): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (keep(i)) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Our raw logits and SUBS log-probs of the twin's inputs, compared with PyTorch's. */
function compare(weights: HostTensors, c: MdlmDitConfig, ref: TwinLogits): { logits: number; logprobs: number } {
  const [B, T] = ref.shape;
  const params = toParams(weights);
  try {
    const tokens = tf.tensor2d(ref.tokens, [B, T], "int32");
    const logits = mdlmDitForward(params, c, tokens, tf.tensor1d(ref.sigma));
    const lp = mdlmSubs(logits, tokens, c.vocabSize - 1);
    const ours = logits.dataSync();
    const oursLp = lp.dataSync();
    // log-probs of -1e6 (MASK column, copied positions) are float32 numbers with ulp 0.06: compare where finite-ish
    const real = (i: number) => ref.logprobs[i] > -1e5;
    let support = 0;
    for (let i = 0; i < oursLp.length; i++) if (oursLp[i] > -1e5 !== real(i)) support++;
    assert.equal(support, 0, "SUBS support (finite log-probs) differs");
    return { logits: maxAbsDiff(ours, ref.logits), logprobs: maxAbsDiff(oursLp, ref.logprobs, real) };
  } finally {
    for (const v of Object.values(params)) v.dispose();
  }
}

let refSt: TwinLogits;
let refEma: TwinLogits;
let refNoEma: TwinLogits;
let refZero: TwinLogits;

before(async () => {
  if (skip) return;
  await initEngine();
  const s = ["--vocab", String(SIZES.vocab), "--hidden", String(SIZES.hidden), "--blocks", String(SIZES.blocks), "--heads", String(SIZES.heads), "--cond", String(SIZES.cond)];
  twin("make", ...s, "--seed", "3", "--safetensors", f("a.safetensors"), "--ckpt", f("a.ckpt"), "--ema", "--hparams-object", "--state-dict", f("bare.pt"));
  twin("make", ...s, "--seed", "4", "--ckpt", f("noema.ckpt"));
  refSt = twinLogits(f("a.safetensors"), f("ref-st.safetensors"));
  refEma = twinLogits(f("a.ckpt"), f("ref-ema.safetensors"), "--ema");
  refNoEma = twinLogits(f("noema.ckpt"), f("ref-noema.safetensors"));
  refZero = twinLogits(f("a.safetensors"), f("ref-zero.safetensors"), "--sigma", "0,0");
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("safetensors import gives PyTorch's logits and SUBS log-probs within 1e-4", { skip }, () => {
  const imp = readMdlmCheckpoint(f("a.safetensors"));
  assert.deepEqual(
    { V: imp.config.vocabSize, d: imp.config.hidden, L: imp.config.blocks, H: imp.config.heads, k: imp.config.condDim, r: imp.config.mlpRatio },
    { V: 50258, d: 32, L: 2, H: 2, k: 16, r: 4 },
  );
  assert.equal(imp.source.prefix, "backbone.");
  assert.equal(imp.source.ema, false);
  assert.match(imp.source.inferred.heads, /inv_freq/);
  assert.notEqual(new Set(refSt.sigma).size, 1, "the twin's inputs use distinct sigmas");
  const d = compare(imp.weights, imp.config, refSt);
  assert.ok(d.logits < 1e-4, `logits differ by ${d.logits}`);
  assert.ok(d.logprobs < 1e-4, `log-probs differ by ${d.logprobs}`);
});

test("the same logits within 1e-4 on every backend this machine has (cpu, wasm, native)", { skip }, async () => {
  const imp = readMdlmCheckpoint(f("a.ckpt"));
  const start = (await initEngine()).backend;
  const tried: string[] = [];
  try {
    for (const b of ["cpu", "wasm", "native"] as const) {
      try {
        await initEngine({ backend: b });
      } catch {
        continue; // not built here (native needs the addon)
      }
      tried.push(b);
      const d = compare(imp.weights, imp.config, refEma);
      assert.ok(d.logits < 1e-4 && d.logprobs < 1e-4, `${b}: ${JSON.stringify(d)}`);
    }
  } finally {
    await initEngine({ backend: start });
  }
  assert.ok(tried.includes("cpu") && tried.includes("wasm"), tried.join(", "));
});

test("Lightning .ckpt import: EMA weights by default, raw weights with ema: false, hyper_parameters objects ignored", { skip }, () => {
  const ema = readMdlmCheckpoint(f("a.ckpt"));
  assert.equal(ema.source.format, "ckpt");
  assert.equal(ema.source.ema, true);
  assert.ok(ema.source.ignored.some((s) => s.startsWith("hyper_parameters")), ema.source.ignored.join("; "));
  const de = compare(ema.weights, ema.config, refEma);
  assert.ok(de.logits < 1e-4 && de.logprobs < 1e-4, `EMA: ${JSON.stringify(de)}`);
  const raw = readMdlmCheckpoint(f("a.ckpt"), { ema: false });
  assert.equal(raw.source.ema, false);
  const dr = compare(raw.weights, raw.config, refSt);
  assert.ok(dr.logits < 1e-4 && dr.logprobs < 1e-4, `raw: ${JSON.stringify(dr)}`);
  // the raw .ckpt weights are the .safetensors weights, bit for bit
  const st = readMdlmCheckpoint(f("a.safetensors"));
  for (const [k, t] of st.weights) assert.deepEqual(raw.weights.get(k)!.data, t.data, k);
});

test("a bare torch.save(model.state_dict()) (no prefix, OrderedDict with _metadata) imports the same weights", { skip }, () => {
  const imp = readMdlmCheckpoint(f("bare.pt"));
  assert.equal(imp.source.prefix, "");
  assert.equal(imp.source.ema, false);
  const d = compare(imp.weights, imp.config, refSt);
  assert.ok(d.logits < 1e-4 && d.logprobs < 1e-4, JSON.stringify(d));
});

test(".ckpt without EMA imports its state_dict; asking for EMA is an error naming the file", { skip }, () => {
  const imp = readMdlmCheckpoint(f("noema.ckpt"));
  assert.equal(imp.source.ema, false);
  const d = compare(imp.weights, imp.config, refNoEma);
  assert.ok(d.logits < 1e-4 && d.logprobs < 1e-4, JSON.stringify(d));
  assert.throws(() => readMdlmCheckpoint(f("noema.ckpt"), { ema: true }), (e: Error) => e.message.includes("noema.ckpt") && e.message.includes("ema"));
});

test("imported run folder: loadRun's DiT gives the reference's sigma = 0 logits at any t; hdlm sample and eval run", { skip }, async () => {
  const imp = readMdlmCheckpoint(f("a.safetensors"), { seqLen: 16 });
  const run = f("run");
  writeImportedRun(imp, run);
  const r = loadRun(run);
  try {
    assert.equal(r.vocabSize, 50257);
    assert.equal(r.config.objective.kind, "mdlm");
    const [B, T] = refZero.shape;
    const tokens = tf.tensor2d(refZero.tokens, [B, T], "int32");
    for (const t of [0.05, 0.9]) {
      const logits = r.denoiser()(tokens, tf.fill([B], t) as tf.Tensor1D);
      const d = maxAbsDiff(logits.dataSync(), refZero.logits);
      assert.ok(d < 1e-4, `t=${t}: run logits differ from PyTorch's sigma=0 logits by ${d}`);
      logits.dispose();
    }
    // the reference forward on the same imported weights agrees with the run's DiT
    const params = toParams(imp.weights);
    const ref = mdlmDitDenoiser(params, imp.config)(tokens, tf.fill([B], 0.5) as tf.Tensor1D);
    assert.ok(maxAbsDiff(ref.dataSync(), refZero.logits) < 1e-4);
    for (const v of Object.values(params)) v.dispose();
  } finally {
    r.dispose();
  }
  const lines: string[] = [];
  const io = { out: (l: string) => void lines.push(l), err: () => undefined };
  const { runSample, parseSampleArgs, runEval, parseEvalArgs } = await import("../../src/cli");
  await runSample(parseSampleArgs(["--run", run, "--n", "2", "--steps", "4", "--length", "12"]), io);
  assert.equal(lines.filter((l) => /^sample \d: "/.test(l)).length, 2, lines.join("\n"));
  // eval scores the run's validation split: point the imported run's data at a small file (the default is OpenWebText)
  const docs = f("docs.jsonl");
  fs.writeFileSync(docs, Array.from({ length: 24 }, (_, i) => JSON.stringify({ text: `Document ${i}: the quick brown fox jumps over the lazy dog, again and again.` })).join("\n") + "\n");
  const cfgFile = path.join(run, "config.json");
  const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
  fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, data: { ...cfg.data, files: [docs], valFraction: 0.5 } }));
  lines.length = 0;
  await runEval(parseEvalArgs(["--run", run, "--data", docs, "--n", "1", "--steps", "2", "--k", "2", "--max-batches", "1"]), io);
  const bound = lines.find((l) => l.startsWith("data_ppl_bound: "));
  assert.ok(bound !== undefined && Number.isFinite(Number(bound.split(": ")[1])), lines.join("\n"));
});

test("export then import is the identity; export then the PyTorch twin gives the same logits", { skip }, () => {
  const imp = readMdlmCheckpoint(f("a.ckpt"));
  const run = f("run-ema");
  writeImportedRun(imp, run);
  const out = f("exported.safetensors");
  const s = exportRun(run, out);
  assert.equal(s.timeLayer, "restored");
  const back = readMdlmCheckpoint(out);
  assert.equal(back.config.conditioning, "none");
  assert.deepEqual([...back.weights.keys()], [...imp.weights.keys()]);
  for (const [k, t] of imp.weights) {
    assert.deepEqual(back.weights.get(k)!.shape, t.shape, k);
    assert.deepEqual(back.weights.get(k)!.data, t.data, `${k} changed in the round trip`);
  }
  // run folder -> export -> import -> run folder: the same checkpoint tensors
  const run2 = f("run-ema-2");
  writeImportedRun(back, run2);
  const a = readCheckpoint(path.join(run, "checkpoint.bin")).tensors;
  const b = readCheckpoint(path.join(run2, "checkpoint.bin")).tensors;
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  for (const k of Object.keys(a)) assert.deepEqual(b[k].data, a[k].data, k);
  // the twin loads the export with load_state_dict(strict=True): every name and shape is the reference's
  const ref = twinLogits(out, f("ref-exported.safetensors"));
  assert.ok(maxAbsDiff(ref.logits, refEma.logits) < 1e-6, "PyTorch logits of the export differ from the .ckpt's EMA logits");
});

test("export of a DiT trained in hdlm-lab (t-conditioned): the twin fed sigma := t gives hdlm-lab's logits", { skip }, async () => {
  // an hdlm-lab DiT with a live time layer: the imported run with time.w1 made non-zero
  const run = f("run-t");
  writeImportedRun(readMdlmCheckpoint(f("noema.ckpt")), run);
  const ck = readCheckpoint(path.join(run, "checkpoint.bin"));
  const w1 = ck.tensors["param/time.w1"];
  for (let i = 0; i < w1.data.length; i++) w1.data[i] = Math.sin(i) * 0.05;
  const { writeCheckpoint } = await import("../../src/train/checkpoint");
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(ck.tensors)) if (k.startsWith("param/")) ts[k] = tf.tensor(t.data, t.shape, "float32");
  writeCheckpoint(path.join(run, "checkpoint.bin"), ts, ck.meta);
  const out = f("trained.safetensors");
  const s = exportRun(run, out);
  assert.equal(s.timeLayer, "time");
  const sidecar = JSON.parse(fs.readFileSync(`${out}.json`, "utf8")) as { conditioning: string };
  assert.equal(sidecar.conditioning, "t");
  const ref = twinLogits(out, f("ref-trained.safetensors"), "--sigma", "0.25,0.75");
  const r = loadRun(run);
  try {
    const [B, T] = ref.shape;
    const logits = r.denoiser()(tf.tensor2d(ref.tokens, [B, T], "int32"), tf.tensor1d([0.25, 0.75]));
    const d = maxAbsDiff(logits.dataSync(), ref.logits);
    assert.ok(d < 1e-4, `hdlm-lab logits at t differ from PyTorch's at sigma = t by ${d}`);
  } finally {
    r.dispose();
  }
  // and it imports back as a t-conditioned model whose run equals the original
  const back = readMdlmCheckpoint(out);
  assert.equal(back.config.conditioning, "t");
  writeImportedRun(back, f("run-t-2"));
  const a = readCheckpoint(path.join(run, "checkpoint.bin")).tensors;
  const b = readCheckpoint(path.join(f("run-t-2"), "checkpoint.bin")).tensors;
  for (const k of Object.keys(a)) assert.deepEqual(b[k].data, a[k].data, k);
});

test("time-conditioned checkpoint: the reference-layout run checkpoint gives PyTorch's logits at sigma(t); export restores it", { skip }, () => {
  const imp = readMdlmCheckpoint(f("a.ckpt"), { conditioning: "sigma" });
  assert.throws(() => writeImportedRun(imp, f("run-sigma-hdlm")), /a.ckpt: a time-conditioned/);
  const run = f("run-sigma");
  writeImportedRun(imp, run, { layout: "reference" });
  const ckFile = path.join(run, "checkpoint.bin");
  const ck = readCheckpoint(ckFile);
  assert.equal(ck.meta.layout, "reference");
  assert.ok(ck.tensors["param/blocks.1.attn_qkv.weight"] !== undefined);
  const ts = [0.25, 0.75];
  const sig = ts.map((t) => -Math.log1p(-(1 - 1e-3) * t));
  const ref = twinLogits(f("a.ckpt"), f("ref-sigma.safetensors"), "--ema", "--sigma", sig.map((v) => v.toPrecision(9)).join(","));
  const m = mdlmRunModel(ck, resolveConfig(JSON.parse(fs.readFileSync(path.join(run, "config.json"), "utf8"))), ckFile)!;
  try {
    assert.equal(m.config.conditioning, "sigma");
    const [B, T] = ref.shape;
    const logits = m.denoiser(tf.tensor2d(ref.tokens, [B, T], "int32"), tf.tensor1d(ts));
    const d = maxAbsDiff(logits.dataSync(), ref.logits);
    assert.ok(d < 1e-4, `denoiser at t differs from PyTorch at sigma(t) by ${d}`);
  } finally {
    for (const v of Object.values(m.params)) v.dispose();
  }
  // load-run reads the reference layout (src/models/mdlm-dit.ts referenceRunModel): the same logits through loadRun
  const lr = loadRun(run);
  try {
    const [B, T] = ref.shape;
    const d = maxAbsDiff(lr.denoiser()(tf.tensor2d(ref.tokens, [B, T], "int32"), tf.tensor1d(ts)).dataSync(), ref.logits);
    assert.ok(d < 1e-4, `loadRun's denoiser at t differs from PyTorch at sigma(t) by ${d}`);
  } finally {
    lr.dispose();
  }
  const out = f("sigma.safetensors");
  exportRun(run, out);
  const back = readMdlmCheckpoint(out);
  assert.equal(back.config.conditioning, "sigma");
  for (const [k, t] of imp.weights) assert.deepEqual(back.weights.get(k)!.data, t.data, k);
});

test("a small DiT made here (tiny preset, compact vocabulary) exports for PyTorch: the twin at sigma := t gives ditForward's logits", { skip }, async () => {
  // an mdlm run folder as the trainer leaves it: config.json, checkpoint.bin (param/* in hdlm-lab's layout), vocab.json
  const run = f("small-run");
  fs.mkdirSync(run);
  const config = resolveConfig({ preset: "tiny", objective: { kind: "mdlm" }, runDir: run, data: { vocabSize: 40 } });
  fs.writeFileSync(path.join(run, "config.json"), JSON.stringify(config));
  fs.writeFileSync(path.join(run, "vocab.json"), JSON.stringify({ note: "the run's compact vocabulary" }));
  const { initParams } = await import("../../src/models/params");
  const { ditForward } = await import("../../src/models/transformer");
  const { writeCheckpoint } = await import("../../src/train/checkpoint");
  const model = { ...config.model, inputSize: 41, outputSize: 41 };
  const params = initParams(model, "dit", 1);
  let k = 0;
  for (const v of Object.values(params)) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => Math.sin(++k) * 0.3), v.shape)); // adaLN and head non-zero too
  writeCheckpoint(path.join(run, "checkpoint.bin"), Object.fromEntries(Object.entries(params).map(([n, v]) => [`param/${n}`, v])), { step: 7 });
  const out = f("small.safetensors");
  const s = exportRun(run, out);
  assert.equal(s.timeLayer, "time");
  assert.ok(fs.existsSync(`${out}.vocab.json`));
  assert.ok(s.notes.some((n) => n.includes("compact vocabulary")));
  const ts = [0.3, 0.8];
  const ref = twinLogits(out, f("ref-small.safetensors"), "--sigma", ts.join(","), "--length", "16");
  const [B, T] = ref.shape;
  const ours = ditForward(params, model, tf.tensor2d(ref.tokens, [B, T], "int32"), tf.tensor1d(ts)).logits.dataSync();
  const d = maxAbsDiff(ours, ref.logits);
  assert.ok(d < 1e-4, `hdlm-lab's logits differ from the PyTorch twin's by ${d}`);
  assert.ok(maxAbsDiff(ref.logits, new Float32Array(ref.logits.length)) > 0.1, "the comparison is not trivial");
  for (const v of Object.values(params)) v.dispose();
});

/** Runs `hdlm <args>` in-process; returns the status and the one stderr line. */
async function hdlm(...args: string[]): Promise<{ status: number; err: string }> {
  const errs: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => (errs.push(String(s)), true);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = () => true;
  try {
    const status = await cliMain(args);
    return { status, err: errs.join("") };
  } finally {
    (process.stderr as unknown as { write: typeof write }).write = write;
    (process.stdout as unknown as { write: typeof out }).write = out;
  }
}

function oneLine(r: { status: number; err: string }, ...must: string[]): void {
  assert.equal(r.status, 1, r.err);
  // progress lines ("hdlm import: ...") may precede it; the error is exactly one line
  const lines = r.err.trim().split("\n").filter((l) => l.startsWith("hdlm: "));
  assert.equal(lines.length, 1, `not one error line: ${r.err}`);
  assert.ok(r.err.trim().endsWith(lines[0]), `the error is not the last line: ${r.err}`);
  for (const m of must) assert.ok(lines[0].includes(m), `"${lines[0]}" lacks "${m}"`);
}

test("hdlm import/export CLI: round trip and one-line errors for bad files", { skip }, async () => {
  const run = f("cli-run");
  const ok = await hdlm("import", "--from", f("a.ckpt"), "--arch", "mdlm-dit", "--out", run, "--seq-len", "16");
  assert.equal(ok.status, 0, ok.err);
  assert.ok(fs.existsSync(path.join(run, "import.json")));
  const ex = await hdlm("export", "--run", run, "--to", f("cli.safetensors"));
  assert.equal(ex.status, 0, ex.err);
  assert.equal((await hdlm("import", "--from", f("a.ckpt"), "--arch", "mdlm-dit", "--out", run)).status, 1, "an existing run needs --force");
  // a time-conditioned checkpoint becomes a reference-layout run folder that load-run reads (mdlm's DiT fed sigma(t))
  const sig = await hdlm("import", "--from", f("a.ckpt"), "--arch", "mdlm-dit", "--out", f("cli-sigma"), "--conditioning", "sigma", "--seq-len", "16");
  assert.equal(sig.status, 0, sig.err);
  assert.equal(JSON.parse(fs.readFileSync(path.join(f("cli-sigma"), "import.json"), "utf8")).layout, "reference");
  const sr = loadRun(f("cli-sigma"));
  try {
    const tok = tf.tensor2d([[1, 50257, 7, 50257]], [1, 4], "int32");
    const a = sr.denoiser()(tok, tf.tensor1d([0.3])).dataSync();
    const b = sr.denoiser()(tok, tf.tensor1d([0.9])).dataSync();
    assert.ok(maxAbsDiff(a, b) > 1e-3, "a sigma-conditioned run must depend on t");
  } finally {
    sr.dispose();
  }
  assert.equal((await hdlm("import", "--from", f("a.ckpt"), "--arch", "mdlm-dit", "--out", f("x"), "--conditioning", "tau")).status, 2);

  const bytes = fs.readFileSync(f("a.ckpt"));
  fs.writeFileSync(f("trunc.ckpt"), bytes.subarray(0, Math.floor(bytes.length / 2)));
  oneLine(await hdlm("import", "--from", f("trunc.ckpt"), "--arch", "mdlm-dit", "--out", f("x")), "trunc.ckpt");
  const st = fs.readFileSync(f("a.safetensors"));
  fs.writeFileSync(f("trunc.safetensors"), st.subarray(0, st.length - 1000));
  oneLine(await hdlm("import", "--from", f("trunc.safetensors"), "--arch", "mdlm-dit", "--out", f("x")), "trunc.safetensors", "backbone.output_layer", "truncated");
  fs.writeFileSync(f("notes.txt"), "not a checkpoint\n");
  oneLine(await hdlm("import", "--from", f("notes.txt"), "--arch", "mdlm-dit", "--out", f("x")), "notes.txt", "neither");

  // a shape that does not match the architecture
  const t = readSafetensors(f("a.safetensors")).tensors;
  const m = new Map<string, F32Tensor>(t);
  m.set("backbone.blocks.1.attn_out.weight", { shape: [32, 31], data: new Float32Array(32 * 31) });
  writeSafetensors(f("shape.safetensors"), m);
  oneLine(await hdlm("import", "--from", f("shape.safetensors"), "--arch", "mdlm-dit", "--out", f("x")), "shape.safetensors", "blocks.1.attn_out.weight", "[32, 31]");
  const extra = new Map<string, F32Tensor>(t);
  extra.set("backbone.blocks.0.attn_out.bias", { shape: [32], data: new Float32Array(32) });
  writeSafetensors(f("extra.safetensors"), extra);
  oneLine(await hdlm("import", "--from", f("extra.safetensors"), "--arch", "mdlm-dit", "--out", f("x")), "extra.safetensors", "blocks.0.attn_out.bias");
  const missing = new Map<string, F32Tensor>(t);
  missing.delete("backbone.blocks.1.mlp.2.bias");
  writeSafetensors(f("missing.safetensors"), missing);
  oneLine(await hdlm("import", "--from", f("missing.safetensors"), "--arch", "mdlm-dit", "--out", f("x")), "missing.safetensors", "blocks.1.mlp.2.bias");
  // exporting a run that is not mdlm's DiT
  fs.mkdirSync(f("hdlm-run"));
  const cfg = JSON.parse(fs.readFileSync(path.join(run, "config.json"), "utf8"));
  fs.writeFileSync(path.join(f("hdlm-run"), "config.json"), JSON.stringify({ ...cfg, objective: { kind: "hdlm", numClusters: 4 } }));
  oneLine(await hdlm("export", "--run", f("hdlm-run"), "--to", f("y.safetensors")), "hdlm-run", "hdlm run");
});

/** A zip holding one torch-style archive/data.pkl. */
function pickleZip(name: string, pkl: number[]): string {
  const file = f(name);
  fs.writeFileSync(file, zipSync({ "archive/data.pkl": new Uint8Array(pkl), "archive/version": new TextEncoder().encode("3\n") }, { level: 0 }));
  return file;
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

test("a pickle that references anything but tensors and containers is refused by name, nothing executed", async () => {
  // {'state_dict': posix.system('touch PWNED')} in protocol 2
  const pwned = f("PWNED");
  const cmd = `touch ${pwned}`;
  const evil = [0x80, 0x02, 0x7d, 0x58, 10, 0, 0, 0, ...ascii("state_dict"), ...ascii("cposix\nsystem\n"), 0x58, cmd.length, 0, 0, 0, ...ascii(cmd), 0x85, 0x52, 0x73, 0x2e];
  oneLine(await hdlm("import", "--from", pickleZip("evil.ckpt", evil), "--arch", "mdlm-dit", "--out", f("x")), "evil.ckpt", "posix.system");
  // the classic top-level payload: builtins.eval('...')
  const top = [0x80, 0x02, ...ascii("cbuiltins\neval\n"), 0x58, 4, 0, 0, 0, ...ascii("1+1)"), 0x85, 0x52, 0x2e];
  oneLine(await hdlm("import", "--from", pickleZip("top.ckpt", top), "--arch", "mdlm-dit", "--out", f("x")), "top.ckpt", "builtins.eval");
  // an EMA entry that is an object, not a tensor
  const emaObj = [0x80, 0x02, 0x7d, 0x58, 3, 0, 0, 0, ...ascii("ema"), ...ascii("cos\nsystem\n"), 0x29, 0x52, 0x73, 0x2e];
  oneLine(await hdlm("import", "--from", pickleZip("ema.ckpt", emaObj), "--arch", "mdlm-dit", "--out", f("x")), "ema.ckpt", "os.system");
  assert.equal(fs.existsSync(pwned), false);
});
