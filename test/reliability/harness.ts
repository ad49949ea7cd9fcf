// Shared pieces of the reliability suite (scripts/reliability.ts, test/reliability/smoke.test.ts): the real CLI as
// a child process, file-tree hashes (nothing existing may change), and the one-line error check.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn, ChildProcess } from "child_process";

export const REPO = path.resolve(__dirname, "..", "..");
export const BAD = path.join(REPO, "test", "fixtures", "bad");
export const OWT_SMALL = path.join(REPO, "data", "openwebtext", "owt-subset-003.jsonl.gz");

/** Whether dist/ holds a build of every src/ file at least as new as the source (then bin/hdlm.js runs the current code). */
function distIsFresh(): boolean {
  const walk = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).every((e) => {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) return walk(f);
      if (!e.name.endsWith(".ts") || e.name.endsWith(".d.ts")) return true;
      const js = path.join(REPO, "dist", path.relative(path.join(REPO, "src"), f)).replace(/\.ts$/, ".js");
      try {
        return fs.statSync(js).mtimeMs >= fs.statSync(f).mtimeMs;
      } catch {
        return false;
      }
    });
  return walk(path.join(REPO, "src"));
}

let cliMode: "dist" | "tsx" | null = null;

/**
 * The `hdlm` command: bin/hdlm.js (the compiled CLI, twice as fast to start) when dist/ is a fresh build of src/ (as
 * in `npm test`, which builds first), else the TypeScript CLI through tsx. HDLM_RELIABILITY_CLI=dist|tsx forces one.
 */
export function hdlmArgv(args: string[]): string[] {
  cliMode ??= process.env.HDLM_RELIABILITY_CLI === "dist" || process.env.HDLM_RELIABILITY_CLI === "tsx" ? process.env.HDLM_RELIABILITY_CLI : distIsFresh() ? "dist" : "tsx";
  return cliMode === "dist"
    ? [process.execPath, path.join(REPO, "bin", "hdlm.js"), ...args]
    : [process.execPath, "--import", "tsx", path.join(REPO, "src", "cli", "main.ts"), ...args];
}

/** Which CLI `hdlmArgv` runs ("dist" or "tsx"). */
export function cliKind(): string {
  hdlmArgv([]);
  return cliMode === "dist" ? "bin/hdlm.js (dist)" : "src/cli/main.ts (tsx)";
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawns `argv` in the repository root; `onSpawn` sees the child (to kill it). */
export function runChild(argv: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (c: ChildProcess) => void } = {}): Promise<ChildResult> {
  const t0 = Date.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
  options.onSpawn?.(child);
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
}

export const hdlm = (args: string[], options: Parameters<typeof runChild>[1] = {}): Promise<ChildResult> => runChild(hdlmArgv(args), options);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** SHA-256 of every file under each path (a file stands for itself), keyed by path; a missing path maps to "missing". */
export function hashTree(paths: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      out.set(p, "missing");
      return;
    }
    if (st.isDirectory()) {
      out.set(p, "dir");
      for (const n of fs.readdirSync(p).sort()) walk(path.join(p, n));
    } else out.set(p, crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex"));
  };
  for (const p of paths) walk(p);
  return out;
}

/** Paths whose hash differs between two `hashTree` results (added, removed or changed). */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

