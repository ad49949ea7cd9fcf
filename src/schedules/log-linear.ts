// MDLM's log-linear schedule (kuleshov-group/mdlm `LogLinearNoise`): sigma(t) = -log(1 - (1-eps)t),
// alpha_t = 1 - (1-eps)t, and the masked-token ELBO weight -alpha'/(1-alpha) = 1/t (baselines.md §1).
import { tf } from "../engine/tf";
import { Schedule, checkTime } from "./schedule";
import { mapTimes } from "./hierarchical";

/** MDLM log-linear schedule with eps (default 1e-3). */
export class LogLinearSchedule implements Schedule {
  readonly name: string;
  readonly eps: number;

  constructor(options: { eps?: number } = {}) {
    const eps = options.eps ?? 1e-3;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0 || eps >= 1) throw new RangeError(`eps must be a number in [0, 1), got ${eps}`);
    this.eps = eps;
    this.name = `loglinear(eps=${eps})`;
  }

  /** sigma(t) = -log(1 - (1-eps)t), the total noise. */
  sigma(t: number): number {
    checkTime(t);
    return -Math.log1p(-(1 - this.eps) * t);
  }

  /** d sigma/dt = (1-eps)/(1 - (1-eps)t), the noise rate. */
  dsigma(t: number): number {
    checkTime(t);
    return (1 - this.eps) / (1 - (1 - this.eps) * t);
  }

  /** alpha_t = exp(-sigma) = 1 - (1-eps)t. */
  alpha(t: number): number {
    checkTime(t);
    return 1 - (1 - this.eps) * t;
  }

  /** d alpha_t/dt = -(1-eps). */
  alphaPrime(t: number): number {
    checkTime(t);
    return -(1 - this.eps);
  }

  /** MDLM weight dsigma/expm1(sigma) = -alpha'/(1-alpha) = 1/t (eps cancels exactly). */
  weight(t: number): number {
    checkTime(t);
    return this.dsigma(t) / Math.expm1(this.sigma(t));
  }

  alphaTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.alpha(u), "t");
  }
  alphaPrimeTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.alphaPrime(u), "t");
  }
  sigmaTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.sigma(u), "t");
  }
  dsigmaTensor(t: tf.Tensor): tf.Tensor {
    return mapTimes(t, (u) => this.dsigma(u), "t");
  }
}

/** The masked-diffusion ELBO weight -alpha'_t/(1-alpha_t) for any Schedule (MDLM eq. 10). */
export function maskedWeight(schedule: Schedule, t: number): number {
  const a = schedule.alpha(t);
  return -schedule.alphaPrime(t) / (1 - a);
}
