// Hugging Face parquet shards (`plain_text/train/*.parquet`) with a string column `text`,
// read one row group at a time with the pure-JS hyparquet, so a shard never sits in memory whole.
import * as fs from "fs";
import { DataFileError, TextDocument, errorText } from "./document";

/** hyparquet's AsyncBuffer over an open file: byte ranges are read on demand. */
interface FileBuffer {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

async function fileBuffer(handle: fs.promises.FileHandle): Promise<FileBuffer> {
  const byteLength = (await handle.stat()).size;
  return {
    byteLength,
    async slice(start: number, end = byteLength): Promise<ArrayBuffer> {
      const out = new Uint8Array(Math.max(0, end - start));
      let got = 0;
      while (got < out.length) {
        const { bytesRead } = await handle.read(out, got, out.length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return out.buffer;
    },
  };
}

/** Documents of a parquet file's `column` (default `text`), streamed row group by row group. */
export async function* readParquet(file: string, column = "text"): AsyncGenerator<TextDocument> {
  // hyparquet is an ES module; Node >= 20.19 loads it through require (TS emits require for commonjs).
  const hp = await import("hyparquet");
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, "r");
  } catch (err) {
    throw new DataFileError(`${file}: cannot open (${errorText(err)}); check the path`);
  }
  try {
    yield* readParquetRows(hp, file, await fileBuffer(handle), column);
  } finally {
    await handle.close();
  }
}

async function* readParquetRows(hp: typeof import("hyparquet"), file: string, buffer: FileBuffer, column: string): AsyncGenerator<TextDocument> {
  let metadata: Awaited<ReturnType<typeof hp.parquetMetadataAsync>>;
  try {
    metadata = await hp.parquetMetadataAsync(buffer);
  } catch (err) {
    throw new DataFileError(`${file}: not a readable parquet file (${errorText(err)}); it is truncated or corrupt, re-download it`);
  }
  const names = metadata.schema.slice(1).map((s) => s.name);
  if (!names.includes(column)) {
    throw new DataFileError(`${file}: no column "${column}" (columns: ${names.join(", ")}); OpenWebText parquet shards have a string column "text"`);
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await hp.parquetReadObjects({ file: buffer, metadata, columns: [column], rowStart, rowEnd });
    } catch (err) {
      throw new DataFileError(`${file}: rows ${rowStart}-${rowEnd} cannot be decoded (${errorText(err)}); the file is corrupt, re-download it`);
    }
    for (let i = 0; i < rows.length; i++) {
      const text = rows[i][column];
      if (typeof text !== "string") {
        throw new DataFileError(`${file}: row ${rowStart + i} has no string in column "${column}"; remove the row or fix the shard`);
      }
      yield { text, source: `${file}#${rowStart + i}` };
    }
    rowStart = rowEnd;
  }
}
