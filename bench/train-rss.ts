// Peak-RSS probe of the reference training step: one tfjs backend alone in its own process (spawned by bench/index.ts).
// `node --import tsx bench/train-rss.ts <backend> <tiny|reference> <steps>` prints `rss <peak KiB> base <KiB> loss <x>`.
import * as fs from "fs";
import { tf, initEngine, setExplicitTranspose, BACKENDS, BackendName } from "../src/engine";
import { ReferenceModel, REFERENCE_CONFIG, TINY_CONFIG, syntheticBatch } from "./reference-model";

/**
 * Peak resident set (KiB) of this process image: VmHWM from /proc/self/status where Linux has it. getrusage's maxrss is
 * not used there because a child keeps the high-water mark of the parent it was forked from (across exec), so a child
 * of a big bench process would report at least the parent's size.
 */
export function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m !== null) return Number(m[1]);
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS;
}

async function main(): Promise<void> {
  const [backend, configName, stepsArg] = process.argv.slice(2);
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new Error(`backend must be one of ${BACKENDS.join(", ")}, got ${backend}`);
  if (configName !== "tiny" && configName !== "reference") throw new Error(`config must be tiny or reference, got ${configName}`);
  const steps = Number(stepsArg);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${stepsArg}`);
  const config = configName === "tiny" ? TINY_CONFIG : REFERENCE_CONFIG;
  await initEngine({ backend: backend as BackendName });
  setExplicitTranspose(backend === "wasm");
  // Resident memory of the runtime, tfjs and the backend before the model exists (peak so far; for context only).
  const base = peakRssKiB();
  const model = new ReferenceModel(config, 1);
  const batch = syntheticBatch(config, 2);
  let loss = NaN;
  for (let i = 0; i < steps; i++) loss = model.step(batch);
  model.dispose();
  // The same measure as bench/torch_reference.py reports for PyTorch.
  console.log(`rss ${peakRssKiB()} base ${base} loss ${loss}`);
  tf.disposeVariables();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`train-rss failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
