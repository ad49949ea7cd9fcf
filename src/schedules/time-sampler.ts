// One t per sequence: low-discrepancy (one shared U, eps = 1e-4: HDLM/GIDD), MDLM's stratified
// variant (independent u_i, eps = 1e-3), or iid uniform; then t <- (1 - 2 eps) t + eps or (1 - eps) t + eps.
import { tf } from "../engine/tf";
import { SeededRng, toSeededRng } from "../util/rng";

/** How the B times of a batch are drawn (hdlm.md §4, baselines.md §1). */
export type TimeSamplingMethod = "low-discrepancy" | "stratified" | "iid";

export interface TimeSamplerOptions {
  method: TimeSamplingMethod;
  /** Endpoint margin. */
  eps: number;
  /** Rescale: 'symmetric' gives (1-2eps)t + eps (HDLM/GIDD), 'lower' gives (1-eps)t + eps (MDLM). */
  rescale: "symmetric" | "lower";
}

/** Draws one t per sequence of a batch; see `TimeSampler.hdlm()` and `TimeSampler.mdlm()`. */
export class TimeSampler {
  readonly options: TimeSamplerOptions;

  constructor(options: Partial<TimeSamplerOptions> = {}) {
    const method = options.method ?? "low-discrepancy";
    if (!["low-discrepancy", "stratified", "iid"].includes(method)) {
      throw new RangeError(`method must be 'low-discrepancy', 'stratified' or 'iid', got '${method}'`);
    }
    const eps = options.eps ?? 1e-4;
    if (typeof eps !== "number" || !(eps >= 0 && eps < 0.5)) throw new RangeError(`eps must be a number in [0, 0.5), got ${eps}`);
    const rescale = options.rescale ?? "symmetric";
    if (rescale !== "symmetric" && rescale !== "lower") throw new RangeError(`rescale must be 'symmetric' or 'lower', got '${rescale}'`);
    this.options = { method, eps, rescale };
  }

  /** HDLM/GIDD `sample_t`: shared U, t_i = (i/B + U) mod 1, eps = 1e-4, symmetric rescale. */
  static hdlm(): TimeSampler {
    return new TimeSampler({ method: "low-discrepancy", eps: 1e-4, rescale: "symmetric" });
  }

  /** MDLM `_sample_t`: independent u_i, t_i = (u_i/B + i/B) mod 1, then (1-eps)t + eps with eps = 1e-3. */
  static mdlm(): TimeSampler {
    return new TimeSampler({ method: "stratified", eps: 1e-3, rescale: "lower" });
  }

  /** The B times before the eps rescale, in [0, 1). */
  sampleUnit(batch: number, seedOrRng: number | SeededRng): Float64Array {
    if (!Number.isInteger(batch) || batch <= 0) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    const rng = toSeededRng(seedOrRng);
    const out = new Float64Array(batch);
    const method = this.options.method;
    switch (method) {
      case "low-discrepancy": {
        const u = rng.uniform();
        for (let i = 0; i < batch; i++) out[i] = (i / batch + u) % 1;
        break;
      }
      case "stratified":
        for (let i = 0; i < batch; i++) out[i] = (rng.uniform() / batch + i / batch) % 1;
        break;
      case "iid":
        for (let i = 0; i < batch; i++) out[i] = rng.uniform();
        break;
      default: {
        const never: never = method;
        throw new Error(`unknown method ${never}`);
      }
    }
    return out;
  }

  /** B times in [eps, 1 - eps] (symmetric) or [eps, 1) (lower). */
  sample(batch: number, seedOrRng: number | SeededRng): Float64Array {
    const out = this.sampleUnit(batch, seedOrRng);
    const { eps, rescale } = this.options;
    const scale = rescale === "symmetric" ? 1 - 2 * eps : 1 - eps;
    for (let i = 0; i < out.length; i++) out[i] = scale * out[i] + eps;
    return out;
  }

  /** `sample` as a float32 tensor of shape [B]. */
  sampleTensor(batch: number, seedOrRng: number | SeededRng): tf.Tensor1D {
    return tf.tensor1d(Float32Array.from(this.sample(batch, seedOrRng)), "float32");
  }
}
