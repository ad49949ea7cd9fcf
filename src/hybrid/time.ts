// The chained hybrid's time map (hybrid.md §1): which segment a global u falls in, D1's and D2's mask
// probabilities, and ᾱ(u), SNR(u) and their u-derivatives on C (a VP schedule over local time rescaled to [0, τ_b]).
import { VpSchedule, vpDepth } from "../schedules/diffusion-lm";
import { HybridSegment } from "../schedules/hybrid";
import { HybridChainConfig } from "./config";

/**
 * τ_b (`continuousDepth`, hybrid.md §1): the VP local time at which ᾱ = ᾱ_b. Closed form for sqrt,
 * `(1 - ᾱ_b)^2 - 1e-4`; bisection for cosine and linear. Throws naming alphaBarAtB if ᾱ_b is not reachable on
 * (0, 1] (at or above the schedule's ᾱ(0), or below ᾱ(1)).
 */
export function continuousDepth(vp: VpSchedule, alphaBarAtB: number): number {
  return vpDepth(vp, alphaBarAtB, "hybrid config: alphaBarAtB");
}

/**
 * The chained schedule of hybrid.md §1 for one config:
 * - D1 = [0, a): μ₁(u) = p_a·u/a, integrand weight μ₁′/μ₁ = 1/u;
 * - C = [a, b): ᾱ(u) = vp.alpha(τ_b·(u - a)/(b - a)), SNR = ᾱ/(1 - ᾱ), weight ½(-dSNR/du);
 * - D2 = [b, 1]: μ₂(u) = (u - b)/(1 - b), weight 1/(u - b).
 * With a = b, C is empty and ᾱ(a) = ᾱ(b) = ᾱ_b (the boundary state z_a = z_b).
 */
export class ChainedSchedule {
  readonly config: HybridChainConfig;
  readonly vp: VpSchedule;
  /** τ_b: VP local time reached at u = b (0 when C is empty). */
  readonly depth: number;

  constructor(config: HybridChainConfig) {
    this.config = config;
    this.vp = new VpSchedule(config.vpKind);
    this.depth = config.b > config.a ? continuousDepth(this.vp, config.alphaBarAtB) : 0;
  }

  get a(): number {
    return this.config.a;
  }

  get b(): number {
    return this.config.b;
  }

  /** Segment of u in [0, 1]: D1 for u < a, C for a <= u < b, D2 for u >= b. */
  segmentOf(u: number): HybridSegment {
    checkU(u);
    if (u < this.config.a) return "D1";
    if (u < this.config.b) return "C";
    return "D2";
  }

  /** μ₁(u) = p_a·u/a on [0, a] (hybrid.md §1). */
  maskD1(u: number): number {
    checkU(u);
    const { a, maskAtA } = this.config;
    if (!(u <= a)) throw new RangeError(`u must lie in D1 = [0, ${a}], got ${u}`);
    return a === 0 ? 0 : (maskAtA * u) / a;
  }

  /** μ₂(u) = (u - b)/(1 - b) on [b, 1]. */
  maskD2(u: number): number {
    checkU(u);
    const { b } = this.config;
    if (!(u >= b)) throw new RangeError(`u must lie in D2 = [${b}, 1], got ${u}`);
    return (u - b) / (1 - b);
  }

  /** VP local time at u in C = [a, b]. */
  localTau(u: number): number {
    const { a, b } = this.config;
    checkU(u);
    if (!(u >= a && u <= b)) throw new RangeError(`u must lie in C = [${a}, ${b}], got ${u}`);
    return b > a ? (this.depth * (u - a)) / (b - a) : 0;
  }

  /** ᾱ(u) on C = [a, b]; ᾱ(b) = ᾱ_b up to the depth solve. */
  alphaBar(u: number): number {
    const { a, b, alphaBarAtB } = this.config;
    const tau = this.localTau(u);
    if (b === a || u === b) return alphaBarAtB;
    return this.vp.alpha(tau);
  }

  /** dᾱ/du on C (chain rule through τ = τ_b(u - a)/(b - a)). */
  alphaBarPrime(u: number): number {
    const { a, b } = this.config;
    const tau = this.localTau(u);
    if (b === a) return 0;
    return (this.vp.alphaPrime(tau) * this.depth) / (b - a);
  }

  /** SNR(u) = ᾱ/(1 - ᾱ). */
  snr(u: number): number {
    const ab = this.alphaBar(u);
    return ab / (1 - ab);
  }

  /** dSNR/du = ᾱ′/(1 - ᾱ)^2 (negative). */
  snrPrime(u: number): number {
    const ab = this.alphaBar(u);
    return this.alphaBarPrime(u) / ((1 - ab) * (1 - ab));
  }

  /** ½(-dSNR/du): the weight of ‖Emb(x_a) - ê‖² in ℓ_C (hybrid.md §2, C). */
  continuousWeight(u: number): number {
    return -0.5 * this.snrPrime(u);
  }

  /** ᾱ(a): signal level of the boundary state z_a (about 0.99 for sqrt). */
  get alphaBarAtA(): number {
    return this.alphaBar(this.config.a);
  }
}

function checkU(u: number): void {
  if (typeof u !== "number" || !Number.isFinite(u) || u < 0 || u > 1) throw new RangeError(`u must be a number in [0, 1], got ${u}`);
}
