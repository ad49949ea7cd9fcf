// The temporal comparison (npm run temporal) at its smoke size: parts are rows, a rerun skips finished parts, a lost
// row is recomputed from the finished run to the same values; the table's interval is the 95% t-interval.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine } from "../../src/engine";
import { meanInterval, runTemporal, temporalMarkdown, TEMPORAL_SIZES } from "../../src/experiments/temporal";

before(async () => {
  await initEngine();
});

test("meanInterval: mean and the 95% t half-width over seeds", () => {
  const m = meanInterval([1, 2, 3]);
  assert.equal(m.mean, 2);
  assert.ok(Math.abs((m.half as number) - 4.303 * (1 / Math.sqrt(3))) < 1e-12);
  assert.deepEqual(meanInterval([0.5]), { mean: 0.5, half: null, n: 1 });
});

test("runTemporal (smoke): rows per part, a rerun skips them, a lost row is recomputed to the same values", async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-temporal-exp-"));
  const o = { size: TEMPORAL_SIZES.smoke, seeds: [0], kinds: ["mdlm" as const], rewards: ["tse" as const], outDir, progress: false };
  const first = await runTemporal(o);
  assert.deepEqual(first.ran, ["mdlm-seed0-base", "mdlm-seed0-tcr-tse"]);
  assert.deepEqual(first.rows.map((r) => r.variant), ["base", "tcr-tse"]);
  assert.equal(first.rows[1].curve?.length, TEMPORAL_SIZES.smoke.tcr.steps);
  const again = await runTemporal(o);
  assert.deepEqual(again.ran, []);
  fs.rmSync(path.join(outDir, "rows", "mdlm-seed0-tcr-tse.json"));
  const redo = await runTemporal(o);
  assert.deepEqual(redo.ran, ["mdlm-seed0-tcr-tse"]);
  assert.deepEqual(redo.rows[1].report, first.rows[1].report);
  assert.deepEqual(redo.rows[1].curve, first.rows[1].curve);
  const md = temporalMarkdown(redo.rows, ["tse"]);
  assert.match(md, /^\| held-out accuracy \(%\) \| MDLM \|$/m);
  assert.match(md, /^\| base, temporal voting \(exp\) \| \d+\.\d \|$/m);
  assert.match(md, /^\| TCR −TSE \(no labels\), final pass \| \d+\.\d \|$/m);
});
