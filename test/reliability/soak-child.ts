// The soak run, in its own process so its RSS is its own: `node --import tsx test/reliability/soak-child.ts
// <config.json> <out.json> <sampleEvery>` trains the config and samples tf.memory().numTensors and RSS every
// `sampleEvery` steps (after the step's metrics line is written), then writes the samples as JSON. Run with
// --expose-gc: every `gcEvery` steps a sample also records RSS and heap after a full collection (what is retained).
import * as fs from "fs";
import { initEngine, describeEngine } from "../../src/engine/select";
import { tf } from "../../src/engine/tf";
import { loadConfig } from "../../src/train/config";
import { train } from "../../src/train/trainer";

async function main(): Promise<void> {
  const [cfgFile, outFile, every, gcEach] = process.argv.slice(2);
  const sampleEvery = Number(every);
  const gcEvery = Number(gcEach);
  const engine = describeEngine(await initEngine()).split(",")[0];
  const config = loadConfig(cfgFile);
  const samples: { step: number; tensors: number; rssMiB: number; heapMiB: number; rssGcMiB: number | null; heapGcMiB: number | null }[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  const t0 = Date.now();
  await train(config, {
    progress: false,
    hooks: {
      onMetrics(line) {
        if (line.split !== "train" || line.step % sampleEvery !== 0) return;
        const m = process.memoryUsage();
        const MiB = 2 ** 20;
        let g: NodeJS.MemoryUsage | null = null;
        if (line.step % gcEvery === 0) {
          gc();
          g = process.memoryUsage();
        }
        samples.push({ step: line.step, tensors: tf.memory().numTensors, rssMiB: m.rss / MiB, heapMiB: m.heapUsed / MiB, rssGcMiB: g && g.rss / MiB, heapGcMiB: g && g.heapUsed / MiB });
      },
    },
  });
  fs.writeFileSync(outFile, JSON.stringify({ engine, steps: config.steps, seconds: (Date.now() - t0) / 1000, samples }) + "\n");
}

main().catch((e) => {
  process.stderr.write(`soak: ${(e as Error).message}\n`);
  process.exit(1);
});
