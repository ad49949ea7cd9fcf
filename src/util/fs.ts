// Atomic file writes shared by every module that saves state (checkpoints, metrics, cluster maps, vocabularies):
// the bytes go to a temporary file beside the target, optionally fsynced, then are renamed over the target.
import * as fs from "fs";
import * as path from "path";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Create the target's folder if missing (default false: a missing folder is an error naming it). */
  createDir?: boolean;
  /** fsync the file before the rename and the folder after it (default false), so a crash keeps old or new bytes. */
  fsync?: boolean;
}

/**
 * Writes `data` (one buffer/string or several chunks written in order) to `file` atomically: a temporary file in the
 * same folder, then a rename over `file`, so readers see either the old or the new content, never a torn file. The
 * temporary file is removed if anything fails.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | ReadonlyArray<Uint8Array>, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  if (options.createDir) fs.mkdirSync(dir, { recursive: true });
  else if (!fs.existsSync(dir)) throw new Error(`cannot write ${file}: folder ${dir} does not exist (create it first)`);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      if (typeof data === "string" || data instanceof Uint8Array) fs.writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
      else for (const chunk of data) fs.writeSync(fd, chunk);
      if (options.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // the temp file may never have been created, or was already renamed
    }
    throw namedWriteError(file, err);
  }
  if (options.fsync) {
    try {
      const dfd = fs.openSync(dir, "r");
      fs.fsyncSync(dfd);
      fs.closeSync(dfd);
    } catch {
      // Directory fsync is not supported everywhere; the rename itself is still atomic.
    }
  }
}

/**
 * A file-system error of a write (ENOSPC, EROFS, EACCES, ...) as one message naming the target `file` (Node's own
 * message names only the syscall or the temporary file) and saying the old content is intact; `code` is kept.
 */
function namedWriteError(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (!(err instanceof Error) || typeof code !== "string") return err;
  const e = new Error(`cannot write ${file}: ${err.message}; the previous ${path.basename(file)} (if any) is unchanged`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/**
 * Removes the temporary files {@link writeFileAtomic} left beside `file` when a process was killed mid-write
 * (`.<name>.tmp-<pid>-<time>` whose pid is no longer running); returns how many were removed. Errors are ignored
 * (a read-only folder keeps them; they are never read).
 */
export function removeStaleTemps(file: string): number {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.tmp-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed++;
    } catch {
      // gone already, or the folder is read-only
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
