// An HDLM run's config as the reference repository's Hydra config (zhouc20/HDLM, hdlm/configs/hdlm-*.yaml): the
// same `defaults` list, the model/training/loss/optimizer sections with the reference's key names, the model size as
// overrides of the `model` group, and the cluster files beside it. Read back, the HDLM objective's fields come out
// unchanged. YAML is written and parsed with the `yaml` package.
import { stringify, parse } from "yaml";
import type { TrainConfig } from "../train/config";
import type { HdlmObjective } from "../methods/hdlm";

/** Where the exported cluster files are, as the config names them. */
export interface ReferenceClusterFiles {
  clusterDict: string;
  centroids: string | null;
}

/** The reference config file name of an HDLM objective (as the repository names its configs). */
export function referenceConfigName(o: HdlmObjective, tag = "lab"): string {
  return `hdlm-${tag}-cluster_${o.numClusters}-gamma_${o.gamma.toFixed(1)}-xi_${o.xi.toFixed(1)}.yaml`;
}

/** The reference Hydra config of HDLM run `config` as YAML text, pointing at `files`. */
export function referenceHdlmConfig(config: TrainConfig, files: ReferenceClusterFiles, source: string): string {
  const o = config.objective;
  if (o.kind !== "hdlm") throw new Error(`a ${o.kind} run has no HDLM config (only hdlm runs export one)`);
  const m = config.model;
  const doc = {
    defaults: [{ logging: "default" }, { data: "owt" }, { model: "small" }, { optimizer: "adam" }, { hydra: "default" }, "_self_"],
    model: {
      type: "diffusion",
      diffusion_process: "hdlm",
      p_uniform: 0.0,
      t_eps: config.tEps,
      cluster_dict_path: files.clusterDict,
      ...(files.centroids === null ? {} : { cluster_embed_path: files.centroids }),
      freeze_embeddings: false,
      use_pretrained_embeddings: files.centroids !== null,
      cluster_size: o.numClusters,
      gamma: o.gamma,
      p_perturb: roundTiny(1 - o.xi),
      hidden_size: m.hidden,
      cond_dim: m.condDim,
      n_blocks: m.layers,
      n_heads: m.heads,
      dropout: 0.0,
      max_seq_len: m.seqLen,
    },
    training: {
      resume: null,
      seed: config.seed,
      train_batch_size: config.batchSize,
      eval_batch_size: config.batchSize,
      num_train_steps: config.steps,
      lr_schedule: "cosine",
      warmup_steps: config.optim.warmupSteps,
      low_discrepancy_sampling: config.timeSampling === "low-discrepancy",
      dtype: "fp32",
      compile_model: false,
    },
    loss: {
      loss_type: "hdlm",
      loss_weighting: "dynamic",
      min_loss_weight: o.minLossWeight,
      max_loss_weight: o.maxLossWeight,
      loss_scale: 1.0,
      reduction: "tokenmean",
      simplified: false,
      mask_only: true,
      cluster_loss_weight: 1.0,
      token_loss_weight: 1.0,
      force_transitting_within: true,
      force_transitting_between: false,
      hard_training: o.hardTraining,
    },
    optimizer: {
      type: "adam",
      lr: config.optim.lr,
      betas: [config.optim.beta1, config.optim.beta2],
      eps: config.optim.eps,
      weight_decay: config.optim.weightDecay,
      grad_clip_norm: config.optim.clipNorm,
    },
  };
  const header = [
    `# Exported by hdlm-lab from ${source}.`,
    `# Reference config of zhouc20/HDLM (hdlm/configs/hdlm-*.yaml); the model group is overridden with this run's size.`,
    `# The run's vocabulary is ${config.data.vocabSize} ids; the cluster dict is written over GPT-2 ids (see the README, "Scaling out").`,
  ];
  return header.join("\n") + "\n" + stringify(doc);
}

function roundTiny(x: number): number {
  return Math.abs(x) < 1e-12 ? 0 : Number(x.toPrecision(12));
}

/**
 * The HDLM objective fields of a reference config (YAML text): cluster_size, gamma, p_perturb (ξ = 1 − p_perturb),
 * the loss-weight clip and hard_training. Throws one line naming the missing or bad key, prefixed by `where`.
 */
export function hdlmObjectiveFromReference(text: string, where: string): HdlmObjective {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${where}: not YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const section = (name: string): Record<string, unknown> => {
    const s = (doc as Record<string, unknown> | null)?.[name];
    if (typeof s !== "object" || s === null || Array.isArray(s)) throw new Error(`${where}: has no ${name} section`);
    return s as Record<string, unknown>;
  };
  const model = section("model");
  const loss = section("loss");
  const num = (s: Record<string, unknown>, sec: string, key: string, fallback?: number): number => {
    const v = s[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: ${sec}.${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (model.diffusion_process !== "hdlm") throw new Error(`${where}: model.diffusion_process must be "hdlm", got ${JSON.stringify(model.diffusion_process)}`);
  const hard = loss.hard_training ?? false;
  if (typeof hard !== "boolean") throw new Error(`${where}: loss.hard_training must be true or false, got ${JSON.stringify(hard)}`);
  return {
    kind: "hdlm",
    gamma: num(model, "model", "gamma", 1),
    numClusters: num(model, "model", "cluster_size"),
    clusterFile: null,
    xi: roundTiny(1 - num(model, "model", "p_perturb", 0)),
    minLossWeight: num(loss, "loss", "min_loss_weight", 0),
    maxLossWeight: num(loss, "loss", "max_loss_weight", 2),
    hardTraining: hard,
  };
}
