// The unit every reader yields: one document's text and where it came from.
// Readers are async iterables of these, so a corpus never has to fit in memory.

/** One document: its full text and a human-readable source (`file`, `file:line`, `tar/member`). */
export interface TextDocument {
  text: string;
  source: string;
}

/** An error about a data file: the message names the file (and line) and says how to fix it. */
export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataFileError";
  }
}

/** Short text of an unknown thrown value, for wrapping library errors into one clear message. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Byte offset of the first byte of `bytes` that is not part of well-formed UTF-8, or -1 when all of it is UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= bytes.length) return i; // not a lead byte, or a sequence cut off by the end
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      const lo = k === 1 && b === 0xe0 ? 0xa0 : k === 1 && b === 0xf0 ? 0x90 : 0x80;
      const hi = k === 1 && b === 0xed ? 0x9f : k === 1 && b === 0xf4 ? 0x8f : 0xbf;
      if (c < lo || c > hi) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** `bytes` as a string; a DataFileError naming `where` and the byte offset if they are not UTF-8 (no silent U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    throw new DataFileError(`${where}: not valid UTF-8 (byte ${bad} is 0x${bytes[bad].toString(16).padStart(2, "0")}); re-encode the file as UTF-8 (iconv -f latin1 -t utf-8)`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}
