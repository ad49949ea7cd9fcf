// Native elementwise kernels: broadcasting binary arithmetic and comparisons, unary math, AddN, Cast, Select.
// Each handles float32 (Select: float32/int32 with bool condition) and defers anything else to the JS kernel.
import { tf } from "../tf";
import { Addon, BIN, UN, allocF32, dims } from "./addon";
import { KernelArgs, KernelFn, any4, f32, output, sizeOf, u8 } from "./storage";

/** Kernel names of the broadcasting binary ops made native. */
export const BINARY_KERNELS = Object.keys(BIN) as (keyof typeof BIN)[];
/** Kernel names of the unary ops made native (GeluTanh is internal, used by the fused GELU). */
export const UNARY_KERNELS = (Object.keys(UN) as (keyof typeof UN)[]).filter((k) => k !== "GeluTanh");

const COMPARISONS = new Set<string>(["Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual"]);

/** A broadcasting binary kernel (`name` one of BINARY_KERNELS). */
export function binaryKernel(addon: Addon, name: keyof typeof BIN, fallback: KernelFn): KernelFn {
  const op = BIN[name];
  const cmp = COMPARISONS.has(name);
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const av = f32(args.backend, a);
    const bv = f32(args.backend, b);
    if (av === null || bv === null) return fallback(args);
    let shape: number[];
    try {
      shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return fallback(args);
    }
    const n = sizeOf(shape);
    const out = cmp ? new Uint8Array(n) : allocF32(n);
    if (n > 0) addon.binary(op, av, bv, out, dims(shape), dims(a.shape), dims(b.shape));
    return output(args.backend, shape, cmp ? "bool" : "float32", out);
  };
}

/** A unary kernel (`name` one of UNARY_KERNELS; Step reads its `alpha` attribute). */
export function unaryKernel(addon: Addon, name: keyof typeof UN, fallback: KernelFn): KernelFn {
  const op = UN[name];
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const xv = f32(args.backend, x);
    if (xv === null) return fallback(args);
    const alpha = name === "Step" ? Number((args.attrs as { alpha?: number } | undefined)?.alpha ?? 0) : 0;
    const out = allocF32(xv.length);
    if (xv.length > 0) addon.unary(op, xv, out, alpha);
    return output(args.backend, x.shape.slice(), "float32", out);
  };
}

/** AddN: sums equal-shape float32 tensors. */
export function addNKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const ts = args.inputs as unknown as tf.TensorInfo[];
    const list: tf.TensorInfo[] = Array.isArray(ts) ? ts : (Object.values(args.inputs) as tf.TensorInfo[]);
    if (list.length === 0) return fallback(args);
    const vals = list.map((t) => f32(args.backend, t));
    const shape = list[0].shape;
    if (vals.some((v) => v === null) || list.some((t) => !tf.util.arraysEqual(t.shape, shape))) return fallback(args);
    const vs = vals as Float32Array[];
    const n = vs[0].length;
    const out = allocF32(n);
    const d = dims(shape);
    if (vs.length === 1) out.set(vs[0]);
    else if (n > 0) {
      addon.binary(BIN.Add, vs[0], vs[1], out, d, d, d);
      for (let i = 2; i < vs.length; i++) addon.binary(BIN.Add, out, vs[i], out, d, d, d);
    }
    return output(args.backend, shape.slice(), "float32", out);
  };
}

/** Cast between float32, int32 and bool with V8's typed-array conversions (same rules as the JS kernel). */
export function castKernel(fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const dtype = (args.attrs as { dtype?: tf.DataType } | undefined)?.dtype;
    const b = args.backend;
    const src = any4(b, x) ?? u8(b, x);
    if (src === null || dtype === undefined || dtype === x.dtype) return fallback(args);
    if (dtype === "float32") return output(b, x.shape.slice(), "float32", new Float32Array(src));
    if (dtype === "int32" && (x.dtype === "float32" || x.dtype === "bool")) return output(b, x.shape.slice(), "int32", new Int32Array(src));
    if (dtype === "bool") {
      const out = new Uint8Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
      return output(b, x.shape.slice(), "bool", out);
    }
    return fallback(args);
  };
}

/** Select (tf.where): elementwise condition, or a rank-1 condition choosing whole rows. */
export function selectKernel(addon: Addon, fallback: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
    const b = args.backend;
    const cv = u8(b, condition);
    const tv = any4(b, t);
    const ev = any4(b, e);
    if (cv === null || tv === null || ev === null || t.dtype !== e.dtype || !tf.util.arraysEqual(t.shape, e.shape)) return fallback(args);
    let inner = 1;
    if (!tf.util.arraysEqual(condition.shape, t.shape)) {
      if (condition.shape.length !== 1 || t.shape.length < 1 || condition.shape[0] !== t.shape[0]) return fallback(args);
      inner = cv.length === 0 ? 0 : tv.length / cv.length;
    }
    const out = t.dtype === "float32" ? allocF32(tv.length) : new Int32Array(tv.length);
    if (tv.length > 0) addon.select(cv, tv, ev, out, inner);
    return output(b, t.shape.slice(), t.dtype, out);
  };
}
