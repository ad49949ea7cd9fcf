// Test fixtures generated on the fly (never downloaded): OpenWebText tar/xz/tar archives and gzip files via
// python3's tarfile/lzma/gzip, and a minimal parquet writer (one required UTF-8 column, PLAIN, uncompressed).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hdlm-data-${tag}-`));
}

/** Runs a python3 snippet; `args` arrive as sys.argv[1:]. */
export function python(code: string, ...args: string[]): void {
  execFileSync("python3", ["-c", code, ...args], { stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * The original OpenWebText layout: `file` is a tar of `openwebtext/subNN-k_data.xz`; each .xz an xz-compressed
 * tar of `.txt` documents. `docs[k]` are the texts of member k. `truncateLastXz` cuts the last .xz in half.
 */
export function makeOwtTar(file: string, docs: string[][], truncateLastXz = false): void {
  python(
    `
import io, json, lzma, sys, tarfile
docs = json.load(open(sys.argv[2])); trunc = sys.argv[3] == "1"
def tar_bytes(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    return b.getvalue()
outer = []
for k, texts in enumerate(docs):
    inner = tar_bytes([(f"{k:04d}-{i:03d}.txt", t.encode("utf-8")) for i, t in enumerate(texts)])
    xz = lzma.compress(inner, format=lzma.FORMAT_XZ)
    if trunc and k == len(docs) - 1: xz = xz[: len(xz) // 2]
    outer.append((f"openwebtext/urlsf_subset00-{k}_data.xz", xz))
open(sys.argv[1], "wb").write(tar_bytes(outer))
`,
    file,
    writeJson(docs),
    truncateLastXz ? "1" : "0",
  );
}

function writeJson(value: unknown): string {
  const f = path.join(tmpDir("json"), "v.json");
  fs.writeFileSync(f, JSON.stringify(value));
  return f;
}

/** gzip-compresses `data` into `file` (Node's zlib: the same DEFLATE stream format python's gzip writes). */
export function gzipFile(file: string, data: string | Buffer): void {
  fs.writeFileSync(file, zlib.gzipSync(data, { level: 6 }));
}

// ---- minimal parquet writer (thrift compact protocol) ----
class Thrift {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(n: number): void {
    while (n >= 0x80) {
      this.bytes.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    this.bytes.push(n);
  }
  zigzag(n: number): void {
    this.varint(n >= 0 ? 2 * n : -2 * n - 1);
  }
  field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.field(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number): void {
    this.field(id, 6);
    this.zigzag(v);
  }
  str(id: number, s: string): void {
    this.field(id, 8);
    const b = Buffer.from(s, "utf8");
    this.varint(b.length);
    this.bytes.push(...b);
  }
  begin(id?: number): void {
    if (id !== undefined) this.field(id, 12);
    this.last.push(0);
  }
  end(): void {
    this.bytes.push(0);
    this.last.pop();
  }
  list(id: number, elemType: number, n: number): void {
    this.field(id, 9);
    if (n < 15) this.bytes.push((n << 4) | elemType);
    else {
      this.bytes.push(0xf0 | elemType);
      this.varint(n);
    }
  }
}

/** Writes a parquet file with one required BYTE_ARRAY/UTF8 column `column`, one row group per entry of `groups`. */
export function writeParquet(file: string, groups: string[][], column = "text"): void {
  const parts: Buffer[] = [Buffer.from("PAR1")];
  let pos = 4;
  const rowGroups: { offset: number; size: number; rows: number }[] = [];
  for (const rows of groups) {
    const body = Buffer.concat(
      rows.map((r) => {
        const b = Buffer.from(r, "utf8");
        const len = Buffer.alloc(4);
        len.writeUInt32LE(b.length);
        return Buffer.concat([len, b]);
      }),
    );
    const h = new Thrift();
    h.begin();
    h.i32(1, 0); // DATA_PAGE
    h.i32(2, body.length);
    h.i32(3, body.length);
    h.begin(5); // DataPageHeader
    h.i32(1, rows.length);
    h.i32(2, 0); // PLAIN
    h.i32(3, 3); // RLE
    h.i32(4, 3);
    h.end();
    h.end();
    const page = Buffer.concat([Buffer.from(h.bytes), body]);
    rowGroups.push({ offset: pos, size: page.length, rows: rows.length });
    parts.push(page);
    pos += page.length;
  }
  const m = new Thrift();
  m.begin();
  m.i32(1, 1); // version
  m.list(2, 12, 2); // schema
  m.begin();
  m.str(4, "schema");
  m.i32(5, 1);
  m.end();
  m.begin();
  m.i32(1, 6); // BYTE_ARRAY
  m.i32(3, 0); // REQUIRED
  m.str(4, column);
  m.i32(6, 0); // UTF8
  m.end();
  m.i64(3, groups.reduce((a, g) => a + g.length, 0));
  m.list(4, 12, rowGroups.length);
  for (const g of rowGroups) {
    m.begin();
    m.list(1, 12, 1); // columns
    m.begin();
    m.i64(2, g.offset);
    m.begin(3); // ColumnMetaData
    m.i32(1, 6);
    m.list(2, 5, 2);
    m.zigzag(0);
    m.zigzag(3);
    m.list(3, 8, 1);
    const nb = Buffer.from(column, "utf8");
    m.varint(nb.length);
    m.bytes.push(...nb);
    m.i32(4, 0); // UNCOMPRESSED
    m.i64(5, g.rows);
    m.i64(6, g.size);
    m.i64(7, g.size);
    m.i64(9, g.offset);
    m.end();
    m.end();
    m.i64(2, g.size);
    m.i64(3, g.rows);
    m.end();
  }
  m.end();
  const footer = Buffer.from(m.bytes);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  parts.push(footer, len, Buffer.from("PAR1"));
  fs.writeFileSync(file, Buffer.concat(parts));
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
