// The one place that maps an objective's kind to its method: one line per method. A new method is one new file in
// src/methods plus one line here (and its config fields in src/train/config.ts).
import { arMethod, type ArObjective } from "./ar";
import { mdlmMethod, type MdlmObjective } from "./mdlm";
import { hdlmMethod, hdlmClusters, type HdlmObjective } from "./hdlm";
import type { ClusterMap } from "../vocab/cluster-map";
import type { TokenStream } from "../vocab/embeddings-cooc";
import { giddMethod, type GiddObjective } from "./gidd";
import type { Method, MethodContext } from "./types";

/** Every objective config; each kind has exactly one method. */
export type ObjectiveConfig = ArObjective | MdlmObjective | HdlmObjective | GiddObjective;

type Builders = { [K in ObjectiveConfig["kind"]]: (o: Extract<ObjectiveConfig, { kind: K }>, ctx: MethodContext) => Method };

const METHODS: Builders = {
  ar: arMethod,
  mdlm: mdlmMethod,
  hdlm: hdlmMethod,
  gidd: giddMethod,
};

/** Objective kinds with a method (for validation and error messages). */
export const OBJECTIVE_KINDS = Object.keys(METHODS) as ObjectiveConfig["kind"][];

/** The method of objective config `o` over the context's vocabulary (and cluster map, for HDLM). */
export function makeMethod(o: ObjectiveConfig, ctx: MethodContext): Method {
  const build = METHODS[o.kind] as ((o: ObjectiveConfig, ctx: MethodContext) => Method) | undefined;
  if (build === undefined) throw new Error(`objective.kind ${JSON.stringify((o as { kind: unknown }).kind)} has no method (known: ${OBJECTIVE_KINDS.join(", ")})`);
  return build(o, ctx);
}

type ClusterBuilders = { [K in ObjectiveConfig["kind"]]?: (o: Extract<ObjectiveConfig, { kind: K }>, source: ClusterSource, seed: number) => ClusterMap };

/** What a method's cluster map is built from: the vocabulary and the training tokens. */
export interface ClusterSource {
  vocabSize: number;
  trainTokens(): TokenStream;
}

const CLUSTERS: ClusterBuilders = {
  hdlm: hdlmClusters,
};

/** The cluster map objective `o` trains with (null when its method has none), built from `source` with `seed`. */
export function resolveClusters(o: ObjectiveConfig, source: ClusterSource, seed: number): ClusterMap | null {
  const build = CLUSTERS[o.kind] as ((o: ObjectiveConfig, source: ClusterSource, seed: number) => ClusterMap) | undefined;
  return build === undefined ? null : build(o, source, seed);
}

/** How many cluster tokens the objective adds (HDLM's n; 0 for the others): what a caller must resolve a map for. */
export function objectiveClusters(o: ObjectiveConfig): number {
  return "numClusters" in o ? o.numClusters : 0;
}
