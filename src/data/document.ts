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
