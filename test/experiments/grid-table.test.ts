// Tests for src/experiments/grid-table.ts: seed combination (estimator error plus seed spread), paired method
// differences seed by seed on the same rows, and the differences table, against hand-computed values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { combineSeeds, differencesMarkdown, methodDifference, methodScores } from "../../src/experiments/grid-table";
import type { GridRow, SetScore } from "../../src/experiments/grid";
import { gridRow } from "./grid-rows";

/** A row scored on two 10-token rows with per-row nats `nats`. */
function row(method: string, seed: number, nats: [number, number]): GridRow {
  const score: SetScore = { natsPerToken: (nats[0] + nats[1]) / 20, stdError: Math.abs(nats[0] - nats[1]) / 20, ppl: NaN, tokens: 20, rows: 2, estimator: "toy", perRow: nats, perRowTokens: [10, 10] };
  return gridRow(method, seed, { scores: { owt: score } });
}

test("combineSeeds: one seed keeps its SE; two add the spread over seeds: sqrt(Σ se² / S² + sd² / S)", () => {
  assert.deepEqual(combineSeeds([{ value: 5, stdError: 0.1 }]), { natsPerToken: 5, stdError: 0.1, seeds: 1 });
  const c = combineSeeds([{ value: 1, stdError: 0.3 }, { value: 3, stdError: 0.4 }]);
  assert.equal(c.natsPerToken, 2);
  // sd² = 2, S = 2: spread term 1; estimator term (0.09 + 0.16) / 4 = 0.0625
  assert.ok(Math.abs(c.stdError - Math.sqrt(1.0625)) < 1e-12, String(c.stdError));
  assert.throws(() => combineSeeds([]), /no scores/);
});

test("methodDifference pairs seed i with seed i (or the single unigram row) and combines the pairs like seeds", () => {
  const rows = [row("unigram", 0, [70, 70]), row("mdlm", 0, [60, 62]), row("mdlm", 1, [58, 60]), row("hdlm", 0, [57, 61]), row("hdlm", 1, [57, 57])];
  // per-row differences hdlm − mdlm: seed 0 (−3, −1) → −0.2 nats/token, SE 0.1; seed 1 (−1, −3) → −0.2, SE 0.1
  const d = methodDifference(rows, "hdlm", "mdlm", "owt")!;
  assert.equal(d.pairs, 2);
  assert.ok(Math.abs(d.diff + 0.2) < 1e-12);
  assert.ok(Math.abs(d.stdError - Math.sqrt((0.01 + 0.01) / 4)) < 1e-12, String(d.stdError));
  assert.equal(d.verdict, "lower");
  const u = methodDifference(rows, "mdlm", "unigram", "owt")!;
  assert.equal(u.pairs, 2, "both MDLM seeds against the one unigram row");
  assert.ok(Math.abs(u.diff - (-0.9 + -1.1) / 2) < 1e-12);
  assert.equal(methodDifference(rows, "hdlm", "mdlm", "wikitext"), null, "a set nobody was scored on");
  assert.equal(methodDifference([...rows, row("gidd", 2, [1, 1])], "gidd", "mdlm", "owt"), null, "no seed in common");
  const m = methodScores(rows, "owt").get("hdlm")!;
  assert.equal(m.seeds, 2);
  assert.ok(Math.abs(m.natsPerToken - (5.9 + 5.7) / 2) < 1e-12);
});

test("differencesMarkdown: a seed-pairs column and the verdict in every cell", () => {
  const rows = [row("mdlm", 0, [60, 62]), row("mdlm", 1, [58, 60]), row("hdlm", 0, [57, 61])];
  const md = differencesMarkdown({ rows, sets: [{ key: "owt", label: "OWT valid", rows: 2, tokens: 20, unkFraction: 0 }] });
  const lines = md.split("\n");
  assert.equal(lines[0], "| a − b | seed pairs | OWT valid (nats/token) |");
  // hdlm seed 0 − mdlm seed 0: rows (−3, −1) → −0.200 ± 0.100: exactly 2 SE, so no difference
  assert.equal(lines[2], "| hdlm − mdlm | 1 | -0.200 ± 0.100: no difference |");
});
