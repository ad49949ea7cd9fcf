// The one place that maps an objective's kind to its method: one line per method (its config fields, their parser
// and its builder). A new method is one new file in src/methods plus one line here.
import { arMethod, parseArObjective, type ArObjective } from "./ar";
import { mdlmMethod, parseMdlmObjective, type MdlmObjective } from "./mdlm";
import { hdlmMethod, hdlmClusters, parseHdlmObjective, HDLM_FIELDS, type HdlmObjective } from "./hdlm";
import { giddMethod, parseGiddObjective, GIDD_FIELDS, type GiddObjective } from "./gidd";
import { seddMethod, parseSeddObjective, SEDD_FIELDS, type SeddObjective } from "./sedd";
import { diffusionLmMethod, parseDiffusionLmObjective, DIFFUSION_LM_FIELDS, type DiffusionLmObjective } from "./diffusion-lm";
import { hybridMethod, parseHybridObjective, HYBRID_FIELDS, type HybridObjective } from "./hybrid";
import { r2ftMethod, parseR2ftObjective, R2FT_FIELDS, type R2ftObjective } from "./r2ft";
import type { ClusterMap } from "../vocab/cluster-map";
import type { TokenStream } from "../vocab/embeddings-cooc";
import { object, oneOf } from "../util/validate";
import type { Method, MethodContext } from "./types";

/** Every objective config; each kind has exactly one method. */
export type ObjectiveConfig = R2ftObjective | ArObjective | MdlmObjective | HdlmObjective | GiddObjective | SeddObjective | DiffusionLmObjective | HybridObjective;

/** A method's entry: its config fields, their parser (validation and defaults) and its builder. */
interface Entry<K extends ObjectiveConfig["kind"]> {
  fields: readonly string[];
  parse(o: Record<string, unknown>, path: string): Extract<ObjectiveConfig, { kind: K }>;
  build(o: Extract<ObjectiveConfig, { kind: K }>, ctx: MethodContext): Method;
}

const METHODS: { [K in ObjectiveConfig["kind"]]: Entry<K> } = {
  ar: { fields: ["kind"], parse: parseArObjective, build: arMethod },
  mdlm: { fields: ["kind"], parse: parseMdlmObjective, build: mdlmMethod },
  hdlm: { fields: HDLM_FIELDS, parse: parseHdlmObjective, build: hdlmMethod },
  gidd: { fields: GIDD_FIELDS, parse: parseGiddObjective, build: giddMethod },
  r2ft: { fields: R2FT_FIELDS, parse: (o, path) => parseR2ftObjective(o, path, parseObjective), build: (o, ctx) => r2ftMethod(o, ctx, makeMethod) },
  sedd: { fields: SEDD_FIELDS, parse: parseSeddObjective, build: seddMethod },
  "diffusion-lm": { fields: DIFFUSION_LM_FIELDS, parse: parseDiffusionLmObjective, build: diffusionLmMethod },
  hybrid: { fields: HYBRID_FIELDS, parse: parseHybridObjective, build: hybridMethod },
};

/** Objective kinds with a method (for validation and error messages). */
export const OBJECTIVE_KINDS = Object.keys(METHODS) as ObjectiveConfig["kind"][];

/** The method of objective config `o` over the context's vocabulary (and cluster map, for HDLM). */
export function makeMethod(o: ObjectiveConfig, ctx: MethodContext): Method {
  const entry = METHODS[o.kind] as Entry<ObjectiveConfig["kind"]> | undefined;
  if (entry === undefined) throw new Error(`objective.kind ${JSON.stringify((o as { kind: unknown }).kind)} has no method (known: ${OBJECTIVE_KINDS.join(", ")})`);
  return entry.build(o as never, ctx);
}

/**
 * Validates a raw objective config at `path` (its kind, then only that method's fields) and fills its defaults.
 * Errors are ConfigErrors naming the field (src/util/validate.ts).
 */
export function parseObjective(v: unknown, path: string): ObjectiveConfig {
  const all = [...new Set(Object.values(METHODS).flatMap((e) => [...e.fields]))];
  const raw = object(v, path, all);
  const kind = oneOf(raw.kind, `${path}.kind`, OBJECTIVE_KINDS);
  const entry = METHODS[kind] as Entry<ObjectiveConfig["kind"]>;
  return entry.parse(object(v, path, entry.fields), path);
}

type ClusterBuilders = { [K in ObjectiveConfig["kind"]]?: (o: Extract<ObjectiveConfig, { kind: K }>, source: ClusterSource, seed: number) => ClusterMap };

/** What a method's cluster map is built from: the vocabulary and the training tokens. */
export interface ClusterSource {
  vocabSize: number;
  trainTokens(): TokenStream;
}

const CLUSTERS: ClusterBuilders = {
  hdlm: hdlmClusters,
  r2ft: (o, source, seed) => resolveClusters(o.base, source, seed) as ClusterMap,
};

/** The cluster map objective `o` trains with (null when its method has none), built from `source` with `seed`. */
export function resolveClusters(o: ObjectiveConfig, source: ClusterSource, seed: number): ClusterMap | null {
  const build = CLUSTERS[o.kind] as ((o: ObjectiveConfig, source: ClusterSource, seed: number) => ClusterMap) | undefined;
  return build === undefined ? null : build(o, source, seed);
}

/** How many cluster tokens the objective adds (HDLM's n; 0 for the others): what a caller must resolve a map for. */
export function objectiveClusters(o: ObjectiveConfig): number {
  return o.kind === "r2ft" ? objectiveClusters(o.base) : "numClusters" in o ? o.numClusters : 0;
}
