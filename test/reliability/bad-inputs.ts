// The bad-inputs corpus (test/fixtures/bad/, made by test/reliability/make-fixtures.ts) driven through the real
// CLI: each case must exit non-zero with one error line naming the file or field, no stack trace, and leave the
// input and any existing run folder byte-for-byte unchanged (hashed before and after).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BAD, REPO, OWT_SMALL, ChildResult, changedPaths, checkOneLineError, hashTree, hdlmArgv, leftoverTemps, runChild, tinyRaw, writeConfig } from "./harness";

/** What one case runs and checks. */
interface Prepared {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** Files and folders that must be unchanged afterwards (the input, the run folder). */
  watch: string[];
  /** Substrings or patterns the error line must contain (the file or field). */
  expect: (string | RegExp)[];
  cleanup?: () => void;
}

export interface BadCase {
  id: string;
  kind: "config" | "cluster map" | "checkpoint" | "token cache" | "data file" | "notebook";
  /** The fixture under test/fixtures/bad (or what is damaged at run time). */
  input: string;
  /** Why it cannot run here, or null. */
  skip?: () => string | null;
  prepare(work: string): Promise<Prepared> | Prepared;
}

export interface BadResult {
  id: string;
  kind: BadCase["kind"];
  input: string;
  ok: boolean;
  skipped: string | null;
  exitCode: number | null;
  line: string;
  problems: string[];
  ms: number;
}

const rel = (p: string): string => path.relative(REPO, p);
const fx = (p: string): string => path.join(BAD, p);

/** An existing run folder the command must not touch: notes, metrics lines, and optionally a checkpoint. */
function existingRun(dir: string, checkpoint?: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "notes.txt"), "an existing run folder: nothing here may change\n");
  fs.writeFileSync(path.join(dir, "metrics.jsonl"), '{"step":1,"split":"train","loss":5.5,"lr":0.001,"gradNorm":1,"tokens":64}\n');
  if (checkpoint !== undefined) fs.copyFileSync(checkpoint, path.join(dir, "checkpoint.bin"));
  return dir;
}

function trainCase(work: string, overrides: Record<string, unknown>, watch: string[], expect: (string | RegExp)[], resume = false): Prepared {
  const run = existingRun(path.join(work, "run"));
  const cfg = writeConfig(path.join(work, "config.json"), tinyRaw(run, { steps: 2, ...overrides }));
  return { argv: hdlmArgv(["train", "--config", cfg, ...(resume ? ["--resume"] : [])]), watch: [...watch, run, cfg], expect };
}

const configCase = (name: string, expect: (string | RegExp)[]): BadCase => ({
  id: `config/${name}`,
  kind: "config",
  input: `configs/${name}`,
  prepare: () => ({ argv: hdlmArgv(["train", "--config", fx(`configs/${name}`)]), watch: [fx(`configs/${name}`), path.join(REPO, "out", "reliability", "never-written")], expect: [`configs/${name}`, ...expect] }),
});

const clusterCase = (name: string, expect: (string | RegExp)[]): BadCase => ({
  id: `clusters/${name}`,
  kind: "cluster map",
  input: `clusters/${name}`,
  prepare: (work) => trainCase(work, { objective: { kind: "hdlm", numClusters: 4, clusterFile: fx(`clusters/${name}`) } }, [fx(`clusters/${name}`)], [`clusters/${name}`, ...expect]),
});

/**
 * A data file case. The fixture is copied into the case folder first: the token cache is keyed by path and mtime, so
 * a fresh copy makes the reader run every time (a cache left by an older reader cannot hide a regression); the cache
 * folder the copy may get (a valid but unusable file, e.g. an empty corpus) is removed afterwards.
 */
const dataCase = (name: string, expect: (string | RegExp)[]): BadCase => ({
  id: `data/${name}`,
  kind: "data file",
  input: `data/${name}`,
  prepare: async (work) => {
    const copy = path.join(work, "input", name);
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.cpSync(fx(`data/${name}`), copy, { recursive: true });
    const { tokenCacheDir } = await import("../../src/data/token-cache");
    const { DEFAULT_CACHE_DIR } = await import("../../src/data/corpus");
    let cacheDir: string | null = null;
    try {
      cacheDir = tokenCacheDir({ paths: [copy], cacheDir: DEFAULT_CACHE_DIR });
    } catch {
      // an unreadable path or format: no cache can be made for it
    }
    const p = trainCase(work, { data: { files: [copy], vocabSize: 256, valFraction: 0.5 } }, [fx(`data/${name}`), copy], [copy, ...expect]);
    return { ...p, cleanup: () => cacheDir !== null && fs.rmSync(cacheDir, { recursive: true, force: true }) };
  },
});

