// Regenerates the bad-inputs corpus test/fixtures/bad/ (committed; run this only to change it):
//   node --import tsx test/reliability/make-fixtures.ts
// Every file is deterministic: fixed texts, fixed cut points and fixed flipped bytes.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { execFileSync } from "child_process";
import { tf } from "../../src/engine/tf";
import { writeCheckpoint } from "../../src/train/checkpoint";
import { encodeNpy } from "../../src/vocab/npy";
import { makeOwtTar, writeParquet } from "../data/fixtures";

const BAD = path.resolve(__dirname, "..", "fixtures", "bad");
const put = (rel: string, data: string | Uint8Array): void => {
  const f = path.join(BAD, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, data);
};
const json = (v: unknown): string => JSON.stringify(v, null, 1) + "\n";
/** `b` with byte `at` XOR 0x5a (a bit flip pattern that changes 4 bits). */
const flip = (b: Uint8Array, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at] ^= 0x5a;
  return c;
};
const half = (b: Uint8Array): Buffer => Buffer.from(b.subarray(0, Math.floor(b.length / 2)));

const TEXTS = Array.from({ length: 12 }, (_, i) => `Document ${i}: the quick brown fox jumps over the lazy dog ${i} times, and the reliability suite reads it back.`);

// ---- configs (hdlm train --config): each field error must be named by its path ----
const base = { preset: "tiny", runDir: "out/reliability/never-written", objective: { kind: "ar" }, steps: 2, batchSize: 2, data: { files: ["data/openwebtext/owt-subset-003.jsonl.gz"], vocabSize: 256 } };
put("configs/wrong-type-steps.json", json({ ...base, steps: "100" }));
put("configs/unknown-field.json", json({ ...base, stepz: 10 }));
put("configs/unknown-nested-field.json", json({ ...base, optim: { learningRate: 0.001 } }));
put("configs/unknown-objective.json", json({ ...base, objective: { kind: "bert" } }));
put("configs/wrong-type-data-files.json", json({ ...base, data: { files: "data/openwebtext/owt-subset-003.jsonl.gz", vocabSize: 256 } }));
put("configs/wrong-type-hdlm-clusters.json", json({ ...base, objective: { kind: "hdlm", numClusters: 2.5 } }));
put("configs/negative-lr.json", json({ ...base, optim: { lr: -1 } }));
put("configs/not-an-object.json", json([base]));
put("configs/truncated.json", json(base).slice(0, 40));
put("configs/empty.json", "");

// ---- cluster maps (objective hdlm, numClusters 4, over the 256-id vocabulary of owt-subset-003) ----
const V = 256;
const good = Array.from({ length: V }, (_, i) => i % 4);
const cmap = (clusterOf: unknown[], extra: Record<string, unknown> = {}): string => json({ n: 4, vocabSize: clusterOf.length, source: "reliability fixture", clusterOf, ...extra });
put("clusters/gap.json", cmap(good.map((k) => (k === 2 ? 3 : k)))); // cluster 2 empty
put("clusters/out-of-range.json", cmap(good.map((k, i) => (i === 5 ? 7 : k))));
put("clusters/negative-id.json", cmap(good.map((k, i) => (i === 9 ? -1 : k))));
put("clusters/wrong-length.json", cmap(good.slice(0, 200)));
put("clusters/string-ids.json", cmap(good.map(String)));
put("clusters/truncated.json", cmap(good).slice(0, 300));
const npy = encodeNpy(Int32Array.from(good), [V]);
put("clusters/truncated.npy", half(npy));
put("clusters/out-of-range.npy", encodeNpy(Int32Array.from(good.map((k, i) => (i === 17 ? 40 : k))), [V]));

// ---- checkpoints (copied to <runDir>/checkpoint.bin, then hdlm train --resume / hdlm sample) ----
const tmp = fs.mkdtempSync(path.join(require("os").tmpdir(), "hdlm-fixtures-"));
const ck = path.join(tmp, "ck.bin");
writeCheckpoint(ck, { "param/w": tf.tensor1d(Array.from({ length: 64 }, (_, i) => i / 64), "float32") }, { step: 3, note: "reliability fixture" });
const ckBytes = fs.readFileSync(ck);
put("checkpoints/truncated.bin", half(ckBytes));
put("checkpoints/bitflip.bin", flip(ckBytes, ckBytes.length - 100)); // inside the tensor bytes
put("checkpoints/empty.bin", "");
{
  // A valid SHA-256 over a header that is not JSON: only the parser can catch it.
  const { createHash } = require("crypto") as typeof import("crypto");
  const header = Buffer.from('{"meta": {"step": 3}, "tensors": [', "utf8");
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32LE(1, 0);
  fixed.writeUInt32LE(header.length, 4);
  const body = Buffer.concat([Buffer.from("HDLMCKPT"), fixed, header, Buffer.alloc(16)]);
  put("checkpoints/bad-header.bin", Buffer.concat([body, createHash("sha256").update(body).digest()]));
  const header2 = Buffer.from('{"meta": {"step": 3}}', "utf8");
  fixed.writeUInt32LE(header2.length, 4);
  const body2 = Buffer.concat([Buffer.from("HDLMCKPT"), fixed, header2]);
  put("checkpoints/no-tensor-list.bin", Buffer.concat([body2, createHash("sha256").update(body2).digest()]));
}

