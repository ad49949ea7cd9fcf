// Tests for the notebook runner's papercuts (issue 14): `HDLM_SMOKE=1 npm start` keeps smoke mode, a
// fresh `npm ci` has no unreviewed install scripts, the executed .ipynb does not carry plotly.js while
// the HTML export does, and a hung cell is killed and named in one line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

/** A stand-in for Debian's python3: passes jupyter-env.sh's import check and prints HDLM_SMOKE. */
function fakePython(dir: string): string {
  const py = path.join(dir, "python3");
  fs.writeFileSync(py, '#!/usr/bin/env bash\nif [ "$1" = "-c" ]; then exit 0; fi\necho "HDLM_SMOKE=${HDLM_SMOKE-unset} args=$*"\n', { mode: 0o755 });
  return py;
}

test("npm start: HDLM_SMOKE=1 is kept, unset means full size (0)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-start-"));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, HDLM_PY: fakePython(dir), HDLM_SKIP_BUILD: "1" };
    const smoke = spawnSync("bash", ["scripts/start.sh"], { cwd: root, encoding: "utf8", env: { ...env, HDLM_SMOKE: "1" } });
    assert.equal(smoke.status, 0, smoke.stderr);
    assert.match(smoke.stdout, /HDLM_SMOKE=1 args=scripts\/notebooks\.py/);
    const full: NodeJS.ProcessEnv = { ...env };
    delete full.HDLM_SMOKE;
    const r = spawnSync("bash", ["scripts/start.sh"], { cwd: root, encoding: "utf8", env: full });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /HDLM_SMOKE=0 /);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("npm ci: every dependency with install scripts is allowed or denied in package.json allowScripts", () => {
  const r = spawnSync("npm", ["approve-scripts", "--allow-scripts-pending"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /No packages with unreviewed install scripts/, r.stdout);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  // zeromq is denied because it ships prebuilt bindings (its install script only falls back to a build).
  assert.equal(pkg.allowScripts.zeromq, false);
  const prebuilt = path.join(root, "node_modules", "zeromq", "build", process.platform, process.arch, "node");
  assert.ok(fs.existsSync(prebuilt), `zeromq has no prebuilt binding for ${process.platform}-${process.arch}; allow its install script`);
});

test("runner: light .ipynb without plotly.js, self-contained HTML; a hung cell is killed and named", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-nb-"));
  try {
    const t0 = Date.now();
    const r = spawnSync(
      "bash",
      ["scripts/notebooks.sh", "--out", out, "test/notebook/fixtures/plot.ipynb", "test/notebook/fixtures/hung.ipynb"],
      { cwd: root, encoding: "utf8", env: { ...process.env, HDLM_SKIP_BUILD: "1", HDLM_CELL_TIMEOUT: "6" }, timeout: 180_000 },
    );
    const secs = (Date.now() - t0) / 1000;
    assert.equal(r.status, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    // One line for the hung notebook, naming notebook and cell.
    const lines = r.stderr.trim().split("\n");
    assert.deepEqual(lines, ["notebooks: FAILED test/notebook/fixtures/hung.ipynb failed at cell 3 (code cell 2): timed out after 6s (HDLM_CELL_TIMEOUT or --timeout), kernel stopped"]);
    assert.ok(secs < 90, `the hung notebook took ${secs}s`);
    assert.match(r.stdout, /plot\.ipynb ok/);
    const ipynb = fs.readFileSync(path.join(out, "plot.ipynb"), "utf8");
    const html = fs.readFileSync(path.join(out, "plot.html"), "utf8");
    assert.ok(ipynb.length < 100_000, `plot.ipynb is ${ipynb.length} bytes`);
    assert.ok(html.length > 1_000_000, `plot.html is ${html.length} bytes: plotly.js should be inlined`);
    const nb = JSON.parse(ipynb);
    const data = nb.cells[1].outputs[0].data;
    assert.ok(data["application/vnd.plotly.v1+json"], "the plotly MIME part stays");
    assert.match([data["text/html"]].flat().join(""), /plotly\.js omitted/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
