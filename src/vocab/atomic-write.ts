// Atomic file writes for cluster maps, centroids and embedding matrices:
// write a temporary file beside the target, then rename it over the target.
import * as fs from "fs";
import * as path from "path";

/** Writes `data` to `file` atomically (temp file in the same folder, then rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) {
    throw new Error(`cannot write ${file}: folder ${dir} does not exist (create it first)`);
  }
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // the temp file may never have been created
    }
    throw err;
  }
}
