// Plain-text documents: one .txt file is one document (a folder of them is a corpus).
// Folders are walked recursively in sorted order, so the document order is stable.
import * as fs from "fs";
import { TextDocument, DataFileError, decodeUtf8 } from "./document";

/** The one document held in a UTF-8 `.txt` file (bytes that are not UTF-8 are an error naming the file and offset). */
export async function* readTextFile(file: string): AsyncGenerator<TextDocument> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new DataFileError(`${file}: cannot read (${(err as Error).message}); check the path and permissions`);
  }
  yield { text: decodeUtf8(bytes, file), source: file };
}
