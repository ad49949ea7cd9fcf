// Temporal Consistency Reinforcement (temporal.md §5): diffu-GRPO on a pre-trained task model. Each step samples G
// completions of a few training prompts with the per-step answers recorded, rewards them (−TSE, TSE + accuracy, or
// accuracy), takes group-mean advantages and runs μ clipped-surrogate updates with the k3 KL to a reference that is
// re-synced every K steps; the one-step log-probabilities use one mask seed per inner iteration for the old,
// reference and current passes. Checkpoints are atomic and a killed run resumes to the same state.
import * as fs from "fs";
import * as path from "path";
import { tf } from "../engine/tf";
import type { ModelConfig } from "../models/config";
import { disposeParams, Params } from "../models/params";
import { ditDenoiser } from "../methods/denoiser";
import type { Sampler } from "../samplers/sampler";
import type { CharVocab } from "../tasks/char-vocab";
import type { Task, TaskAnswer } from "../tasks/task";
import { groupAdvantages } from "../rl/advantages";
import { oneStepLogProbs, innerMaskSeeds, IdRows } from "../rl/estimator";
import { completionMask, grpoLoss, grpoStats, GRPO_BETA, GRPO_EPSILON } from "../rl/grpo-loss";
import { checkRewardName, numericAccuracyReward, RewardName, TSE_REWARD_LAMBDA } from "../rl/rewards";
import { trajectoryReward } from "../rl/trajectory-reward";
import { sampleTrajectories } from "../rl/trajectories";
import { ConfigError, fail, integer, number, object, opt, string } from "../util/validate";
import { firstDifference } from "../util/json-diff";
import { writeFileAtomic } from "../util/fs";
import { checkInterrupt } from "../util/interrupt";
import { AdamW, DEFAULT_OPTIM } from "./optimizer";
import { readCheckpoint, restoreTensors, writeCheckpoint } from "./checkpoint";
import { loadRun, LoadedRun } from "./load-run";
import { Progress } from "./progress";
import { hash32, streamRng, STREAM } from "./streams";
import { taskPrompt } from "./task-data";

/** A TCR run's settings (temporal.md §5 defaults where they fit a tiny model; lr scaled to the model). */
export interface TcrConfig {
  /** The run folder (checkpoint.bin, metrics.jsonl, tcr.json). */
  runDir: string;
  /** The pre-trained task model's run folder (loaded with loadRun). */
  baseRun: string;
  reward: RewardName;
  /** G completions per prompt (>= 2). */
  groupSize: number;
  promptsPerStep: number;
  /** Outer steps (rollout batches). */
  steps: number;
  /** μ inner updates per rollout batch. */
  innerUpdates: number;
  /** Re-sync the reference to the policy every K steps. */
  refSyncEvery: number;
  lr: number;
  epsilon: number;
  beta: number;
  /** λ of the TSE-only reward. */
  lambda: number;
  /** Sampler steps S and temperature of the rollouts. */
  sampleSteps: number;
  temperature: number;
  /** Width of the clean prompt (the completion starts there). */
  promptWidth: number;
  seed: number;
  checkpointEvery: number;
}

const FIELDS = ["runDir", "baseRun", "reward", "groupSize", "promptsPerStep", "steps", "innerUpdates", "refSyncEvery", "lr", "epsilon", "beta", "lambda", "sampleSteps", "temperature", "promptWidth", "seed", "checkpointEvery"] as const;

/**
 * Validates a raw TCR config (errors: one line naming `<source>.<field>`): an unknown reward name, G < 2 and the
 * other bad values are refused; defaults G = 6, μ = 2, K = 64, ε = 0.5, β = 0.04, λ = 2, temperature 0.9.
 */
