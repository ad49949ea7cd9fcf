// Every parameter that should learn gets a gradient, for every training objective (issue 8): after a few updates
// (the DiT's adaLN gates and heads start at 0, so gradients reach the attention and MLP weights from the third
// update on), the gradient of the training loss on real text is non-zero in every parameter tensor: the heads,
// the adaLN projections, attention, MLPs, LayerNorms, the time embedding and the token embedding.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { Trainer, TokenData } from "../../src/train";
import { streamRng, STREAM } from "../../src/train/streams";
import { smallOwt, tinyConfig, tmpDir } from "./helpers";

let owt: TokenData;

before(async () => {
  await initEngine();
  owt = await smallOwt();
});

/** Names of the parameter tensors whose gradient (at the trainer's current parameters) is exactly zero. */
function deadParameters(trainer: Trainer): string[] {
  const { batchSize: B, seed } = trainer.config;
  const T = trainer.model.seqLen;
  const batch = owt.batch("train", 1000, B, T, seed);
  const names = Object.keys(trainer.params);
  const maxAbs = tf.tidy(() => {
    const tokens = tf.tensor2d(batch.tokens, [B, T], "int32");
    const mask = tf.tensor2d(batch.mask, [B, T], "float32");
    const loss = () => trainer.objective.loss(trainer.params, trainer.model, { tokens, mask }, streamRng(seed, 1000, STREAM.noise), true);
    const { grads } = tf.variableGrads(loss, names.map((n) => trainer.params[n]));
    return names.map((n) => {
      const g = grads[trainer.params[n].name];
      return g === undefined ? 0 : tf.max(tf.abs(g)).dataSync()[0];
    });
  });
  return names.filter((_, i) => !(maxAbs[i] > 0));
}

const OBJECTIVES = [
  { kind: "ar" }, { kind: "mdlm" }, { kind: "hdlm", numClusters: 4 }, { kind: "gidd" },
  { kind: "sedd" }, { kind: "sedd", noise: "geometric" }, { kind: "diffusion-lm" }, { kind: "hybrid" }, { kind: "hybrid", shareBackbone: false, continuousWeighting: "elbo" },
];

for (const objective of OBJECTIVES) {
  test(`${JSON.stringify(objective)}: after 3 updates every parameter tensor has a non-zero gradient`, () => {
    const trainer = new Trainer(tinyConfig(tmpDir("hdlm-grad-"), { objective, steps: 10, batchSize: 8, optim: { lr: 1e-2, warmupSteps: 1 } }), owt);
    try {
      for (let i = 0; i < 3; i++) trainer.trainStep();
      assert.deepEqual(deadParameters(trainer), [], `${objective.kind}: parameters without gradient`);
    } finally {
      trainer.dispose();
    }
  });
}
