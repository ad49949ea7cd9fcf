// Plain-text documents: one .txt file is one document (a folder of them is a corpus).
// Folders are walked recursively in sorted order, so the document order is stable.
import * as fs from "fs";
import { TextDocument, DataFileError } from "./document";

/** The one document held in a UTF-8 `.txt` file. */
export async function* readTextFile(file: string): AsyncGenerator<TextDocument> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (err) {
    throw new DataFileError(`${file}: cannot read (${(err as Error).message}); check the path and permissions`);
  }
  yield { text, source: file };
}
