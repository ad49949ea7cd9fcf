// JSON Lines reader (plain or gzip), streamed line by line through zlib: the OpenWebText-10k
// layout and the bundled data/openwebtext/*.jsonl.gz files. Each line is `{"text": "..."}`.
import * as fs from "fs";
import * as zlib from "zlib";
import { StringDecoder } from "string_decoder";
import { DataFileError, TextDocument, errorText } from "./document";

/** Lines of a (possibly gzip-compressed) text file, streamed; `\r\n` and `\n` both end a line. */
export async function* readTextLines(file: string, gzip = file.endsWith(".gz")): AsyncGenerator<string> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 16 });
  const stream = gzip ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on("error", (err) => stream.destroy(err));
  const decoder = new StringDecoder("utf8");
  let pending = "";
  try {
    for await (const chunk of stream) {
      // Search only the new text, so one very long line costs linear time, not quadratic.
      let from = pending.length;
      pending += decoder.write(chunk as Buffer);
      let nl: number;
      while ((nl = pending.indexOf("\n", from)) >= 0) {
        const line = pending.endsWith("\r", nl) ? pending.slice(0, nl - 1) : pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        from = 0;
        yield line;
      }
    }
  } catch (err) {
    if (gzip && !(err instanceof DataFileError)) {
      throw new DataFileError(
        `${file}: not a valid gzip stream (${errorText(err)}); the file is truncated or corrupt, re-download or re-create it (gzip -t ${file} checks it)`,
      );
    }
    throw err;
  } finally {
    raw.destroy();
  }
  pending += decoder.end();
  if (pending.length > 0) yield pending;
}

/**
 * Documents of a JSON Lines file (`.jsonl`, `.json`, `.jsonl.gz`), one per non-empty line, from its
 * `text` field (a string). A malformed line throws one error naming `file:line` and the fix.
 */
export async function* readJsonLines(file: string, field = "text"): AsyncGenerator<TextDocument> {
  let lineNo = 0;
  for await (const line of readTextLines(file)) {
    lineNo++;
    if (line.trim() === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      throw new DataFileError(`${file}:${lineNo}: not valid JSON (${errorText(err)}); each line must be one JSON object like {"${field}": "..."}`);
    }
    const text = obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>)[field] : undefined;
    if (typeof text !== "string") {
      throw new DataFileError(`${file}:${lineNo}: no string field "${field}"; each line must be a JSON object like {"${field}": "..."}`);
    }
    yield { text, source: `${file}:${lineNo}` };
  }
}
