// Configuration of the chained hybrid (hybrid.md §0-§3): split points, mask level at a, alpha-bar at b, the VP
// schedule of C, step counts per segment, chain kind, backbone sharing and the D2 integrand form; validated once,
// every error one line naming the field.
import { VpKind, VpSchedule } from "../schedules/diffusion-lm";
import { continuousDepth } from "./time";
import { HybridSegment, hybridStepCounts, makeHybridSplit } from "../schedules/hybrid";

/**
 * Form of the D2 integrand (hybrid.md §2, D2). `"ctmc"` (default): the exact continuous-time KL rate of the reverse
 * masked chain over V ∪ {m}, `(1/(u-b)) Σ_{masked i} [(1 - p(m)) - [x_b,i ≠ m](1 + log p(x_b,i))]`; it is the one
 * under which the degenerate check of §4 holds with equality. `"crossEntropy"`: the spec's literal
 * `(1/(u-b)) Σ_{masked i} -log p(x_b,i)`, pointwise >= "ctmc" (`-log p >= 1 - p`), so still a valid but looser bound.
 */
export type D2Form = "ctmc" | "crossEntropy";

/** `chained` is the revised process of hybrid.md §1; `independent` is the old split of src/schedules/hybrid.ts. */
export type HybridChainKind = "chained" | "independent";

/** Per-segment sampler step counts (hybrid.md §3). */
export interface HybridSteps {
  D1: number;
  C: number;
  D2: number;
}

/** A validated, frozen configuration of the chained hybrid. */
export interface HybridChainConfig {
  /** End of D1 / start of C (default 0.35). */
  readonly a: number;
  /** End of C / start of D2 (default 0.75); must be < 1 so that D2 masks x_b completely at u = 1. */
  readonly b: number;
  /** p_a: mask probability of D1 at u = a (default a; 0 when a = 0, where D1 is empty). */
  readonly maskAtA: number;
  /** ᾱ at u = b (default 0.5, SNR 1). */
  readonly alphaBarAtB: number;
  /** VP schedule run over C's local time (default sqrt). */
  readonly vpKind: VpKind;
  /** Sampler steps per segment (default proportional to segment length, 128 in all). */
  readonly steps: Readonly<HybridSteps>;
  readonly chain: HybridChainKind;
  /** One transformer with a segment embedding (default) or one per segment. */
  readonly shareBackbone: boolean;
  /** Clamp ê to the nearest embedding row in C's sampler steps (Diffusion-LM's trick; default false). */
  readonly clamp: boolean;
  /** D2 integrand form (default "ctmc"). */
  readonly d2Form: D2Form;
}

/** What a caller may set; everything is optional. */
export interface HybridChainOptions {
  split?: { a?: number; b?: number };
  maskAtA?: number;
  alphaBarAtB?: number;
  vpKind?: VpKind;
  steps?: Partial<HybridSteps>;
  /** Total steps split proportionally when `steps` leaves a segment unset (default 128). */
  totalSteps?: number;
  chain?: HybridChainKind;
  shareBackbone?: boolean;
  clamp?: boolean;
  d2Form?: D2Form;
}

function bad(field: string, rule: string, value: unknown): never {
  throw new RangeError(`hybrid config: ${field} ${rule}, got ${String(value)}`);
}

function finite(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/**
 * Builds and validates a {@link HybridChainConfig} (hybrid.md §1-§3). Rejects, with one line naming the field:
 * a split outside [0, 1], a > b, b = 1, alphaBarAtB outside (0, 1) (or at/above the VP schedule's ᾱ at a, when C is
 * non-empty), a VP kind with ᾱ(0) = 1, maskAtA outside (0, 1) (it must be 0 or unset
 * when a = 0), a step count that is not an integer >= 1 for a non-empty segment (or not 0 for an empty one).
 */
export function makeHybridChainConfig(options: HybridChainOptions = {}): HybridChainConfig {
  const a = options.split?.a ?? 0.35;
  const b = options.split?.b ?? 0.75;
  if (!finite(a) || a < 0 || a > 1) bad("split.a", "must be a number in [0, 1]", a);
  if (!finite(b) || b < 0 || b > 1) bad("split.b", "must be a number in [0, 1]", b);
  if (a > b) bad("split.a", `must be <= split.b = ${b}`, a);
  if (b >= 1) bad("split.b", "must be < 1 (D2 must mask x_b completely at u = 1)", b);
  makeHybridSplit(a, b);
  let maskAtA: number;
  if (a === 0) {
    if (options.maskAtA !== undefined && options.maskAtA !== 0) bad("maskAtA", "must be 0 or unset when split.a = 0 (D1 is empty)", options.maskAtA);
    maskAtA = 0;
  } else {
    maskAtA = options.maskAtA ?? a;
    if (!finite(maskAtA) || maskAtA <= 0 || maskAtA >= 1) bad("maskAtA", "must be a number in (0, 1)", maskAtA);
  }
  const alphaBarAtB = options.alphaBarAtB ?? 0.5;
  if (!finite(alphaBarAtB) || alphaBarAtB <= 0 || alphaBarAtB >= 1) bad("alphaBarAtB", "must be a number in (0, 1)", alphaBarAtB);
  const vpKind = options.vpKind ?? "sqrt";
  if (vpKind !== "sqrt" && vpKind !== "cosine" && vpKind !== "linear") bad("vpKind", "must be 'sqrt', 'cosine' or 'linear'", vpKind);
  if (b > a) {
    const vp = new VpSchedule(vpKind);
    if (!(vp.alpha(0) < 1)) bad("vpKind", "must have ᾱ < 1 at u = a (finite SNR); 'linear' has ᾱ(0) = 1, use 'sqrt' or 'cosine'", vpKind);
    continuousDepth(vp, alphaBarAtB);
  }
  const total = options.totalSteps ?? 128;
  if (!Number.isInteger(total) || total < 3) bad("totalSteps", "must be an integer >= 3", total);
  const auto = hybridStepCounts(makeHybridSplit(a, b), total);
  const lengths: Record<HybridSegment, number> = { D1: a, C: b - a, D2: 1 - b };
  const steps: HybridSteps = { D1: 0, C: 0, D2: 0 };
  for (const k of ["D1", "C", "D2"] as const) {
    const n = options.steps?.[k] ?? (lengths[k] > 0 ? Math.max(1, auto[k]) : 0);
    if (lengths[k] > 0 && (!Number.isInteger(n) || n < 1)) bad(`steps.${k}`, `must be an integer >= 1 for a non-empty segment (length ${lengths[k]})`, n);
    if (lengths[k] === 0 && n !== 0) bad(`steps.${k}`, "must be 0 for an empty segment", n);
    steps[k] = n;
  }
  const chain = options.chain ?? "chained";
  if (chain !== "chained" && chain !== "independent") bad("chain", "must be 'chained' or 'independent'", chain);
  const shareBackbone = options.shareBackbone ?? true;
  if (typeof shareBackbone !== "boolean") bad("shareBackbone", "must be a boolean", shareBackbone);
  const clamp = options.clamp ?? false;
  if (typeof clamp !== "boolean") bad("clamp", "must be a boolean", clamp);
  const d2Form = options.d2Form ?? "ctmc";
  if (d2Form !== "ctmc" && d2Form !== "crossEntropy") bad("d2Form", "must be 'ctmc' or 'crossEntropy'", d2Form);
  const config: HybridChainConfig = { a, b, maskAtA, alphaBarAtB, vpKind, steps: Object.freeze(steps), chain, shareBackbone, clamp, d2Form };
  return Object.freeze(config);
}
