// The convolutional-decoding gate (decoding.md §1 steps 2-3): u_i counts the decoded tokens in a centred window of
// odd width K (zero-padded at the edges, prompt tokens counted), and s_i = tanh(κ·u_i).
import { checkConvMult, checkKernelSize, checkLayout } from "./config";
import { PositionGate } from "./gate";

/** Options of the box-filter gate: K (odd) and κ = convMult (default 1, the reference value). */
export interface BoxFilterOptions {
  kernelSize: number;
  convMult?: number;
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

/** s_i = tanh(κ·u_i) (decoding.md §1 step 3): 0 → 0, 1 → 0.7616, 2 → 0.9640, 3 → 0.9951 at κ = 1. */
export function boxFilterGateValues(decoded: ArrayLike<number>, options: BoxFilterOptions, batch = 1, length = decoded.length / batch): Float64Array {
  const kappa = checkConvMult(options.convMult ?? 1);
  const u = decodedNeighbourCounts(decoded, options.kernelSize, batch, length);
  const out = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = Math.tanh(kappa * u[i]);
  return out;
}

/** The box filter as a {@link PositionGate} (decoding.md §1): validates K and κ once, at construction. */
export function convolutionGate(options: BoxFilterOptions): PositionGate {
  const kernelSize = checkKernelSize(options.kernelSize);
  const convMult = checkConvMult(options.convMult ?? 1);
  return {
    name: `conv(K=${kernelSize}${convMult !== 1 ? `, kappa=${convMult}` : ""})`,
    weights: (decoded, batch, length) => boxFilterGateValues(decoded, { kernelSize, convMult }, batch, length),
  };
}