export function parseTcrConfig(raw: unknown, source = "tcr"): TcrConfig {
  try {
    const o = object(raw, source, FIELDS);
    const p = (k: string) => `${source}.${k}`;
    if (o.runDir === undefined) fail(p("runDir"), "is required");
    if (o.baseRun === undefined) fail(p("baseRun"), "is required (the pre-trained run folder)");
    let reward: RewardName;
    try {
      reward = checkRewardName(o.reward, p("reward"));
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    return {
      runDir: string(o.runDir, p("runDir")),
      baseRun: string(o.baseRun, p("baseRun")),
      reward,
      groupSize: opt(o, "groupSize", source, 6, (v, q) => integer(v, q, 2)),
      promptsPerStep: opt(o, "promptsPerStep", source, 4, (v, q) => integer(v, q, 1)),
      steps: opt(o, "steps", source, 20, (v, q) => integer(v, q, 1)),
      innerUpdates: opt(o, "innerUpdates", source, 2, (v, q) => integer(v, q, 1)),
      refSyncEvery: opt(o, "refSyncEvery", source, 64, (v, q) => integer(v, q, 1)),
      lr: opt(o, "lr", source, 1e-4, (v, q) => number(v, q, 0, 1, true)),
      epsilon: opt(o, "epsilon", source, GRPO_EPSILON, (v, q) => number(v, q, 0, 0.999, true)),
      beta: opt(o, "beta", source, GRPO_BETA, (v, q) => number(v, q, 0, 1e3)),
      lambda: opt(o, "lambda", source, TSE_REWARD_LAMBDA, (v, q) => number(v, q, 0, 1e3)),
      sampleSteps: opt(o, "sampleSteps", source, 12, (v, q) => integer(v, q, 2)),
      temperature: opt(o, "temperature", source, 0.9, (v, q) => number(v, q, 0, 100)),
      promptWidth: opt(o, "promptWidth", source, 10, (v, q) => integer(v, q, 1)),
      seed: opt(o, "seed", source, 0, (v, q) => integer(v, q, 0)),
      checkpointEvery: opt(o, "checkpointEvery", source, 5, (v, q) => integer(v, q, 1)),
    };
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(e.message);
    throw e;
  }
}

/** One line of a TCR run's metrics.jsonl. */
export interface TcrMetrics {
  step: number;
  /** Mean reward, final-answer accuracy and TSE of the step's rollouts. */
  reward: number;
  accuracy: number;
  tse: number;
  /** GRPO loss on the first inner mask before the updates (ρ = 1) and after all μ of them, with its mean k3 KL and clip fraction. */
  lossBefore: number;
  loss: number;
  kl: number;
  clipFraction: number;
}

/** What a task's TCR run needs besides its config. */
export interface TcrSetup<P, A extends TaskAnswer> {
  task: Task<P, A>;
  vocab: CharVocab;
  /** Training prompts (never the held-out set). */
  train: readonly P[];
  /** The task's accuracy reward of a final answer (default: 2 if correct, else 0, temporal.md §5.1 GSM8K-style). */
  accuracyReward?: (final: A | null, problem: P, correct: boolean) => number;
}

const CHECKPOINT = "checkpoint.bin";
const METRICS = "metrics.jsonl";

/** A TCR policy: the loaded base run's parameters (trained in place), a frozen reference copy and AdamW. */
export class TcrTrainer<P, A extends TaskAnswer> {
  readonly base: LoadedRun;
  readonly params: Params;
  readonly ref: Params;
  readonly optimizer: AdamW;
  readonly model: ModelConfig;
  readonly sampler: Sampler;
  step = 0;

  constructor(readonly config: TcrConfig, readonly setup: TcrSetup<P, A>) {
    if (setup.train.length === 0) throw new RangeError("train must hold at least one problem");
    this.base = loadRun(config.baseRun);
    if (this.base.modelKind !== "dit") {
      this.base.dispose();
      throw new Error(`baseRun ${config.baseRun} is an ${this.base.config.objective.kind} run; TCR needs a diffusion (mdlm or hdlm) run`);
    }
    this.model = this.base.model;
    if (config.promptWidth >= this.model.seqLen) {
      this.base.dispose();
      throw new Error(`tcr.promptWidth ${config.promptWidth} must be less than the model's sequence length ${this.model.seqLen} (the prompt is longer than the sequence)`);
    }
    this.params = this.base.params;
    this.ref = {};
    for (const [n, v] of Object.entries(this.params)) this.ref[n] = tf.tidy(() => tf.variable(v.clone(), false));
    this.optimizer = new AdamW(this.params, { ...DEFAULT_OPTIM, lr: config.lr, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, clipNorm: 0.2, warmupSteps: 1, minLrRatio: 1 }, config.steps * config.innerUpdates);
    this.sampler = this.base.tools({ steps: config.sampleSteps, temperature: config.temperature }).sampler;
  }

  private get V(): number {
    return this.base.vocabSize;
  }

  /** The step's prompts: `promptsPerStep` training problems drawn from hash(seed, step). */
  prompts(step: number): P[] {
    const rng = streamRng(this.config.seed, step, STREAM.data);
    return Array.from({ length: this.config.promptsPerStep }, () => this.setup.train[rng.int(this.setup.train.length)]);
  }

  /** Runs TCR step `step + 1`: rollouts, rewards, advantages, μ updates, reference re-sync. */
  trainStep(): TcrMetrics {
    const k = this.step + 1;
    const c = this.config;
    const { task, vocab } = this.setup;
    const G = c.groupSize;
    const L = this.model.seqLen, Lp = c.promptWidth, Lc = L - Lp;
    const problems = this.prompts(k);
    const policy = ditDenoiser(this.params, this.model);
    const trajs = sampleTrajectories(this.sampler, (z, t) => policy(z, t), task, vocab, problems, (p) => taskPrompt(task, vocab, p, Lp, L), { repeats: G, seed: hash32(c.seed, k, STREAM.sample) });
    const accuracyReward = this.setup.accuracyReward ?? ((_f: A | null, _p: P, correct: boolean) => numericAccuracyReward(correct));
    let acc = 0, tseSum = 0;
    const rewards = trajs.map((t) => {
      const r = trajectoryReward(c.reward, t.answers, { correct: t.correct, accuracy: accuracyReward(t.final, problems[t.problem], t.correct) }, { lambda: c.lambda });
      acc += t.correct ? 1 : 0;
      tseSum += r.tse.tse;
      return r.reward;
    });
    const adv = groupAdvantages(rewards, G);
    const B = trajs.length;
    const promptRows: IdRows = { batch: B, length: Lp, data: new Int32Array(B * Lp) };
    const compRows: IdRows = { batch: B, length: Lc, data: new Int32Array(B * Lc) };
    trajs.forEach((t, b) => {
      (promptRows.data as Int32Array).set(taskPrompt(task, vocab, problems[t.problem], Lp, L).subarray(0, Lp), b * Lp);
      (compRows.data as Int32Array).set(t.completion, b * Lc);
    });
    const seeds = innerMaskSeeds(hash32(c.seed, k, STREAM.noise), c.innerUpdates);
    const est = (params: Params, seed: number) => oneStepLogProbs((z, t) => ditDenoiser(params, this.model)(z, t), promptRows, compRows, { seed, maskId: this.V, vocabSize: this.V });
    const mask = completionMask({ batch: B, length: Lc, data: compRows.data }, vocab.eos);
    const advT = tf.tensor1d(Float32Array.from(adv));
    // Old (the sampling policy) and reference log-probabilities, one per inner mask seed, before any update.
    const old = seeds.map((s) => est(this.params, s));
    const ref = c.beta > 0 ? seeds.map((s) => est(this.ref, s)) : [];
    const vars = Object.entries(this.params);
    let stats = { loss: 0, meanKl: 0, clipFraction: 0 };
    let lossBefore = 0;
    try {
      seeds.forEach((s, i) => {
        const inputs = (logp: tf.Tensor2D) => ({ logp, oldLogp: old[i], refLogp: ref[i], advantages: advT, mask });
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => grpoLoss(inputs(est(this.params, s)), { epsilon: c.epsilon, beta: c.beta }), vars.map(([, v]) => v));
          if (i === 0) lossBefore = value.dataSync()[0];
          const byName: Record<string, tf.Tensor> = {};
          for (const [n, v] of vars) if (grads[v.name] !== undefined) byName[n] = grads[v.name];
          this.optimizer.apply(byName);
        });
      });
      // The first mask seed again, after all μ updates: the same surrogate as lossBefore, now with ρ ≠ 1.
      const logp = est(this.params, seeds[0]);
      stats = grpoStats({ logp, oldLogp: old[0], refLogp: ref[0], advantages: advT, mask }, { epsilon: c.epsilon, beta: c.beta });
      logp.dispose();
    } finally {
      tf.dispose([...old, ...ref, mask, advT]);
    }
    if (k % c.refSyncEvery === 0) for (const [n, v] of Object.entries(this.params)) this.ref[n].assign(v);
    this.step = k;
    return { step: k, reward: rewards.reduce((s, r) => s + r, 0) / B, accuracy: acc / B, tse: tseSum / B, lossBefore, loss: stats.loss, kl: stats.meanKl, clipFraction: stats.clipFraction };
  }

  /** Writes `<runDir>/checkpoint.bin` atomically: policy, reference, AdamW moments, step and config. */
  saveCheckpoint(): void {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [n, v] of Object.entries(this.params)) tensors[`param/${n}`] = v;
    for (const [n, v] of Object.entries(this.ref)) tensors[`ref/${n}`] = v;
    for (const [n, v] of Object.entries(this.optimizer.m)) tensors[`adam.m/${n}`] = v;
    for (const [n, v] of Object.entries(this.optimizer.v)) tensors[`adam.v/${n}`] = v;
    writeCheckpoint(path.join(this.config.runDir, CHECKPOINT), tensors, { step: this.step, optimizerStep: this.optimizer.step, kind: "tcr", config: this.config, base: { objective: this.base.config.objective, model: this.base.config.model } });
  }

  /** Restores policy, reference, optimiser state and step (the config must match). */
  loadCheckpoint(): void {
    const file = path.join(this.config.runDir, CHECKPOINT);
    const ck = readCheckpoint(file);
    const diff = firstDifference(JSON.parse(JSON.stringify(this.config)), ck.meta.config, "tcr");
    if (diff !== null) throw new Error(`cannot resume: ${diff} differs from the run in ${file}; use the same settings or a new runDir`);
    restoreTensors(ck, "param", this.params, file);
    restoreTensors(ck, "ref", this.ref, file);
    restoreTensors(ck, "adam.m", this.optimizer.m, file);
    restoreTensors(ck, "adam.v", this.optimizer.v, file);
    this.optimizer.step = ck.meta.optimizerStep as number;
    this.step = ck.meta.step as number;
  }

  dispose(): void {
    this.base.dispose();
    disposeParams(this.ref);
    this.optimizer.dispose();
  }
}

