// JSON Lines reader (plain or gzip), streamed line by line through zlib: the OpenWebText-10k
// layout and the bundled data/openwebtext/*.jsonl.gz files. Each line is `{"text": "..."}`.
import * as fs from "fs";
import * as zlib from "zlib";
import { DataFileError, TextDocument, errorText, firstInvalidUtf8 } from "./document";

/**
 * Lines of a (possibly gzip-compressed) UTF-8 text file, streamed; `\r\n` and `\n` both end a line. Bytes that are
 * not UTF-8 are an error naming the file and line (never silently replaced by U+FFFD).
 */
export async function* readTextLines(file: string, gzip = file.endsWith(".gz")): AsyncGenerator<string> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 16 });
  const stream = gzip ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on("error", (err) => stream.destroy(err));
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const decode = (chunk?: Buffer): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      // `pending` holds no complete line here, so the bad line is the next one plus the newlines before the bad byte.
      const bad = chunk === undefined ? -1 : firstInvalidUtf8(chunk);
      const line = lineNo + 1 + (bad > 0 ? chunk!.subarray(0, bad).filter((b) => b === 0x0a).length : 0);
      throw new DataFileError(`${file}: line ${line} is not valid UTF-8; re-encode the file as UTF-8 (iconv -f latin1 -t utf-8)`);
    }
  };
  let pending = "";
  let lineNo = 0;
  try {
    for await (const chunk of stream) {
      // Search only the new text, so one very long line costs linear time, not quadratic.
      let from = pending.length;
      pending += decode(chunk as Buffer);
      let nl: number;
      while ((nl = pending.indexOf("\n", from)) >= 0) {
        const line = pending.endsWith("\r", nl) ? pending.slice(0, nl - 1) : pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        from = 0;
        lineNo++;
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
  pending += decode();
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
