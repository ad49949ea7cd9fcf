// Where notebooks and scripts write artifacts: out/ at the repository root (figures, tables,
// notebooks), or HDLM_OUT_DIR when set; folders are created on first use.
import * as fs from "fs";
import * as path from "path";

/** The hdlm-lab checkout this code runs from (the folder whose package.json is named hdlm-lab). */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "hdlm-lab") return dir;
      } catch {
        // an unreadable package.json is not ours: keep walking up
      }
    }
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** `out/<sub>` (or `$HDLM_OUT_DIR/<sub>`), created if missing. */
export function outDir(sub: string): string {
  const base = process.env.HDLM_OUT_DIR ? path.resolve(process.env.HDLM_OUT_DIR) : path.join(repoRoot(), "out");
  const dir = path.join(base, sub);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Checks an artifact name (file stem) is safe: letters, digits, `.`, `_`, `-`. */
export function checkArtifactName(name: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(`${what} name must be letters, digits, '.', '_' or '-' (a file stem), got ${JSON.stringify(name)}`);
  }
  return name;
}
