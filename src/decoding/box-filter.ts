// The convolutional-decoding gate (decoding.md §1 steps 2-3): u_i counts the decoded tokens in a centred window of
// odd width K (zero-padded at the edges, prompt tokens counted), and s_i = tanh(κ·u_i).
import { checkConvMult, checkKernelSize, checkLayout } from "./config";
import { PositionGate } from "./gate";

/**
 * What a row with no decoded token at all gets: 'closed' (default, decoding.md §1: u = 0 everywhere, so nothing can
 * be decoded, as in the reference, which always has a prompt) or 'open' (hdlm-lab's choice for unconditional
 * sampling: such a row gets weight 1 everywhere, i.e. the plain step, until its first token appears).
 */
export type EmptyRowRule = "closed" | "open";

/** Options of the box-filter gate: K (odd), κ = convMult (default 1, the reference value), the empty-row rule. */
export interface BoxFilterOptions {
  kernelSize: number;
  convMult?: number;
  emptyRow?: EmptyRowRule;
}

function checkEmptyRow(rule: unknown): EmptyRowRule {
  if (rule !== "closed" && rule !== "open") throw new RangeError(`emptyRow must be 'closed' or 'open', got '${String(rule)}'`);
  return rule;
}

/**
 * u_i = Σ_{|j−i| ≤ (K−1)/2} decoded_j for each row of a flat [batch * length] 0/1 array (decoding.md §1 step 2,
 * `F.conv1d` with a ones kernel and padding (K−1)/2 in the reference). Positions outside a row count as 0.
 */
export function decodedNeighbourCounts(decoded: ArrayLike<number>, kernelSize: number, batch = 1, length = decoded.length / batch): Int32Array {
  const K = checkKernelSize(kernelSize);
  checkLayout(decoded.length, batch, length, "decoded");
  const half = (K - 1) / 2;
  const out = new Int32Array(decoded.length);
  const prefix = new Int32Array(length + 1);
  for (let b = 0; b < batch; b++) {
    const o = b * length;
    for (let l = 0; l < length; l++) prefix[l + 1] = prefix[l] + (decoded[o + l] ? 1 : 0);
    for (let l = 0; l < length; l++) out[o + l] = prefix[Math.min(length, l + half + 1)] - prefix[Math.max(0, l - half)];
  }
  return out;
}

/**
 * s_i = tanh(κ·u_i) (decoding.md §1 step 3): 0 → 0, 1 → 0.7616, 2 → 0.9640, 3 → 0.9951 at κ = 1. A row with no
 * decoded token follows `emptyRow` ({@link EmptyRowRule}).
 */
export function boxFilterGateValues(decoded: ArrayLike<number>, options: BoxFilterOptions, batch = 1, length = decoded.length / batch): Float64Array {
  const kappa = checkConvMult(options.convMult ?? 1);
  const emptyRow = checkEmptyRow(options.emptyRow ?? "closed");
  const u = decodedNeighbourCounts(decoded, options.kernelSize, batch, length);
  const out = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = Math.tanh(kappa * u[i]);
  if (emptyRow === "open") {
    for (let b = 0; b < batch; b++) {
      let any = false;
      for (let l = 0; l < length && !any; l++) any = decoded[b * length + l] ? true : false;
      if (!any) out.fill(1, b * length, (b + 1) * length);
    }
  }
  return out;
}

/** The box filter as a {@link PositionGate} (decoding.md §1): validates K and κ once, at construction. */
export function convolutionGate(options: BoxFilterOptions): PositionGate {
  const kernelSize = checkKernelSize(options.kernelSize);
  const convMult = checkConvMult(options.convMult ?? 1);
  const emptyRow = checkEmptyRow(options.emptyRow ?? "closed");
  return {
    name: `conv(K=${kernelSize}${convMult !== 1 ? `, kappa=${convMult}` : ""}${emptyRow === "open" ? ", empty rows open" : ""})`,
    weights: (decoded, batch, length) => boxFilterGateValues(decoded, { kernelSize, convMult, emptyRow }, batch, length),
  };
}
