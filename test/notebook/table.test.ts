// Tests for src/notebook tables: HTML escaping and alignment, aligned text, CSV quoting, arquero input,
// and showTable's single output plus saved CSV.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { htmlTable, showTable, tableRows, textTable, toCsv } from "../../src/notebook/table";
import { MimeBundle, setDisplaySink } from "../../src/notebook/display";

const rows = [
  { name: "a<b>", n: 3, frac: 0.123456 },
  { name: 'say "hi", ok', n: 10, frac: 1 / 3 },
];

test("htmlTable escapes values, right-aligns numeric columns, rounds to digits", () => {
  const html = htmlTable(rows, { caption: "Stats & more" });
  assert.ok(html.includes("a&lt;b&gt;"));
  assert.ok(!html.includes("<b>"));
  assert.ok(html.includes("<caption>Stats &amp; more</caption>"));
  assert.ok(html.includes('<td style="text-align: right;">0.1235</td>'));
  assert.ok(html.includes('<th style="text-align: left;">name</th>'));
  assert.ok(htmlTable(rows, { limit: 1 }).includes("1 more rows (2 in all)"));
});

test("textTable pads columns to the widest cell", () => {
  const lines = textTable([{ k: "alpha", v: 1 }, { k: "b", v: 22 }]).split("\n");
  assert.deepEqual(lines, ["k      v", "-----  --", "alpha  1", "b      22"]);
});

test("toCsv quotes per RFC 4180 and keeps full precision", () => {
  const csv = toCsv(rows);
  assert.equal(csv, `name,n,frac\na<b>,3,0.123456\n"say ""hi"", ok",10,${1 / 3}\n`);
});

test("tableRows accepts an arquero-like table and checks requested columns", () => {
  const t = { objects: () => [{ x: 1, y: 2 }], columnNames: () => ["y", "x"] };
  assert.deepEqual(tableRows(t).columns, ["y", "x"]);
  assert.throws(() => tableRows(rows, ["name", "missing"]), /columns missing not in the table \(it has name, n, frac\)/);
  assert.throws(() => tableRows([1 as unknown as Record<string, unknown>]), /table rows must be objects/);
});

test("showTable displays one html+text bundle and writes out/tables/<name>.csv", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-table-"));
  const prevOut = process.env.HDLM_OUT_DIR;
  process.env.HDLM_OUT_DIR = dir;
  const bundles: MimeBundle[] = [];
  const prev = setDisplaySink((b) => bundles.push(b));
  try {
    const r = showTable(rows, { name: "stats" });
    assert.equal(bundles.length, 1);
    assert.deepEqual(Object.keys(bundles[0]).sort(), ["text/html", "text/plain"]);
    assert.equal(r.csv, path.join(dir, "tables", "stats.csv"));
    assert.equal(fs.readFileSync(r.csv!, "utf8"), toCsv(rows));
    assert.deepEqual(showTable(rows), {});
  } finally {
    setDisplaySink(prev);
    if (prevOut === undefined) delete process.env.HDLM_OUT_DIR;
    else process.env.HDLM_OUT_DIR = prevOut;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