const checkpointCase = (name: string, expect: (string | RegExp)[], command: "train" | "sample" = "train"): BadCase => ({
  id: `checkpoint/${name}${command === "sample" ? " (hdlm sample)" : ""}`,
  kind: "checkpoint",
  input: `checkpoints/${name}`,
  prepare: (work) => {
    const run = existingRun(path.join(work, "run"), fx(`checkpoints/${name}`));
    const ck = path.join(run, "checkpoint.bin");
    const watch = [fx(`checkpoints/${name}`), run];
    if (command === "sample") {
      writeConfig(path.join(run, "config.json"), tinyRaw(run, { steps: 2 }));
      return { argv: hdlmArgv(["sample", "--run", run, "--n", "1", "--steps", "2"]), watch, expect: [ck, ...expect] };
    }
    const cfg = writeConfig(path.join(work, "config.json"), tinyRaw(run, { steps: 2 }));
    return { argv: hdlmArgv(["train", "--config", cfg, "--resume"]), watch: [...watch, cfg], expect: [ck, ...expect] };
  },
});

/** A token cache built from a fresh copy of cache/source.jsonl (its folder name hashes path and mtime), then damaged. */
const cacheCase = (name: string, damage: (dir: string) => void): BadCase => ({
  id: `token-cache/${name}`,
  kind: "token cache",
  input: "cache/source.jsonl (cache built, then damaged)",
  prepare: async (work) => {
    const { loadOrBuildTokenCache } = await import("../../src/data/token-cache");
    const { DEFAULT_CACHE_DIR } = await import("../../src/data/corpus");
    const src = path.join(work, "source.jsonl");
    fs.copyFileSync(fx("cache/source.jsonl"), src);
    const { cache } = await loadOrBuildTokenCache({ paths: [src], cacheDir: DEFAULT_CACHE_DIR });
    damage(cache.dir);
    const p = trainCase(work, { data: { files: [src], vocabSize: 16, valFraction: 0.5 } }, [cache.dir, src], ["token cache", cache.dir, "corrupt"]);
    return { ...p, cleanup: () => fs.rmSync(cache.dir, { recursive: true, force: true }) };
  },
});

