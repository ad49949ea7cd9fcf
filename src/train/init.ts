// Initialising a fresh run from a trained run's parameters (`hdlm train --config ... --init runs/<dir>`): R2FT's
// starting point (decoding.md §3), or any fine-tune whose model layout equals its init run's. Parameters only: the
// optimiser state and the step start fresh.
import * as fs from "fs";
import * as path from "path";
import type { Params } from "../models/params";
import type { ModelConfig } from "../models/config";
import type { ClusterMap } from "../vocab/cluster-map";
import { loadClusterMap } from "../vocab/cluster-map-io";
import { readCheckpoint, restoreTensors } from "./checkpoint";
import { resolveConfig, TrainConfig } from "./config";

/** The objective kind whose parameters a run of `config` takes: the base of an R2FT objective, else its own. */
function paramKind(objective: TrainConfig["objective"]): string {
  return "base" in objective ? (objective.base as { kind: string }).kind : objective.kind;
}

/**
 * Copies every parameter of `<dir>/checkpoint.bin` into `params` (the fresh model of `config`). Checks, each a
 * one-line error naming `init`: the folder is a run with a checkpoint, its objective's model is the one `config`
 * trains (same kind, or the base of an R2FT objective), the vocabulary size and model shape agree, and for HDLM the
 * cluster map equals the init run's `clusters.json`. Returns the init run's step.
 */
export function initFromRun(params: Params, model: ModelConfig, config: TrainConfig, clusters: ClusterMap | null, dir: string): { step: number } {
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`init: run folder ${dir} does not exist (pass the runDir of a trained mdlm or hdlm run)`);
  if (!fs.existsSync(cfgFile)) throw new Error(`init: ${dir} is not a run folder (it has no config.json)`);
  let init: TrainConfig;
  try {
    init = resolveConfig(JSON.parse(fs.readFileSync(cfgFile, "utf8")));
  } catch (e) {
    throw new Error(`init: ${cfgFile}: ${(e as Error).message}`);
  }
  const want = paramKind(config.objective), got = paramKind(init.objective);
  if (want !== got) throw new Error(`init: run ${dir} trained a ${got} model, but this config's objective needs a ${want} model`);
  if (init.data.vocabSize !== config.data.vocabSize) throw new Error(`init: run ${dir} has data.vocabSize ${init.data.vocabSize}, this config ${config.data.vocabSize}; make them equal`);
  for (const k of ["hidden", "layers", "heads", "condDim", "mlpRatio", "auxClusters"] as const) {
    if (init.model[k] !== model[k]) throw new Error(`init: run ${dir} has model.${k} ${init.model[k]}, this config ${model[k]}; make them equal`);
  }
  if ((init.model.arch ?? "hdlm-dit") !== (model.arch ?? "hdlm-dit")) throw new Error(`init: run ${dir} has model.arch ${init.model.arch ?? "hdlm-dit"}, this config ${model.arch ?? "hdlm-dit"}`);
  if (clusters !== null) {
    const cf = path.join(dir, "clusters.json");
    if (!fs.existsSync(cf)) throw new Error(`init: run ${dir} has no clusters.json`);
    const theirs = loadClusterMap(cf, { vocabSize: clusters.vocabSize, numClusters: clusters.numClusters });
    const same = theirs.clusterOf.every((c, v) => c === clusters.clusterOf[v]);
    if (!same) throw new Error(`init: the cluster map differs from run ${dir}'s clusters.json; set objective.base.clusterFile to ${cf}`);
  }
  const ckFile = path.join(dir, "checkpoint.bin");
  if (!fs.existsSync(ckFile)) throw new Error(`init: run folder ${dir} has no checkpoint.bin yet`);
  const ck = readCheckpoint(ckFile);
  restoreTensors(ck, "param", params, ckFile);
  return { step: typeof ck.meta.step === "number" ? ck.meta.step : 0 };
}