// ---- data files (data.files of a tiny AR config) ----
const jsonl = TEXTS.map((t) => JSON.stringify({ text: t })).join("\n") + "\n";
const gz = zlib.gzipSync(jsonl, { level: 6 });
put("data/truncated.jsonl.gz", half(gz));
put("data/bitflip.jsonl.gz", flip(gz, Math.floor(gz.length / 2)));
put("data/bad-line.jsonl", jsonl.replace('{"text": "Document 3', '{"text": Document 3').replace(`{"text":"Document 3`, `{"text":Document 3`));
put("data/empty.jsonl", "");
put("data/non-utf8.txt", Buffer.concat([Buffer.from("caf"), Buffer.from([0xe9]), Buffer.from(" au lait, encoded as Latin-1, not UTF-8.\n")]));
put("data/non-utf8.jsonl", Buffer.concat([Buffer.from('{"text": "na'), Buffer.from([0xef, 0xf6]), Buffer.from('ve Latin-1"}\n')]));
put("data/unknown-format.dat", "not a data format hdlm reads\n");
put("data/empty-folder/README", "A folder with no readable data file (.jsonl, .parquet, .tar, .xz, .txt, .raw).\n");
const owt = path.join(tmp, "owt.tar");
makeOwtTar(owt, [TEXTS.slice(0, 6), TEXTS.slice(6)]);
const tarBytes = fs.readFileSync(owt);
put("data/truncated.tar", tarBytes.subarray(0, 700)); // cut inside the first member's data
put("data/not-a-tar.tar", Buffer.from("this is plain text with a .tar name, not a tar archive\n".repeat(20)));
const xzInner = execFileSync("python3", ["-c", "import io,lzma,sys,tarfile\nb=io.BytesIO()\nt=tarfile.open(fileobj=b,mode='w',format=tarfile.GNU_FORMAT)\nfor i,s in enumerate(sys.argv[1:]):\n  d=s.encode(); ti=tarfile.TarInfo(f'{i:03d}.txt'); ti.size=len(d); t.addfile(ti,io.BytesIO(d))\nt.close()\nsys.stdout.buffer.write(lzma.compress(b.getvalue(),format=lzma.FORMAT_XZ))", ...TEXTS]);
put("data/truncated.xz", half(xzInner));
put("data/bitflip.xz", flip(xzInner, Math.floor(xzInner.length / 2)));
const pq = path.join(tmp, "p.parquet");
writeParquet(pq, [TEXTS.slice(0, 6), TEXTS.slice(6)]);
const pqBytes = fs.readFileSync(pq);
put("data/truncated.parquet", half(pqBytes));
put("data/bitflip.parquet", flip(pqBytes, pqBytes.length - 6)); // inside the footer length / magic
put("data/no-text-column.parquet", (() => {
  writeParquet(pq, [TEXTS.slice(0, 3)], "content");
  return fs.readFileSync(pq);
})());

// ---- token cache source (the cache is built from it, then damaged, at run time: its folder name hashes the path) ----
put("cache/source.jsonl", jsonl);

// ---- notebooks ----
put("notebooks/throws.ipynb", json({
  cells: [
    { cell_type: "markdown", id: "a1", metadata: {}, source: ["A notebook whose second code cell throws: the runner must stop there and name it."] },
    { cell_type: "code", execution_count: null, id: "a2", metadata: {}, outputs: [], source: ["const x = 40 + 2;"] },
    { cell_type: "code", execution_count: null, id: "a3", metadata: {}, outputs: [], source: ['throw new RangeError("reliability fixture: this cell throws");'] },
    { cell_type: "code", execution_count: null, id: "a4", metadata: {}, outputs: [], source: ['console.log("never runs");'] },
  ],
  metadata: { kernelspec: { display_name: "hdlm-lab (TypeScript)", language: "typescript", name: "hdlm-lab" }, language_info: { name: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
}));
put("jupyter/kernels/hdlm-missing-file/kernel.json", json({
  argv: ["node", "{resource_dir}/no-such-kernel.js", "--config-path", "{connection_file}"],
  display_name: "hdlm-lab (kernel file missing)",
  language: "typescript",
}));

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`wrote ${BAD}`);
