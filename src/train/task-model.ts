// Pre-training a small MDLM or HDLM on a synthetic task with the one trainer (temporal.md §6 pipeline step 1): a
// training config over the task's character vocabulary, the loss on the answer span only (prompt held clean), and
// for HDLM the role cluster map (digits / operators / other, src/tasks/char-clusters.ts). Resumable: a finished
// run is left as it is, a killed one continues from its checkpoint.
import * as fs from "fs";
import * as path from "path";
import { CharVocab } from "../tasks/char-vocab";
import { ARITHMETIC_MAX_OPERAND, makeArithmeticTask, type ArithmeticProblem } from "../tasks/arithmetic";
import { charRoleClusters, CHAR_CLUSTER_NAMES } from "../tasks/char-clusters";
import type { Task, TaskAnswer } from "../tasks/task";
import { createClusterMap } from "../vocab/cluster-map";
import { saveClusterMap } from "../vocab/cluster-map-io";
import { resolveConfig, TrainConfig } from "./config";
import { TaskTokenData } from "./task-data";
import { train, TrainResult } from "./trainer";
import type { TrainConfig as RunConfig } from "./config";
import { writeFileAtomic } from "../util/fs";

/** The diffusion methods a task model is pre-trained with. */
export const TASK_MODEL_KINDS = ["mdlm", "hdlm"] as const;
export type TaskModelKind = (typeof TASK_MODEL_KINDS)[number];

/** What to pre-train. */
export interface TaskModelOptions<P, A extends TaskAnswer> {
  runDir: string;
  kind: TaskModelKind;
  task: Task<P, A>;
  vocab: CharVocab;
  train: readonly P[];
  val: readonly P[];
  seed: number;
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps?: number;
  /** DiT sizes (seqLen is L); defaults: the tiny preset's. */
  model?: { hidden?: number; layers?: number; heads?: number; condDim?: number; seqLen?: number };
  promptWidth: number;
  checkpointEvery?: number;
  evalEvery?: number;
  progress?: boolean;
}

/** The training config of a task model (validated by the trainer's resolver; errors name the field). */
export function taskModelConfig<P, A extends TaskAnswer>(o: TaskModelOptions<P, A>): TrainConfig {
  if (!(TASK_MODEL_KINDS as readonly string[]).includes(o.kind)) throw new RangeError(`kind must be one of ${TASK_MODEL_KINDS.map((k) => JSON.stringify(k)).join(", ")}, got ${JSON.stringify(o.kind)}`);
  const objective = o.kind === "mdlm" ? { kind: "mdlm" } : { kind: "hdlm", numClusters: CHAR_CLUSTER_NAMES.length, clusterFile: path.join(o.runDir, "char-clusters.json") };
  return resolveConfig({
    preset: "tiny",
    seed: o.seed,
    runDir: o.runDir,
    steps: o.steps,
    batchSize: o.batchSize,
    model: o.model ?? {},
    objective,
    data: { files: [`task:${o.task.name}`], vocabSize: o.vocab.size, valFraction: 0.1 },
    optim: { lr: o.lr, warmupSteps: o.warmupSteps ?? Math.min(50, Math.floor(o.steps / 10)) },
    logEvery: Math.max(1, Math.floor(o.steps / 50)),
    evalEvery: o.evalEvery ?? Math.max(1, Math.floor(o.steps / 5)),
    evalBatches: 2,
    checkpointEvery: o.checkpointEvery ?? Math.max(1, Math.floor(o.steps / 5)),
  }, "task model");
}

/**
 * Pre-trains (or resumes, or leaves as is when finished) the task model of `o` in `o.runDir` with the trainer;
 * the run folder then loads with `loadRun`. Returns the trainer's result (step = steps when done).
 */
export async function pretrainTaskModel<P, A extends TaskAnswer>(o: TaskModelOptions<P, A>): Promise<TrainResult> {
  const config = taskModelConfig(o);
  const data = new TaskTokenData(o.task, o.vocab, { train: o.train, val: o.val }, config.model.seqLen, o.promptWidth);
  fs.mkdirSync(o.runDir, { recursive: true });
  if (o.kind === "hdlm") {
    const map = createClusterMap(charRoleClusters(o.vocab), CHAR_CLUSTER_NAMES.length, { source: "char roles", settings: { classes: [...CHAR_CLUSTER_NAMES] } });
    saveClusterMap(map, path.join(o.runDir, "char-clusters.json"));
  }
  writeFileAtomic(path.join(o.runDir, TASK_INFO), JSON.stringify({ task: o.task.name, promptWidth: o.promptWidth }) + "\n");
  const resume = fs.existsSync(path.join(o.runDir, "checkpoint.bin"));
  return train(config, { data, resume, progress: o.progress });
}

const TASK_INFO = "task.json";

/**
 * The task and prompt width of a task model's run (`<runDir>/task.json`, or from the config's `task:<name>` data
 * entry with the widest prompt of that task). Only arithmetic task models exist so far; anything else is an error
 * naming the run folder.
 */
export function taskModelInfo(runDir: string, config: RunConfig): { task: Task<ArithmeticProblem, number>; promptWidth: number } {
  const entry = config.data.files[0] ?? "";
  const m = /^task:arithmetic(?:-(\d+))?$/.exec(entry);
  if (m === null) throw new Error(`${runDir} is not a task model run (its config.data.files is ${JSON.stringify(config.data.files)}, not ["task:arithmetic[-N]"])`);
  const maxOperand = m[1] === undefined ? ARITHMETIC_MAX_OPERAND : Number(m[1]);
  const task = makeArithmeticTask(maxOperand);
  const file = path.join(runDir, TASK_INFO);
  let promptWidth = `${maxOperand} * ${maxOperand} = `.length;
  if (fs.existsSync(file)) {
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as { promptWidth?: unknown };
    if (typeof info.promptWidth !== "number" || !Number.isInteger(info.promptWidth) || info.promptWidth < 1) throw new Error(`${file}: promptWidth must be an integer >= 1, got ${String(info.promptWidth)}`);
    promptWidth = info.promptWidth;
  }
  return { task, promptWidth };
}
