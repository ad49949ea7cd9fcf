// The PositionGate interface (decoding.md §1 "Plugging into HDLM"): a per-position weight in [0, 1] computed from
// which positions are already decoded, that a sampler step multiplies into the chance of decoding a position.
import { checkLayout } from "./config";

/**
 * A gate over positions. `weights(decoded, batch, length)` gets a flat [batch * length] 0/1 array (1 = the position
 * holds a decoded token; prompt tokens count, and for HDLM clusters count too) and returns one weight in [0, 1] per
 * position; windows never cross sequence boundaries. A weight of 0 means "never decode this position this step".
 */
export interface PositionGate {
  readonly name: string;
  weights(decoded: ArrayLike<number>, batch: number, length: number): Float64Array;
}

/**
 * The 0/1 decoded mask of a state: 1 where `z[i] !== maskId` (decoding.md §1 step 2 for MDLM; for HDLM the
 * MASK -> cluster gate counts clusters as decoded context, and `z !== maskId` does exactly that).
 */
export function decodedMask(z: ArrayLike<number>, maskId: number): Uint8Array {
  const out = new Uint8Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = z[i] !== maskId ? 1 : 0;
  return out;
}

/** Plain full-window decoding: every position has weight 1 (the ungated sampler step). */
export function fullWindowGate(): PositionGate {
  return {
    name: "full-window",
    weights(decoded: ArrayLike<number>, batch: number, length: number): Float64Array {
      checkLayout(decoded.length, batch, length, "decoded");
      return new Float64Array(decoded.length).fill(1);
    },
  };
}
