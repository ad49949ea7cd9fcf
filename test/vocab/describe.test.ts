// Tests of describeClusters: which clusters are shown, member order, sizes and limits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClusterMap, describeClusters } from "../../src/vocab";

const words = ["cat", "dog", "red", "blue", "run", "walk", "green", "mouse", "jump"];
const map = createClusterMap([0, 0, 1, 1, 2, 2, 1, 0, 2], 3);
const decode = (id: number) => words[id];

test("describeClusters: evenly spaced clusters with sizes and decoded members in id order", () => {
  const d = describeClusters(map, decode, 3);
  assert.deepEqual(d, [
    { cluster: 0, size: 3, members: ["cat", "dog", "mouse"] },
    { cluster: 1, size: 3, members: ["red", "blue", "green"] },
    { cluster: 2, size: 3, members: ["run", "walk", "jump"] },
  ]);
  assert.deepEqual(describeClusters(map, decode, 2).map((c) => c.cluster), [0, 1]);
});

test("describeClusters: explicit clusters, display order and maxMembers", () => {
  const d = describeClusters(map, decode, 1, { clusters: [1], order: [6, 3], maxMembers: 2 });
  assert.deepEqual(d, [{ cluster: 1, size: 3, members: ["green", "blue"] }]);
  assert.throws(() => describeClusters(map, decode, 1, { clusters: [3] }), /clusters: 3 is not a cluster index in \[0, 3\)/);
  assert.throws(() => describeClusters(map, decode, 0), /k \(clusters to describe\) must be an integer >= 1/);
});
