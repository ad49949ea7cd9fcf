import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, tf } from "../../src/engine";
import { segmentLogSumExp, maskedTokenMean } from "../../src/losses";
import { makeClusterLayout } from "../../src/processes";
import { randomLogits } from "./helpers";

test("segment logsumexp equals log sum exp over the members (gather and matmul)", async () => {
  await initEngine();
  const layout = makeClusterLayout([2, 0, 1, 2, 2, 0, 1, 3, 3, 3, 3]);
  const V = 11, n = 4, N = 5;
  const data = randomLogits(N * V, 3, 4);
  const logits = tf.tensor2d(data, [N, V]);
  for (const method of ["gather", "matmul"] as const) {
    const got = segmentLogSumExp(logits, layout, method);
    assert.deepEqual(got.shape, [N, n]);
    const v = got.dataSync();
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < n; k++) {
        let s = 0;
        for (let j = 0; j < V; j++) if (layout.clusterOf[j] === k) s += Math.exp(data[i * V + j]);
        assert.ok(Math.abs(v[i * n + k] - Math.log(s)) < 1e-5, `${method} row ${i} cluster ${k}: ${v[i * n + k]} vs ${Math.log(s)}`);
      }
    }
    got.dispose();
  }
  // gather stays exact when a cluster is 200 nats below the row maximum (matmul would floor it)
  const wide = tf.tensor2d([[0, -200, -201, 0, 0, -200, -201, 5, 5, 5, 5]], [1, V]);
  const g = segmentLogSumExp(wide, layout, "gather").dataSync();
  assert.ok(Math.abs(g[1] - (-201 + Math.log(2))) < 1e-3, `far cluster: ${g[1]}`); // members 2 and 6
  assert.ok(Math.abs(g[0] - (-200 + Math.log(2))) < 1e-3, `far cluster 0: ${g[0]}`); // members 1 and 5
  assert.throws(() => segmentLogSumExp(tf.zeros([2, 7]), layout), /logits last dimension must be vocabSize = 11, got 7/);
  const mean = maskedTokenMean(tf.tensor2d([[1, 2], [3, 100]]), tf.tensor2d([[1, 1], [1, 0]]));
  assert.equal(mean.dataSync()[0], 2);
  tf.dispose([logits, wide, mean]);
});