function jupyterMissing(): string | null {
  try {
    execFileSync(fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3", ["-c", "import nbclient, nbconvert, jupyter_client"], { stdio: "ignore" });
    return null;
  } catch {
    return "Jupyter (nbclient, nbconvert, jupyter_client) is not installed for python3";
  }
}

/** Every case of the corpus, in a fixed order. */
export const BAD_CASES: BadCase[] = [
  configCase("wrong-type-steps.json", ["config.steps", "integer"]),
  configCase("unknown-field.json", ["config.stepz", "not a known field"]),
  configCase("unknown-nested-field.json", ["config.optim.learningRate"]),
  configCase("unknown-objective.json", ["config.objective.kind", "bert"]),
  configCase("wrong-type-data-files.json", ["config.data.files"]),
  configCase("wrong-type-hdlm-clusters.json", ["config.objective.numClusters"]),
  configCase("negative-lr.json", ["config.optim.lr"]),
  configCase("not-an-object.json", ["must be an object"]),
  configCase("truncated.json", ["not valid JSON"]),
  configCase("empty.json", ["not valid JSON"]),

  clusterCase("gap.json", ["cluster 2 has no members"]),
  clusterCase("out-of-range.json", ["clusterOf[5] = 7"]),
  clusterCase("negative-id.json", ["clusterOf[9] = -1"]),
  clusterCase("wrong-length.json", ["vocabSize"]),
  clusterCase("string-ids.json", ["clusterOf[0]"]),
  clusterCase("truncated.json", ["not valid JSON"]),
  clusterCase("truncated.npy", [/truncated|too short|bytes|corrupt/i]),
  clusterCase("out-of-range.npy", ["clusterOf[17] = 40"]),

  checkpointCase("truncated.bin", ["corrupt"]),
  checkpointCase("bitflip.bin", ["corrupt", "SHA-256"]),
  checkpointCase("empty.bin", ["corrupt"]),
  checkpointCase("bad-header.bin", ["corrupt", "header"]),
  checkpointCase("no-tensor-list.bin", ["corrupt", "tensor list"]),
  checkpointCase("bitflip.bin", ["corrupt", "SHA-256"], "sample"),

  cacheCase("truncated-tokens", (d) => {
    const f = path.join(d, "tokens.bin");
    fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2));
  }),
  cacheCase("bitflip-offsets", (d) => {
    const f = path.join(d, "offsets.bin");
    const b = fs.readFileSync(f);
    b[b.length - 3] ^= 0x5a;
    fs.writeFileSync(f, b);
  }),
  cacheCase("truncated-header", (d) => {
    const f = path.join(d, "header.json");
    fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 50));
  }),

  dataCase("truncated.jsonl.gz", ["gzip"]),
  dataCase("bitflip.jsonl.gz", ["gzip"]),
  dataCase("bad-line.jsonl", ["bad-line.jsonl:4", "not valid JSON"]),
  dataCase("empty.jsonl", ["no documents"]),
  dataCase("empty-folder", ["no readable data file"]),
  dataCase("non-utf8.txt", ["UTF-8"]),
  dataCase("non-utf8.jsonl", ["UTF-8"]),
  dataCase("unknown-format.dat", ["unknown data format"]),
  dataCase("truncated.tar", [/tar|truncated/]),
  dataCase("not-a-tar.tar", ["tar"]),
  dataCase("truncated.xz", ["xz"]),
  dataCase("bitflip.xz", ["xz"]),
  dataCase("truncated.parquet", ["parquet"]),
  dataCase("bitflip.parquet", ["parquet"]),
  dataCase("no-text-column.parquet", ['no column "text"']),
  {
    id: "data/missing-file",
    kind: "data file",
    input: "(a path that does not exist)",
    prepare: (work) => trainCase(work, { data: { files: [path.join(work, "no-such.jsonl.gz")], vocabSize: 256 } }, [], ["no-such.jsonl.gz", "no such file"]),
  },

  {
    id: "notebook/throws.ipynb",
    kind: "notebook",
    input: "notebooks/throws.ipynb",
    skip: jupyterMissing,
    prepare: (work) => ({
      argv: ["bash", "scripts/notebooks.sh", "--out", path.join(work, "out"), fx("notebooks/throws.ipynb")],
      env: { HDLM_SKIP_BUILD: "1" },
      watch: [fx("notebooks/throws.ipynb")],
      expect: ["notebooks/throws.ipynb", "code cell 2", "RangeError: reliability fixture: this cell throws"],
    }),
  },
  {
    id: "notebook/kernel-spec-missing-file",
    kind: "notebook",
    input: "jupyter/kernels/hdlm-missing-file/kernel.json",
    skip: jupyterMissing,
    prepare: (work) => ({
      argv: ["bash", "scripts/notebooks.sh", "--kernel", "hdlm-missing-file", "--out", path.join(work, "out"), path.join(REPO, "test", "fixtures", "notebooks", "good.ipynb")],
      env: { HDLM_SKIP_BUILD: "1", JUPYTER_PATH: fx("jupyter") },
      watch: [fx("jupyter")],
      expect: ["hdlm-missing-file/kernel.json", "no-such-kernel.js"],
    }),
  },
];

/** Runs one case in `work` (a fresh folder) and checks it. */
export async function runBadCase(c: BadCase, work: string): Promise<BadResult> {
  const base = { id: c.id, kind: c.kind, input: c.input };
  const why = c.skip?.() ?? null;
  if (why !== null) return { ...base, ok: true, skipped: why, exitCode: null, line: "", problems: [], ms: 0 };
  fs.mkdirSync(work, { recursive: true });
  const p = await c.prepare(work);
  try {
    const before = hashTree(p.watch);
    const r: ChildResult = await runChild(p.argv, { env: p.env, timeoutMs: 180_000 });
    const { problems, line } = checkOneLineError(r, p.expect);
    const changed = changedPaths(before, hashTree(p.watch));
    if (changed.length > 0) problems.push(`changed: ${changed.map(rel).join(", ")}`);
    const temps = p.watch.flatMap((w) => (fs.existsSync(w) && fs.statSync(w).isDirectory() ? leftoverTemps(w) : []));
    if (temps.length > 0) problems.push(`temporary files left: ${temps.map(rel).join(", ")}`);
    if (problems.length > 0 && process.env.HDLM_RELIABILITY_VERBOSE) problems.push(`stderr: ${r.stderr.slice(-2000)}`);
    return { ...base, ok: problems.length === 0, skipped: null, exitCode: r.code, line, problems, ms: r.ms };
  } finally {
    p.cleanup?.();
  }
}

/** Runs every case, `concurrency` at a time, each in its own folder under `root`. */
export async function runBadInputs(root: string, concurrency = 2, onResult?: (r: BadResult) => void): Promise<BadResult[]> {
  const results: BadResult[] = new Array(BAD_CASES.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < BAD_CASES.length) {
      const i = next++;
      const c = BAD_CASES[i];
      results[i] = await runBadCase(c, path.join(root, `case-${String(i).padStart(2, "0")}`));
      onResult?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

export { OWT_SMALL };
