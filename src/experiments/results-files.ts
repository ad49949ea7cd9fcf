// The two result files every experiment command writes (`npm run compare | hybrid | temporal | decoding`):
// `<out>/results.json` (settings, rows) and `<out>/results.md` (the README table), each written atomically so an
// interrupted command never leaves half a table.
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../util/fs";

/** Writes `<out>/results.json` (`json` as one line) and `<out>/results.md` (`md`); returns the JSON file's path. */
export function writeResultFiles(out: string, json: unknown, md: string): string {
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, "results.json");
  writeFileAtomic(file, JSON.stringify(json) + "\n");
  writeFileAtomic(path.join(out, "results.md"), md + "\n");
  return file;
}
