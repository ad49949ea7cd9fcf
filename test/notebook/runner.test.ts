// Tests for the notebook runner (scripts/notebooks.sh -> nbclient through the hdlm-lab kernel): a good
// notebook executes with real execute_results; a broken one fails the run naming the notebook and cell.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

test("runner: executes the good fixture, fails on the broken one naming notebook and cell", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-nb-"));
  try {
    const r = spawnSync(
      "bash",
      ["scripts/notebooks.sh", "--out", out, "test/fixtures/notebooks/good.ipynb", "test/fixtures/notebooks/broken.ipynb"],
      { cwd: root, encoding: "utf8", env: { ...process.env, HDLM_SKIP_BUILD: "1" }, timeout: 120_000 },
    );
    assert.equal(r.status, 1, `runner should exit 1; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, /test\/fixtures\/notebooks\/broken\.ipynb failed at cell 3 \(code cell 2\): Error: deliberate failure in the broken fixture/);
    assert.match(r.stdout, /good\.ipynb ok/);
    const good = JSON.parse(fs.readFileSync(path.join(out, "good.ipynb"), "utf8"));
    const results = good.cells.flatMap((c: { outputs?: { output_type: string }[] }) => c.outputs ?? []).filter((o: { output_type: string }) => o.output_type === "execute_result");
    assert.equal(results.length, 1);
    // nbformat may store a string as a list of lines.
    assert.equal([results[0].data["text/plain"]].flat().join(""), "42");
    assert.equal(results[0].execution_count, 2);
    assert.ok(fs.existsSync(path.join(out, "good.html")));
    // The broken notebook's executed copy shows the error, and the cell after it never ran.
    const broken = JSON.parse(fs.readFileSync(path.join(out, "broken.ipynb"), "utf8"));
    assert.equal(broken.cells[2].outputs[0].output_type, "error");
    assert.deepEqual(broken.cells[3].outputs, []);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