/** Lines a command prints on stderr that are status, not errors (engine banner, start line, progress). */
const STATUS = /^(hdlm (train|sample|eval|import|export): |data: |tokeniz|\[[#.-]+\] )/i;

/** A stack frame or a Python traceback anywhere in the output. */
export const STACK = /^\s+at .+|^Traceback \(most recent call last\)|^\s+File ".*", line \d+/m;

/**
 * Checks a failed command's output: non-zero exit (not a signal), exactly one error line on stderr (after the status
 * lines; a usage text after a blank line is allowed with exit 2), which contains every `expect` string, and no stack
 * frame in stdout or stderr. Returns the problems (empty = passed) and the error line.
 */
export function checkOneLineError(r: ChildResult, expect: readonly (string | RegExp)[]): { problems: string[]; line: string } {
  const problems: string[] = [];
  if (r.signal !== null) problems.push(`ended by signal ${r.signal}`);
  else if (r.code === 0) problems.push("exit status 0");
  let lines = r.stderr.replace(/\r/g, "\n").split("\n");
  if (r.code === 2) {
    const blank = lines.findIndex((l, i) => i > 0 && l.trim() === "");
    if (blank > 0 && /usage:/.test(lines.slice(blank).join("\n"))) lines = lines.slice(0, blank);
  }
  const errors = lines.filter((l) => l.trim() !== "" && !STATUS.test(l));
  if (errors.length !== 1) problems.push(`${errors.length} error lines on stderr (want 1)`);
  const line = errors[0] ?? "";
  for (const e of expect) {
    const ok = typeof e === "string" ? line.includes(e) : e.test(line);
    if (!ok) problems.push(`error line lacks ${String(e)}`);
  }
  if (STACK.test(r.stderr) || STACK.test(r.stdout)) problems.push("a stack trace in the output");
  return { problems, line };
}

/** Files named like an interrupted atomic write (`.<name>.tmp-<pid>-<time>`) or a token cache build (`<dir>.tmp-...`) under `dir`. */
export function leftoverTemps(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of fs.readdirSync(d)) {
      const f = path.join(d, n);
      if (/\.tmp-\d+-/.test(n)) out.push(f);
      else if (fs.statSync(f).isDirectory()) walk(f);
    }
  };
  walk(dir);
  return out;
}

/** Writes a JSON config file and returns its path. */
export function writeConfig(file: string, config: Record<string, unknown>): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(config, null, 1) + "\n");
  return file;
}

/** The tiny AR config the suite trains (real OpenWebText text, 256-id compact vocabulary), with overrides. */
export function tinyRaw(runDir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { preset: "tiny", objective: { kind: "ar" }, runDir, batchSize: 4, evalBatches: 1, data: { files: [OWT_SMALL], vocabSize: 256 }, ...overrides };
}

/**
 * Differences between the final state of two run folders: every checkpoint tensor compared bit for bit
 * (Object.is per float32) and metrics.jsonl byte for byte. Empty = identical.
 */
export async function compareRuns(a: string, b: string): Promise<string[]> {
  const { readCheckpoint } = await import("../../src/train/checkpoint");
  const out: string[] = [];
  const ca = readCheckpoint(path.join(a, "checkpoint.bin"));
  const cb = readCheckpoint(path.join(b, "checkpoint.bin"));
  if (ca.meta.step !== cb.meta.step) out.push(`step ${String(ca.meta.step)} vs ${String(cb.meta.step)}`);
  const names = Object.keys(ca.tensors);
  if (names.join() !== Object.keys(cb.tensors).join()) out.push("different tensor names");
  for (const n of names) {
    const x = ca.tensors[n].data;
    const y = cb.tensors[n]?.data;
    if (y === undefined || x.length !== y.length || !x.every((v, i) => Object.is(v, y[i]))) out.push(`tensor ${n} differs`);
  }
  const ma = fs.readFileSync(path.join(a, "metrics.jsonl"), "utf8");
  const mb = fs.readFileSync(path.join(b, "metrics.jsonl"), "utf8");
  if (ma !== mb) {
    const la = ma.split("\n");
    const lb = mb.split("\n");
    const i = la.findIndex((l, k) => l !== lb[k]);
    out.push(`metrics.jsonl differs at line ${i + 1}: ${la[i]} vs ${lb[i]}`);
  }
  return out;
}

/** Runs `command` (argv) and returns its exit status (for mount/umount). */
export function sh(argv: string[]): { ok: boolean; err: string } {
  const { spawnSync } = require("child_process") as typeof import("child_process");
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
  return { ok: r.status === 0, err: (r.stderr || r.error?.message || "").trim() };
}
