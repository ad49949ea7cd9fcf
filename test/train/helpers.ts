// Test helpers for src/train: real OpenWebText data through src/data (the smallest bundled file, GPT-2 ids mapped
// to a compact vocabulary) and tiny configs in temporary run folders.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openTrainingData, resolveConfig, TokenData, TrainConfig } from "../../src/train";

export const REPO = path.resolve(__dirname, "..", "..");
export const OWT_SMALL = path.join(REPO, "data", "openwebtext", "owt-subset-003.jsonl.gz");

let cached: Promise<TokenData> | null = null;

/**
 * owt-subset-003 (42 real documents, ~44k GPT-2 tokens) through src/data (token cache, hash split with 10%
 * validation), mapped to a 256-id compact vocabulary (EOS, the 254 most frequent GPT-2 ids, UNK).
 */
export function smallOwt(): Promise<TokenData> {
  cached ??= openTrainingData({ kind: "openwebtext", files: [OWT_SMALL], vocabSize: 256, maxDocs: 0, valFraction: 0.1 }, 32, { onProgress: null }).then((r) => r.data);
  return cached;
}

/** A fresh temporary folder. */
export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A resolved tiny-preset config over `smallOwt` in `runDir`, with overrides. */
export function tinyConfig(runDir: string, overrides: Record<string, unknown> = {}): TrainConfig {
  return resolveConfig({
    preset: "tiny",
    objective: { kind: "ar" },
    runDir,
    batchSize: 4,
    data: { files: [OWT_SMALL], vocabSize: 256 },
    ...overrides,
  });
}
