// Imports point one way (issue 9): every relative import of a file in src/<folder>/ goes to the same folder or to a
// folder of a lower layer; the folder graph then has no cycles. A violation names the file, the import and both layers.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const SRC = path.resolve(__dirname, "..", "..", "src");

/**
 * Layers from the bottom up; a folder may import folders of its own layer index or lower, never higher. Folders in
 * the same layer may not import each other (that would allow a cycle), except as listed in SIDEWAYS.
 */
export const LAYERS: string[][] = [
  ["engine"],
  ["util"],
  ["schedules"],
  ["processes"],
  ["vocab", "data", "models", "losses", "tasks"],
  ["decoding"],
  ["samplers", "temporal", "hybrid", "r2ft"],
  ["methods", "rl", "checks"],
  ["train", "eval"],
  ["notebook"],
  ["plot"],
  ["experiments", "interop", "cli"],
  ["(root)"],
];

/** Same-layer imports allowed (from -> to); the reverse direction stays forbidden. */
const SIDEWAYS = new Set(["train->eval", "cli->interop"]);

function layerOf(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`src/${folder}/ is in no layer: add it to LAYERS in test/structure/imports.test.ts`);
  return i;
}

function* tsFiles(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

/** The src folder a file or an import target (a file, or a folder's index) belongs to. */
function folderOf(target: string): string {
  const rel = path.relative(SRC, target);
  if (rel.includes(path.sep)) return rel.split(path.sep)[0];
  return fs.existsSync(target) && fs.statSync(target).isDirectory() ? rel : "(root)";
}

test("imports point one way: no upward or same-layer edges between src folders", () => {
  const violations: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = folderOf(file);
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const to = folderOf(path.resolve(path.dirname(file), m[1]));
      if (to === from) continue;
      const lf = layerOf(from);
      const lt = layerOf(to);
      if (lt < lf || SIDEWAYS.has(`${from}->${to}`)) continue;
      violations.push(`${path.relative(SRC, file)} imports "${m[1]}" (${from}, layer ${lf} -> ${to}, layer ${lt})`);
    }
  }
  assert.deepEqual(violations, []);
});
