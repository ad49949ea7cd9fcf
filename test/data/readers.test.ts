// Readers on generated fixtures: OpenWebText tar/xz/tar, JSON Lines (.gz), .txt folders, parquet, WikiText raw;
// streaming (the first document arrives before a corrupt tail is read) and one clear error per corrupt file.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import {
  readDocuments,
  readJsonLines,
  readOpenWebTextArchive,
  readParquet,
  readWikiText,
  detokenizeWikiText,
  listDataFiles,
  DataFileError,
} from "../../src/data";
import * as zlib from "zlib";
import { SeededRng } from "../../src/util/rng";
import { collect, gzipFile, makeOwtTar, tmpDir, writeParquet } from "./fixtures";

const docsA = ["First doc é ünï.\n\nSecond paragraph.", "Another document 🙂", "x"];
const docsB = ["Doc in the second xz", "The end."];

test("OpenWebText tar of xz of tar-of-txt yields every document in order with its member name", async () => {
  const dir = tmpDir("owt");
  const file = path.join(dir, "urlsf_subset00.tar");
  makeOwtTar(file, [docsA, docsB]);
  const got = await collect(readOpenWebTextArchive(file));
  assert.deepEqual(got.map((d) => d.text), [...docsA, ...docsB]);
  assert.equal(got[0].source, `${file}/openwebtext/urlsf_subset00-0_data.xz/0000-000.txt`);
  // the same through the path dispatcher, twice in a row (the xz decoder mutex must be released)
  assert.deepEqual((await collect(readDocuments([file]))).map((d) => d.text), [...docsA, ...docsB]);
  // stopping early releases the decoder too: reading again still works
  for await (const d of readOpenWebTextArchive(file)) {
    assert.equal(d.text, docsA[0]);
    break;
  }
  assert.equal((await collect(readOpenWebTextArchive(file))).length, 5);
});

test("truncated .xz member: documents before it stream out, then one clear error naming the member", async () => {
  const dir = tmpDir("owt-trunc");
  const file = path.join(dir, "bad.tar");
  const big = Array.from({ length: 12 }, (_, i) => `document ${i} ` + "lorem ipsum ".repeat(500 + i));
  makeOwtTar(file, [docsA, big], true);
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const d of readOpenWebTextArchive(file)) seen.push(d.text);
    })(),
    (err: Error) => err instanceof DataFileError && /bad\.tar\/openwebtext\/urlsf_subset00-1_data\.xz: xz data is truncated or corrupt/.test(err.message),
  );
  assert.deepEqual(seen.slice(0, 3), docsA);
  assert.ok(seen.length < 3 + big.length);
});

test("JSON Lines, plain and gzip, and the error for a line without text names file and line", async () => {
  const dir = tmpDir("jsonl");
  const lines = docsA.map((t) => JSON.stringify({ text: t, url: "u" })).join("\n") + "\n\n";
  fs.writeFileSync(path.join(dir, "a.jsonl"), lines.replace(/\n/g, "\r\n"));
  gzipFile(path.join(dir, "b.jsonl.gz"), lines);
  assert.deepEqual((await collect(readJsonLines(path.join(dir, "a.jsonl")))).map((d) => d.text), docsA);
  const gz = await collect(readJsonLines(path.join(dir, "b.jsonl.gz")));
  assert.deepEqual(gz.map((d) => d.text), docsA);
  assert.equal(gz[1].source, `${path.join(dir, "b.jsonl.gz")}:2`);

  const bad = path.join(dir, "c.jsonl.gz");
  gzipFile(bad, `${JSON.stringify({ text: "ok" })}\n${JSON.stringify({ body: "no text" })}\n`);
  await assert.rejects(collect(readJsonLines(bad)), new RegExp(`^DataFileError: ${bad.replace(/[.]/g, "\\.")}:2: no string field "text"`));
  const notJson = path.join(dir, "d.jsonl");
  fs.writeFileSync(notJson, '{"text": "a"}\n{"text": \n');
  await assert.rejects(collect(readJsonLines(notJson)), /d\.jsonl:2: not valid JSON/);
});

test("bad gzip: one clear error naming the file; a corrupt tail does not stop earlier lines from streaming", async () => {
  const dir = tmpDir("badgz");
  const notGz = path.join(dir, "x.jsonl.gz");
  fs.writeFileSync(notGz, "this is not gzip at all");
  await assert.rejects(collect(readJsonLines(notGz)), (e: Error) => e instanceof DataFileError && e.message.startsWith(`${notGz}: not a valid gzip stream`));
  // ~1.6 MB of barely compressible text (far more than one 64 KB read), gzipped and cut short:
  // the first document must arrive before the reader meets the cut.
  const big = path.join(dir, "big.jsonl.gz");
  const rng = new SeededRng(3);
  const words = (n: number): string => Array.from({ length: n }, () => rng.nextUint32().toString(36)).join(" ");
  const firstText = words(2000);
  gzipFile(big, [firstText, ...Array.from({ length: 100 }, () => words(2000))].map((t) => JSON.stringify({ text: t })).join("\n") + "\n");
  const whole = fs.readFileSync(big);
  assert.ok(whole.length > 10 * 65536, `fixture is ${whole.length} bytes`);
  fs.writeFileSync(big, whole.subarray(0, Math.floor(whole.length * 0.6)));
  let first: string | undefined;
  await assert.rejects(
    (async () => {
      for await (const d of readJsonLines(big)) first ??= d.text;
    })(),
    /big\.jsonl\.gz: not a valid gzip stream/,
  );
  assert.equal(first, firstText);
});

