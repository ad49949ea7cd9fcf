// The engine acceptance check: a 2-layer causal transformer trains on wasm on real text (the bundled
// OpenWebText subset), its loss falls, and the live tensor count stays flat across steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as os from "node:os";
import { tf, initEngine } from "../../src/engine";
import { openCorpus } from "../../src/data";
import { modelConfig, initParams, arForward } from "../../src/models";
import { AdamW, DEFAULT_OPTIM, paramGrads } from "../../src/train";
import { causalCrossEntropy } from "../../src/losses/causal";

test("a 2-layer transformer trains on wasm: loss falls, tensor count flat", async () => {
  const engine = await initEngine({ backend: "wasm" });
  assert.equal(engine.backend, "wasm");
  const seqLen = 32;
  const corpus = await openCorpus({
    paths: [path.resolve(__dirname, "..", "..", "data", "openwebtext", "owt-subset-003.jsonl.gz")],
    seqLen,
    compactVocab: 256,
    cacheDir: path.join(os.tmpdir(), "hdlm-test-wasm-training-cache"),
    onProgress: null,
  });
  const V = corpus.vocabSize;
  const cfg = modelConfig("tiny", { inputSize: V, outputSize: V }, { layers: 2, seqLen });
  const params = initParams(cfg, "ar", 0);
  const opt = new AdamW(params, { ...DEFAULT_OPTIM, lr: 3e-3, warmupSteps: 0 }, 40);
  const batches = corpus.batches(8, 1);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < 40; step++) {
    const b = batches.next().value;
    const loss = tf.tidy(() => {
      const tokens = tf.tensor2d(b.tokens, [b.batchSize, b.seqLen], "int32");
      const mask = tf.tensor2d(b.mask, [b.batchSize, b.seqLen], "float32");
      const { value, grads } = paramGrads(params, () => causalCrossEntropy(arForward(params, cfg, tokens, mask), tokens, mask));
      opt.apply(grads);
      return value.dataSync()[0];
    });
    losses.push(loss);
    counts.push(tf.memory().numTensors);
  }
  const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(Number.isFinite(last) && last < first - 0.5, `loss should fall by > 0.5 nats: first 5 mean ${first.toFixed(3)}, last 5 mean ${last.toFixed(3)}`);
  assert.equal(counts[counts.length - 1], counts[2], `tensor count grew across steps: ${counts.join(",")}`);
});
