// GPT-2 BPE: round trips, explicit <|endoftext|> = 50256, agreement with js-tiktoken's gpt2, and the exact
// token counts of the small bundled OpenWebText files listed in data/SOURCES.md.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { getEncoding } from "js-tiktoken";
import { gpt2Encode, gpt2Decode, GPT2_EOT, GPT2_VOCAB_SIZE, gpt2Tokenizer, readJsonLines, ProgressTracker, formatProgress } from "../../src/data";
import type { TokenizeProgress } from "../../src/data";

const samples = ["Hello world", "  leading spaces\n\nand paragraphs", "Ünïcödé — “quotes” 🙂 中文", "", "a<|endoftext|>b", "<|endoftext|><|endoftext|>x<|endoftext|>"];

test("encode/decode round-trips and agrees with js-tiktoken gpt2 (endoftext allowed)", () => {
  const tk = getEncoding("gpt2");
  for (const s of samples) {
    const ids = gpt2Encode(s);
    assert.deepEqual(ids, tk.encode(s, ["<|endoftext|>"]), s);
    assert.equal(gpt2Decode(ids), s);
  }
  assert.equal(GPT2_VOCAB_SIZE, 50257);
  assert.deepEqual(gpt2Encode("<|endoftext|>"), [GPT2_EOT]);
  assert.deepEqual(gpt2Encode("hi<|endoftext|>there"), [5303, 50256, 8117]);
  assert.equal(gpt2Decode([50256]), "<|endoftext|>");
  assert.throws(() => gpt2Decode([50257]), /ids\[0\] must be a GPT-2 id in \[0, 50257\), got 50257/);
});

test("token counts of owt-subset-003 and -002 match data/SOURCES.md exactly (43,982 and 212,295)", async () => {
  const expected: Record<string, [number, number]> = { "owt-subset-003.jsonl.gz": [42, 43982], "owt-subset-002.jsonl.gz": [189, 212295] };
  const tk = getEncoding("gpt2");
  for (const [name, [docs, tokens]] of Object.entries(expected)) {
    let n = 0;
    let t = 0;
    for await (const d of readJsonLines(path.join(__dirname, "..", "..", "data", "openwebtext", name))) {
      const ids = gpt2Tokenizer.encode(d.text);
      if (n < 3) assert.deepEqual(ids, tk.encode(d.text), "js-tiktoken agrees on real documents");
      n++;
      t += ids.length;
    }
    assert.deepEqual([n, t], [docs, tokens], name);
  }
});

test("progress tracker calls the hook every k documents, at file ends and once when done", () => {
  const seen: TokenizeProgress[] = [];
  const tr = new ProgressTracker(2, (p) => seen.push(p), 3);
  for (let i = 0; i < 7; i++) tr.add(10, 40);
  tr.fileDone();
  const last = tr.finish();
  assert.deepEqual(seen.map((p) => p.documents), [3, 6, 7, 7]);
  assert.equal(last.tokens, 70);
  assert.equal(last.chars, 280);
  assert.equal(last.done, true);
  assert.match(formatProgress(last), /^tokenized 1\/2 files  7 docs  70 tokens/);
  assert.throws(() => new ProgressTracker(1, undefined, 0), /progress every must be an integer >= 1, got 0/);
});
