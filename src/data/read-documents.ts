// Chooses a reader by path: JSON Lines (.jsonl/.jsonl.gz), parquet, OpenWebText tar/xz, .txt files,
// WikiText raw, and folders of any of these (walked recursively in sorted order).
import * as fs from "fs";
import * as path from "path";
import { DataFileError, TextDocument } from "./document";
import { readJsonLines } from "./read-jsonl";
import { readTextFile } from "./read-txt";
import { readOpenWebTextArchive } from "./read-owt-tar";
import { readParquet } from "./read-parquet";
import { readWikiText, WikiTextOptions } from "./wikitext";

/** The formats a file can be read as. */
export type DataFormat = "jsonl" | "parquet" | "owt-archive" | "txt" | "wikitext";

/** The format of a file from its name, or `undefined` when no reader handles it. */
export function formatOf(file: string): DataFormat | undefined {
  const f = file.toLowerCase();
  if (/\.(jsonl|json|ndjson)(\.gz)?$/.test(f)) return "jsonl";
  if (f.endsWith(".parquet")) return "parquet";
  if (/\.raw(\.gz)?$/.test(f)) return "wikitext";
  if (f.endsWith(".tar") || f.endsWith(".xz")) return "owt-archive";
  if (f.endsWith(".txt")) return "txt";
  return undefined;
}

/**
 * Expands paths into the data files they name, in a stable order: a file stands for itself (its format
 * must be known); a folder for every readable file under it, sorted by relative path.
 */
export function listDataFiles(paths: readonly string[]): string[] {
  if (paths.length === 0) throw new Error("paths must name at least one data file or folder, got []");
  const out: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new DataFileError(`${p}: no such file or folder; check the path (the bundled data is in data/openwebtext)`);
    }
    if (st.isDirectory()) {
      const found: string[] = [];
      const walk = (dir: string): void => {
        for (const name of fs.readdirSync(dir).sort()) {
          const full = path.join(dir, name);
          const s = fs.statSync(full);
          if (s.isDirectory()) walk(full);
          else if (formatOf(full) !== undefined) found.push(full);
        }
      };
      walk(p);
      if (found.length === 0) {
        throw new DataFileError(`${p}: folder holds no readable data file (.jsonl[.gz], .parquet, .tar, .xz, .txt, .raw[.gz])`);
      }
      out.push(...found);
    } else {
      if (formatOf(p) === undefined) {
        throw new DataFileError(`${p}: unknown data format; use .jsonl[.gz], .parquet, .tar/.xz (OpenWebText), .txt, or .raw[.gz] (WikiText)`);
      }
      out.push(p);
    }
  }
  return out;
}

/** Documents of one file, by its format. */
export function readDataFile(file: string, wikitext: WikiTextOptions = {}): AsyncGenerator<TextDocument> {
  const format = formatOf(file);
  switch (format) {
    case "jsonl":
      return readJsonLines(file);
    case "parquet":
      return readParquet(file);
    case "owt-archive":
      return readOpenWebTextArchive(file);
    case "txt":
      return readTextFile(file);
    case "wikitext":
      return readWikiText(file, wikitext);
    case undefined:
      throw new DataFileError(`${file}: unknown data format; use .jsonl[.gz], .parquet, .tar/.xz, .txt or .raw[.gz]`);
  }
}

/** Documents of every file under `paths` (see {@link listDataFiles}), streamed one file after another. */
export async function* readDocuments(paths: readonly string[], wikitext: WikiTextOptions = {}): AsyncGenerator<TextDocument> {
  for (const file of listDataFiles(paths)) yield* readDataFile(file, wikitext);
}