test("folders of .txt files: one document per file, sorted recursively; unknown files are skipped", async () => {
  const dir = tmpDir("txt");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "b.txt"), "bee");
  fs.writeFileSync(path.join(dir, "a.txt"), "ay\n\nmore");
  fs.writeFileSync(path.join(dir, "sub", "c.txt"), "sea");
  fs.writeFileSync(path.join(dir, "notes.md"), "ignored");
  assert.deepEqual(listDataFiles([dir]).map((f) => path.relative(dir, f)), ["a.txt", "b.txt", path.join("sub", "c.txt")]);
  const docs = await collect(readDocuments([dir]));
  assert.deepEqual(docs.map((d) => d.text), ["ay\n\nmore", "bee", "sea"]);
  assert.throws(() => listDataFiles([path.join(dir, "notes.md")]), /notes\.md: unknown data format/);
  assert.throws(() => listDataFiles([path.join(dir, "missing")]), /missing: no such file or folder/);
});

test("parquet with a text column, several row groups; missing column and corrupt file give clear errors", async () => {
  const dir = tmpDir("parquet");
  const file = path.join(dir, "train-00000.parquet");
  writeParquet(file, [docsA, docsB]);
  const got = await collect(readParquet(file));
  assert.deepEqual(got.map((d) => d.text), [...docsA, ...docsB]);
  assert.equal(got[4].source, `${file}#4`);
  assert.deepEqual((await collect(readDocuments([dir]))).map((d) => d.text), [...docsA, ...docsB]);

  const other = path.join(dir, "other.parquet");
  writeParquet(other, [["a"]], "content");
  await assert.rejects(collect(readParquet(other)), /other\.parquet: no column "text" \(columns: content\)/);
  const broken = path.join(dir, "broken.parquet");
  fs.writeFileSync(broken, fs.readFileSync(file).subarray(0, 40));
  await assert.rejects(collect(readParquet(broken)), /broken\.parquet: not a readable parquet file/);
});

test("WikiText raw: articles split at top-level headings, concatenating back to the file; lines mode", async () => {
  const dir = tmpDir("wiki");
  const raw = [" ", " = Alpha = ", " ", " Alpha text @-@ more , here . ", " ", " = = Sub = = ", " ", " Sub text ( x ) . ", " ", " = Beta = ", " ", " Beta text . ", " ", ""].join("\n");
  const file = path.join(dir, "wiki.valid.raw");
  fs.writeFileSync(file, raw);
  gzipFile(path.join(dir, "wiki.test.raw.gz"), raw);
  const arts = await collect(readWikiText(file));
  assert.equal(arts.length, 2);
  assert.ok(arts[0].text.includes(" = = Sub = = "), "sub-headings stay inside their article");
  assert.ok(arts[1].text.startsWith(" = Beta = \n"));
  assert.equal(arts.map((a) => a.text).join(""), raw);
  assert.deepEqual((await collect(readWikiText(path.join(dir, "wiki.test.raw.gz")))).map((a) => a.text), arts.map((a) => a.text));
  const lines = await collect(readWikiText(file, { unit: "line" }));
  assert.equal(lines.length, 6);
  const det = await collect(readWikiText(file, { detokenize: true }));
  assert.ok(det[0].text.includes("Alpha text-more, here."), det[0].text);
  assert.ok(det[0].text.includes("== Sub =="));
  assert.equal(detokenizeWikiText("a @,@ b ( c ) 's"), "a,b (c)'s");
  const plain = path.join(dir, "plain.raw");
  fs.writeFileSync(plain, "no headings here\n");
  await assert.rejects(collect(readWikiText(plain)), /plain\.raw: no top-level " = Title = " heading/);
});

test("the bundled WikiText-2 files are real raw WikiText: article titles and byte-exact concatenation", async () => {
  const file = path.join(__dirname, "..", "..", "data", "wikitext-2", "wiki.valid.raw.gz");
  const arts = await collect(readWikiText(file));
  assert.equal(arts.length, 60);
  assert.ok(arts[0].text.includes(" = Homarus gammarus = \n"));
  const bytes = zlib.gunzipSync(fs.readFileSync(file));
  assert.equal(bytes.length, 1146846);
  assert.ok(Buffer.from(arts.map((a) => a.text).join(""), "utf8").equals(bytes));
});