/** What {@link runTcr} returns: the metrics of every step of the run (resumed steps included, from the file). */
export interface TcrResult {
  step: number;
  metrics: TcrMetrics[];
}

/** Reads `<runDir>/metrics.jsonl` (lines torn by a kill are skipped). */
export function readTcrMetrics(runDir: string): TcrMetrics[] {
  const file = path.join(runDir, METRICS);
  if (!fs.existsSync(file)) return [];
  const out: TcrMetrics[] = [];
  for (const l of fs.readFileSync(file, "utf8").split("\n")) {
    try {
      out.push(JSON.parse(l) as TcrMetrics);
    } catch {
      /* an empty or torn line */
    }
  }
  return out;
}

/**
 * Runs (or resumes, when `<runDir>/checkpoint.bin` exists) a TCR run to `config.steps`, checkpointing every
 * `checkpointEvery` steps and at the end; metrics lines a killed run wrote after its last checkpoint are dropped.
 * `keep` (optional) receives the trainer before it is disposed (to sample the trained policy).
 */
export async function runTcr<P, A extends TaskAnswer>(
  config: TcrConfig,
  setup: TcrSetup<P, A>,
  options: { progress?: boolean; onMetrics?(m: TcrMetrics): void; keep?(trainer: TcrTrainer<P, A>): void | Promise<void> } = {},
): Promise<TcrResult> {
  const trainer = new TcrTrainer(config, setup);
  const metricsFile = path.join(config.runDir, METRICS);
  try {
    if (fs.existsSync(path.join(config.runDir, CHECKPOINT))) {
      trainer.loadCheckpoint();
      const kept = readTcrMetrics(config.runDir).filter((m) => m.step <= trainer.step);
      writeFileAtomic(metricsFile, kept.map((m) => JSON.stringify(m) + "\n").join(""));
    } else {
      fs.mkdirSync(config.runDir, { recursive: true });
      fs.writeFileSync(metricsFile, "");
    }
    writeFileAtomic(path.join(config.runDir, "tcr.json"), JSON.stringify(config, null, 2) + "\n");
    const progress = new Progress(config.steps, options.progress);
    const t0 = Date.now();
    const start = trainer.step;
    while (trainer.step < config.steps) {
      await checkInterrupt();
      const m = trainer.trainStep();
      fs.appendFileSync(metricsFile, JSON.stringify(m) + "\n");
      options.onMetrics?.(m);
      if (m.step % config.checkpointEvery === 0 || m.step === config.steps) trainer.saveCheckpoint();
      const secs = (Date.now() - t0) / 1000;
      const rolloutTokens = config.promptsPerStep * config.groupSize * trainer.model.seqLen;
      progress.update(m.step, m.loss, secs > 0 ? ((m.step - start) * rolloutTokens) / secs : 0, null);
    }
    progress.done();
    if (options.keep) await options.keep(trainer);
    return { step: trainer.step, metrics: readTcrMetrics(config.runDir) };
  } finally {
    trainer.dispose();
  }
}

/**
 * The policy of a TCR run folder: its base run (loadRun of `tcr.json`'s baseRun) with the parameters of
 * `<dir>/checkpoint.bin`, and the run's settings. Errors name the folder.
 */
export function loadTcrPolicy(dir: string): { run: LoadedRun; config: TcrConfig; step: number } {
  const cfgFile = path.join(dir, "tcr.json");
  if (!fs.existsSync(cfgFile)) throw new Error(`${dir} is not a TCR run folder: it has no tcr.json`);
  let config: TcrConfig;
  try {
    config = parseTcrConfig(JSON.parse(fs.readFileSync(cfgFile, "utf8")));
  } catch (e) {
    throw new Error(`${cfgFile}: ${(e as Error).message}`);
  }
  const file = path.join(dir, CHECKPOINT);
  const ck = readCheckpoint(file);
  const run = loadRun(config.baseRun);
  try {
    restoreTensors(ck, "param", run.params, file);
  } catch (e) {
    run.dispose();
    throw e;
  }
  return { run, config, step: ck.meta.step as number };
}
