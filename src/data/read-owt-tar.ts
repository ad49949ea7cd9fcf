// The original OpenWebText layout, streamed: a .tar of `openwebtext/*.xz`, each .xz an
// xz-compressed tar of .txt documents (tar-stream + the WebAssembly xz-decompress).
import * as fs from "fs";
import * as tar from "tar-stream";
import { XzReadableStream } from "xz-decompress";
import { DataFileError, TextDocument, errorText } from "./document";

/** A web ReadableStream over an async iterable of byte chunks (what xz-decompress consumes). */
function toWebStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/**
 * Decompresses an xz stream chunk by chunk. `where` names the member for errors. xz-decompress allows one
 * decoder at a time (a global mutex), so the reader is always cancelled when the consumer stops early.
 */
export async function* xzDecompress(source: AsyncIterable<Uint8Array>, where: string): AsyncGenerator<Uint8Array> {
  const reader = new XzReadableStream(toWebStream(source)).getReader();
  let finished = false;
  try {
    while (true) {
      let r: { done: boolean; value?: Uint8Array };
      try {
        r = await reader.read();
      } catch (err) {
        finished = true; // the decoder released itself when it failed
        throw new DataFileError(
          `${where}: xz data is truncated or corrupt (${errorText(err)}); re-download the file (xz -t checks an .xz file)`,
        );
      }
      if (r.done || !r.value) {
        finished = true;
        return;
      }
      if (r.value.byteLength > 0) yield r.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

/** Feeds an async iterable of bytes into a tar extractor with backpressure; errors destroy it. */
function pump(source: AsyncIterable<Uint8Array>, extract: tar.Extract): void {
  (async () => {
    try {
      for await (const chunk of source) {
        if (!extract.write(chunk)) await new Promise<void>((resolve) => extract.once("drain", () => resolve()));
      }
      extract.end(undefined);
    } catch (err) {
      extract.destroy(err as Error);
    }
  })();
}

/** Reads one tar entry fully (documents are small; the corpus is what must stream). */
async function entryText(entry: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of entry) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Documents of a tar stream: `.txt` members are documents; `.xz` members are xz-compressed tars of
 * `.txt` documents (read recursively); other members are skipped.
 */
async function* readTarStream(source: AsyncIterable<Uint8Array>, where: string): AsyncGenerator<TextDocument> {
  const extract = tar.extract();
  pump(source, extract);
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      if (entry.header.type !== "file") {
        entry.resume();
        continue;
      }
      if (name.endsWith(".txt")) {
        yield { text: await entryText(entry), source: `${where}/${name}` };
      } else if (name.endsWith(".xz")) {
        yield* readTarStream(xzDecompress(entry as AsyncIterable<Uint8Array>, `${where}/${name}`), `${where}/${name}`);
      } else {
        entry.resume();
      }
    }
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw new DataFileError(`${where}: not a readable tar archive (${errorText(err)}); the file is truncated or corrupt, re-download it`);
  } finally {
    extract.destroy();
  }
}

/**
 * Documents of an OpenWebText archive: `urlsf_subsetNN.tar` (tar of `openwebtext/*.xz`), one such `.xz`
 * (an xz-compressed tar of `.txt` files), a `.tar.xz`, or a plain `.tar` of `.txt` files. Streamed: the first
 * document is yielded after reading only the bytes before it.
 */
export async function* readOpenWebTextArchive(file: string): AsyncGenerator<TextDocument> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Uint8Array> & fs.ReadStream;
  try {
    const bytes = file.endsWith(".xz") ? xzDecompress(raw, file) : raw;
    yield* readTarStream(bytes, file);
  } finally {
    raw.destroy();
  }
}
