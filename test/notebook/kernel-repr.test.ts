// Tests for the kernel launcher's rich reprs (bin/hdlm-kernel.js): tensor summaries with elided long
// axes, arquero-like tables as HTML, error contents, and the history search glob.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { tf } from "../../src/engine/tf";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const kernel = require(path.join(__dirname, "..", "..", "bin", "hdlm-kernel.js"));

test("tensor repr: shape, dtype, stats and nested values", () => {
  const t = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const text: string = kernel.mimeBundle(t).data["text/plain"];
  assert.equal(text, "Tensor shape [2,3] float32  min 1 max 6 mean 3.5\n[[1, 2, 3],\n [4, 5, 6]]");
  t.dispose();
  assert.equal(kernel.mimeBundle(t).data["text/plain"], "Tensor shape [2,3] float32 (disposed)");
  const s = tf.scalar(0.5);
  assert.equal(kernel.mimeBundle(s).data["text/plain"], "Tensor shape [] float32  min 0.5 max 0.5 mean 0.5\n0.5");
  s.dispose();
});

test("tensor values: long axes keep 3 edge items each side", () => {
  const values = Array.from({ length: 20 }, (_, i) => i);
  assert.equal(kernel.formatValues(values, [20], "int32", 3), "[0, 1, 2, ..., 17, 18, 19]");
  const rows = kernel.formatValues(Array.from({ length: 16 }, (_, i) => i), [8, 2], "int32", 3);
  assert.equal(rows, "[[0, 1],\n [2, 3],\n [4, 5],\n ...,\n [10, 11],\n [12, 13],\n [14, 15]]");
  assert.equal(kernel.formatValues([1, 0], [2], "bool", 3), "[true, false]");
});

test("table-like values get HTML; others get util.inspect text; a symbol picks a custom bundle", () => {
  const table = { toHTML: () => "<table></table>", toMarkdown: () => "|a|", numRows: () => 1, numCols: () => 1 };
  const b = kernel.mimeBundle(table);
  assert.equal(b.data["text/html"], "<table></table>");
  assert.match(b.data["text/plain"], /^Table 1 rows x 1 columns/);
  assert.equal(kernel.mimeBundle("ab").data["text/plain"], "'ab'");
  const custom = { [kernel.MIME_BUNDLE]: () => ({ data: { "text/markdown": "**x**" } }) };
  assert.deepEqual(kernel.mimeBundle(custom), { data: { "text/markdown": "**x**" }, metadata: {} });
});

test("error content: thrown errors, non-errors and type-check diagnostics", () => {
  const e = kernel.errorContent({ kind: "thrown", value: new RangeError("bad k") });
  assert.equal(e.ename, "RangeError");
  assert.equal(e.evalue, "bad k");
  assert.equal(e.traceback[0], "RangeError: bad k");
  const s = kernel.errorContent({ kind: "thrown", value: "oops" });
  assert.deepEqual([s.ename, s.evalue], ["Uncaught", "'oops'"]);
  const d = kernel.errorContent({ kind: "diagnostics", lines: ["1:7 - Type 'string' is not assignable to type 'number'.", "2:1 - x"] });
  assert.equal(d.ename, "TSError");
  assert.equal(d.evalue, "Type 'string' is not assignable to type 'number'. (and 1 more)");
});

test("history search glob: * and ? wildcards, anchored, regex characters literal", () => {
  const re: RegExp = kernel.globToRegExp("1 + 2*");
  assert.ok(re.test("1 + 2"));
  assert.ok(re.test("1 + 2 + 3"));
  assert.ok(!re.test("11 + 2"));
  assert.ok(kernel.globToRegExp("a?c").test("abc"));
  assert.ok(!kernel.globToRegExp("a.c").test("abc"));
});
