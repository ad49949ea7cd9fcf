// Fused training ops with their own gradients (LayerNorm, tanh-GELU, attention with rotary/padding/causal masks, dense+bias,
// weighted cross-entropy, in-place Adam): one C++ pass each on the "native" backend, the same math in tfjs ops elsewhere.
import { tf } from "../tf";
import { Addon, UN, allocF32, loadAddon } from "./addon";
import { CpuLikeBackend } from "./storage";
import { linear } from "../matmul";

/** A named tensor as optimisers exchange them (tfjs's NamedTensor). */
type Named = { name: string; tensor: tf.Tensor };

/** The addon when the active backend is "native" (cpu-layout storage), else null. */
function activeAddon(): Addon | null {
  if (tf.getBackend() !== "native") return null;
  const a = loadAddon();
  return "error" in a ? null : a;
}

/** The backend's own float32 array of `t` (zero-copy; the storage moves the tensor here first if needed). */
function f32Values(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== "float32") return null;
  const v = (tf.backend() as CpuLikeBackend).data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/**
 * LayerNorm over the last axis: `gamma * (x - mean) / sqrt(var + eps) + beta` (biased variance, as in PyTorch).
 * `gamma`, `beta` have shape [D] where D is the last dimension of x.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const d = x.shape[x.rank - 1];
  if (gamma.size !== d || beta.size !== d) throw new Error(`layerNorm: gamma and beta must have ${d} elements (last dim of x), got ${gamma.size} and ${beta.size}`);
  const addon = activeAddon();
  if (addon === null || x.dtype !== "float32") {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true);
    return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
  }
  const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const rows = d === 0 ? 0 : xi.size / d;
    const y = allocF32(xi.size);
    const xhat = allocF32(xi.size);
    const rstd = allocF32(rows);
    if (xi.size > 0) addon.layerNorm(f32Values(xi)!, f32Values(g)!, f32Values(b)!, y, xhat, rstd, rows, d, eps);
    const xhatT = tf.tensor(xhat, xi.shape);
    const rstdT = tf.tensor1d(rstd);
    save([xhatT, rstdT, g]);
    return {
      value: tf.tensor(y, xi.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved;
        const dx = allocF32(sx.size);
        const dg = allocF32(d);
        const db = allocF32(d);
        if (sx.size > 0) addon.layerNormGrad(f32Values(dy)!, f32Values(sx)!, f32Values(sr)!, f32Values(sg)!, dx, dg, db, rows, d);
        else {
          dg.fill(0);
          db.fill(0);
        }
        return [tf.tensor(dx, sx.shape), tf.tensor(dg, sg.shape), tf.tensor(db, sg.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as tf.Tensor;
}

const GELU_K = Math.sqrt(2 / Math.PI);

/** tanh-GELU by plain autodiff (the reference the tests compare against; keeps every intermediate for backward). */
export function geluTanhAutodiff<T extends tf.Tensor>(x: T): T {
  const inner = tf.mul(GELU_K, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner))) as T;
}

/** tanh-GELU with an analytic gradient that saves only x (the tfjs-ops path off the native backend). */
const geluTanhOps = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: geluTanhAutodiff(x),
    // d/dx 0.5x(1 + tanh u) = 0.5(1 + tanh u) + 0.5x(1 − tanh² u)·k(1 + 3·0.044715x²), u = k(x + 0.044715x³).
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [s] = saved;
      const x2 = tf.mul(s, s);
      const th = tf.tanh(tf.mul(GELU_K, tf.mul(s, tf.add(1, tf.mul(0.044715, x2)))));
      const dinner = tf.mul(GELU_K, tf.add(1, tf.mul(3 * 0.044715, x2)));
      const d = tf.add(tf.mul(0.5, tf.add(1, th)), tf.mul(tf.mul(0.5, s), tf.mul(tf.sub(1, tf.square(th)), dinner)));
      return [tf.mul(dy, d)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * GELU with the tanh approximation: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` (PyTorch's approximate="tanh"),
 * with an analytic gradient: the fused C++ kernel on the native backend, tfjs ops elsewhere.
 */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  const addon = activeAddon();
  if (addon === null || x.dtype !== "float32") return geluTanhOps(x) as T;
  const op = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi]);
    const y = allocF32(xi.size);
    if (xi.size > 0) addon.unary(UN.GeluTanh, f32Values(xi)!, y, 0);
    return {
      value: tf.tensor(y, xi.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = allocF32(saved[0].size);
        if (dx.length > 0) addon.geluGrad(f32Values(saved[0])!, f32Values(dy)!, dx);
        return [tf.tensor(dx, saved[0].shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}

/**
 * Per-row weighted cross-entropy `weights[r] * (logsumexp(logits[r]) - logits[r, targets[r]])` for logits [N, V],
 * int32 targets [N] and weights [N]; returns [N]. Only `logits` receives a gradient (targets and weights are data).
 */
export function weightedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Tensor1D {
  const [n, v] = logits.shape;
  if (targets.shape[0] !== n || weights.shape[0] !== n) throw new Error(`weightedCrossEntropy: targets and weights must have ${n} entries (rows of logits), got ${targets.shape[0]} and ${weights.shape[0]}`);
  if (targets.dtype !== "int32") throw new Error(`weightedCrossEntropy: targets must be int32, got ${targets.dtype}`);
  const addon = activeAddon();
  if (addon === null || logits.dtype !== "float32") {
    const logp = tf.logSoftmax(logits);
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(targets, v)), -1));
    return tf.mul(nll, weights) as tf.Tensor1D;
  }
  const tv = targets.dataSync() as Int32Array;
  const wv = f32Values(weights)!;
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const out = allocF32(n);
    const lse = allocF32(n);
    if (n > 0 && v > 0) addon.crossEntropy(f32Values(x)!, tv, wv, out, lse, n, v);
    save([x, tf.tensor1d(lse)]);
    return {
      value: tf.tensor1d(out),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = allocF32(n * v);
        if (dx.length > 0) addon.crossEntropyGrad(f32Values(saved[0])!, tv, wv, f32Values(saved[1])!, f32Values(dy)!, dx, n, v);
        return [tf.tensor(dx, [n, v])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(logits) as tf.Tensor1D;
}

/**
 * A dense layer `x @ w + bias` over the last axis of x: `[..., k] x [k, n] + [n] -> [..., n]`.
 * On native: the bias is written first and sgemm accumulates onto it; the gradient is two sgemms and a column sum.
 * Elsewhere: `linear` (the fast-path matmul of src/engine/matmul.ts) plus a broadcast add.
 */
export function linearBias(x: tf.Tensor, w: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor {
  const k = x.shape[x.rank - 1];
  const [wk, n] = w.shape;
  if (k !== wk) throw new Error(`linearBias: input width ${k} does not match weight rows ${wk}`);
  if (bias.size !== n) throw new Error(`linearBias: bias must have ${n} elements (weight columns), got ${bias.size}`);
  const lead = x.shape.slice(0, -1);
  const addon = activeAddon();
  if (addon === null || x.dtype !== "float32" || w.dtype !== "float32" || bias.dtype !== "float32") {
    return tf.add(linear(x, w), bias);
  }
  const m = k === 0 ? lead.reduce((a, b) => a * b, 1) : x.size / k;
  const op = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    const out = allocF32(m * n);
    if (out.length > 0) addon.linearBias(f32Values(xi)!, f32Values(wi)!, f32Values(bi)!, out, m, k, n);
    return {
      value: tf.tensor(out, [...lead, n]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = allocF32(m * k);
        const dw = allocF32(k * n);
        const db = allocF32(n);
        addon.linearBiasGrad(f32Values(saved[0])!, f32Values(saved[1])!, f32Values(dy)!, dx, dw, db, m, k, n);
        return [tf.tensor(dx, saved[0].shape), tf.tensor(dw, [k, n]), tf.tensor(db, [n])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, w, bias) as tf.Tensor;
}

/** Options of {@link attention}: rotary embedding of q and k, padding mask of the keys, causal mask. */
export interface AttentionOptions {
  /** Rotary tables cos, sin of shape [T, D/H] (halves repeated; GPT-NeoX "rotate half" form) applied to q and k. */
  rope?: { cos: tf.Tensor2D; sin: tf.Tensor2D };
  /** [B, T] 1 for real tokens, 0 for padding: padded keys get the additive score bias -1e9 (never attended). */
  keyMask?: tf.Tensor2D | null;
  /** Query q attends keys <= q only (additive score bias -1e9 above the diagonal). */
  causal?: boolean;
}

/**
 * Rotary embedding in the GPT-NeoX "rotate half" form (flash-attn's non-interleaved rotary): `x * cos +
 * rotate_half(x) * sin` over the last axis, rotate_half(x) = [-x2, x1]; tfjs ops (the native attention applies it inside).
 */
export function applyRotary<T extends tf.Tensor>(x: T, cos: tf.Tensor, sin: tf.Tensor): T {
  const hd = x.shape[x.rank - 1];
  const [x1, x2] = tf.split(x, [hd / 2, hd / 2], x.rank - 1);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2), x1], x.rank - 1), sin)) as T;
}

/**
 * Multi-head self-attention from a fused QKV projection: `qkv` is [B, T, 3D] (q | k | v along the last axis, heads of
 * width D/H contiguous in each); returns softmax(q kᵀ / sqrt(D/H) + bias) v per head, merged back to [B, T, D].
 * Options: rotary q, k (`rope`), padded keys (`keyMask`, bias -1e9) and the causal mask (bias -1e9 where key > query).
 * On native, Q, K and V are read in place with strided sgemm (no transposes; rotary applied per head on the fly) and
 * the gradient is one fused pass. Elsewhere the same math in tfjs ops (batched over B*H).
 */
export function attention(qkv: tf.Tensor3D, heads: number, options: AttentionOptions = {}): tf.Tensor3D {
  const [b, t, d3] = qkv.shape;
  if (d3 % 3 !== 0 || (d3 / 3) % heads !== 0) throw new Error(`attention: last dim of qkv (${d3}) must be 3 x heads (${heads}) x head width`);
  const d = d3 / 3;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const { rope, causal = false } = options;
  const keyMask = options.keyMask ?? null;
  if (rope !== undefined) {
    for (const [name, r] of [["cos", rope.cos], ["sin", rope.sin]] as const) {
      if (r.rank !== 2 || r.shape[0] !== t || r.shape[1] !== dh) throw new Error(`attention: rope.${name} must have shape [${t}, ${dh}] (sequence length, head width), got [${r.shape}]`);
    }
    if (dh % 2 !== 0) throw new Error(`attention: rotary needs an even head width, got ${dh}`);
  }
  if (keyMask !== null && (keyMask.rank !== 2 || keyMask.shape[0] !== b || keyMask.shape[1] !== t)) {
    throw new Error(`attention: keyMask must have shape [${b}, ${t}] (batch, sequence), got [${keyMask.shape}]`);
  }
  const addon = activeAddon();
  if (addon === null || qkv.dtype !== "float32") {
    const bh = b * heads;
    const split = tf.transpose(tf.reshape(qkv, [b, t, 3, heads, dh]), [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
    let [q, k, v] = tf.unstack(split, 0).map((u) => tf.reshape(u, [bh, t, dh])); // [BH, T, dh]
    if (rope !== undefined) {
      q = applyRotary(q, rope.cos, rope.sin);
      k = applyRotary(k, rope.cos, rope.sin);
    }
    let scores = tf.reshape(tf.mul(tf.matMul(q, k, false, true), scale), [b, heads, t, t]);
    const bias = attentionBias(b, t, keyMask, causal);
    if (bias !== null) scores = tf.add(scores, bias);
    const att = tf.matMul(tf.reshape(tf.softmax(scores, -1), [bh, t, t]), v); // [BH, T, dh]
    return tf.reshape(tf.transpose(tf.reshape(att, [b, heads, t, dh]), [0, 2, 1, 3]), [b, t, d]) as tf.Tensor3D;
  }
  // Constants of the kernel (no gradient): rotary tables and the key bias, as float32 arrays of the native storage.
  const cosV = rope === undefined ? null : f32Values(rope.cos);
  const sinV = rope === undefined ? null : f32Values(rope.sin);
  let keyBias: Float32Array | null = null;
  if (keyMask !== null) {
    const m = keyMask.dataSync();
    keyBias = new Float32Array(b * t);
    for (let i = 0; i < keyBias.length; i++) keyBias[i] = (1 - m[i]) * -1e9;
  }
  const c = causal ? 1 : 0;
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const out = allocF32(b * t * d);
    const probs = allocF32(b * heads * t * t);
    if (out.length > 0) addon.attention(f32Values(x)!, out, probs, b, t, heads, dh, scale, cosV, sinV, keyBias, c);
    save([x, tf.tensor(probs, [b, heads, t, t])]);
    return {
      value: tf.tensor(out, [b, t, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = allocF32(b * t * d3);
        if (dx.length > 0) addon.attentionGrad(f32Values(saved[0])!, f32Values(saved[1])!, f32Values(dy)!, dx, b, t, heads, dh, scale, cosV, sinV, keyBias, c);
        return [tf.tensor(dx, [b, t, d3])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(qkv) as tf.Tensor3D;
}

/**
 * Additive attention-score bias [B, 1, 1|T, T] (0 where a query may attend a key, -1e9 where not) from a key mask
 * (B, T; 1 real, 0 padding: padded keys are never attended) and the causal flag (key <= query), or null for neither.
 */
export function attentionBias(b: number, t: number, keyMask: tf.Tensor2D | null, causal: boolean): tf.Tensor4D | null {
  let bias: tf.Tensor | null = null;
  if (keyMask !== null) bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(keyMask, "float32")), -1e9), [b, 1, 1, t]);
  if (causal) {
    const cv = new Float32Array(t * t);
    for (let q = 0; q < t; q++) for (let k = q + 1; k < t; k++) cv[q * t + k] = -1e9;
    const cb = tf.tensor4d(cv, [1, 1, t, t]);
    bias = bias === null ? cb : tf.add(bias, cb);
  }
  return bias as tf.Tensor4D | null;
}

/** True when the fused ops run as native kernels (the active backend is "native" and the addon is loaded). */
export function fusedNativeActive(): boolean {
  return activeAddon() !== null;
}

/**
 * Adam (Kingma & Ba; the exact update of tf.train.adam) that, on the native backend, updates each parameter and its
 * moments in place in one C++ pass per variable. On other backends it runs the same update with tfjs ops.
 */
export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return "HdlmFusedAdam";
  }
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  private accBeta1: number;
  private accBeta2: number;
  private readonly owned = new WeakSet<object>();

  constructor(readonly learningRate: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-7) {
    super();
    if (!(learningRate > 0)) throw new Error(`learningRate must be > 0, got ${learningRate}`);
    this.accBeta1 = beta1;
    this.accBeta2 = beta2;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | Named[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const addon = activeAddon();
    const c1 = 1 - this.accBeta1;
    const c2 = 1 - this.accBeta2;
    for (const [name, grad] of entries) {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) throw new Error(`FusedAdam: no variable named ${name}`);
      if (grad == null) continue;
      let mom = this.moments.get(name);
      if (mom === undefined) {
        mom = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(value), false, `${name}/m`), v: tf.variable(tf.zerosLike(value), false, `${name}/v`) }));
        this.moments.set(name, mom);
      }
      const pv = addon === null ? null : this.privateValues(value);
      const mv = addon === null ? null : f32Values(mom.m);
      const vv = addon === null ? null : f32Values(mom.v);
      const gv = addon === null ? null : f32Values(grad);
      if (addon !== null && pv !== null && mv !== null && vv !== null && gv !== null) {
        addon.adam(pv, mv, vv, gv, this.learningRate, this.beta1, this.beta2, this.epsilon, c1, c2);
        continue;
      }
      const { m, v } = mom;
      tf.tidy(() => {
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        m.assign(newM);
        v.assign(newV);
        const step = tf.mul(tf.div(tf.div(newM, c1), tf.add(tf.sqrt(tf.div(newV, c2)), this.epsilon)), -this.learningRate);
        value.assign(tf.add(value, step));
      });
    }
    this.accBeta1 *= this.beta1;
    this.accBeta2 *= this.beta2;
    this.incrementIterations();
  }

  /** The variable's values as an array only it owns (copied once, so in-place updates never alias other tensors). */
  private privateValues(value: tf.Variable): Float32Array | null {
    if (value.dtype !== "float32") return null;
    if (!this.owned.has(value.dataId)) {
      const copy = tf.tidy(() => tf.add(value, tf.scalar(0)));
      value.assign(copy);
      copy.dispose();
      this.owned.add(value.dataId);
    }
    return f32Values(value);
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }

  override async getWeights(): Promise<Named[]> {
    const out: Named[] = [await this.saveIterations()];
    for (const { m, v } of this.moments.values()) out.push({ name: m.name, tensor: m }, { name: v.name, tensor: v });
    return out;
  }

  override async setWeights(weightValues: Named[]): Promise<void> {
    weightValues = await this.extractIterations(weightValues);
    this.dispose();
    for (const w of weightValues) {
      const slash = w.name.lastIndexOf("/");
      const base = w.name.slice(0, slash);
      const kind = w.name.slice(slash + 1);
      if (slash < 0 || (kind !== "m" && kind !== "v")) throw new Error(`FusedAdam.setWeights: weight ${w.name} is not "<variable>/m" or "<variable>/v"`);
      const mom = this.moments.get(base) ?? ({} as { m: tf.Variable; v: tf.Variable });
      if (kind === "m") mom.m = tf.variable(w.tensor, false, w.name);
      else mom.v = tf.variable(w.tensor, false, w.name);
      this.moments.set(base, mom);
    }
    this.accBeta1 = Math.pow(this.beta1, this.iterations + 1);
    this.accBeta2 = Math.pow(this.beta2, this.iterations + 1);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Token → cluster assignment the cluster log-sum-exp reads (the `clusterOf` table of a cluster layout). */
export interface ClusterAssignment {
  /** clusterOf[v] in [0, numClusters) for every token v < vocab. */
  clusterOf: Int32Array;
  numClusters: number;
}

/** Members of every cluster, grouped (CSR): members[offsets[k] .. offsets[k + 1]] are the tokens of cluster k. */
interface MemberTable {
  offsets: Int32Array;
  members: Int32Array;
}

const memberTables = new WeakMap<Int32Array, MemberTable>();

function memberTable(a: ClusterAssignment): MemberTable {
  const cached = memberTables.get(a.clusterOf);
  if (cached !== undefined) return cached;
  const n = a.numClusters;
  const V = a.clusterOf.length;
  const offsets = new Int32Array(n + 1);
  for (let v = 0; v < V; v++) {
    const k = a.clusterOf[v];
    if (!(Number.isInteger(k) && k >= 0 && k < n)) throw new RangeError(`clusters.clusterOf[${v}] must lie in [0, ${n}), got ${k}`);
    offsets[k + 1]++;
  }
  for (let k = 0; k < n; k++) offsets[k + 1] += offsets[k];
  const fill = offsets.slice(0, n);
  const members = new Int32Array(V);
  for (let v = 0; v < V; v++) members[fill[a.clusterOf[v]]++] = v;
  const t: MemberTable = { offsets, members };
  memberTables.set(a.clusterOf, t);
  return t;
}

/** Stand-in for -infinity at non-member columns on the tfjs path (exp underflows to exactly 0; gradients stay finite). */
const NON_MEMBER = -1e30;

/**
 * Per-row log-sum-exp statistics of token logits for the diffusion losses (hdlm.md §3.2, baselines.md §1), in one
 * pass over the logits: `logits` [N, W] with the real tokens in columns 0..vocab-1 (further columns, e.g. MASK and
 * cluster ids, are ignored and get a zero gradient). Returns [N, 3]: column 0 `lse_{v < vocab} l_v`, column 1
 * `lse_{v in cluster rowCluster[r]} l_v` (equal to column 0 when `clusters` is null), column 2 `l_{targets[r]}`.
 * Differentiable in `logits`; `targets` [N] in [0, vocab) and `rowCluster` [N] in [0, n) are host data.
 * On native: one C++ pass forward and one backward; elsewhere the same math in tfjs ops (masked-logits LSE).
 */
export function clusterLogSumExp(
  logits: tf.Tensor2D,
  vocab: number,
  targets: Int32Array,
  rowCluster: Int32Array | null,
  clusters: ClusterAssignment | null,
): tf.Tensor2D {
  if (logits.rank !== 2) throw new RangeError(`clusterLogSumExp: logits must be [N, width], got [${logits.shape}]`);
  const [N, W] = logits.shape;
  if (!Number.isInteger(vocab) || vocab < 1 || vocab > W) throw new RangeError(`clusterLogSumExp: vocab must be an integer in [1, ${W}] (logits width), got ${vocab}`);
  if (targets.length !== N) throw new RangeError(`clusterLogSumExp: targets must have ${N} entries (rows of logits), got ${targets.length}`);
  for (let i = 0; i < N; i++) {
    if (!(targets[i] >= 0 && targets[i] < vocab)) throw new RangeError(`clusterLogSumExp: targets[${i}] must lie in [0, ${vocab}), got ${targets[i]}`);
  }
  if ((rowCluster === null) !== (clusters === null)) throw new RangeError("clusterLogSumExp: rowCluster and clusters must both be given or both be null");
  let table: MemberTable | null = null;
  if (clusters !== null && rowCluster !== null) {
    if (clusters.clusterOf.length !== vocab) throw new RangeError(`clusterLogSumExp: clusters.clusterOf must have vocab = ${vocab} entries, got ${clusters.clusterOf.length}`);
    if (rowCluster.length !== N) throw new RangeError(`clusterLogSumExp: rowCluster must have ${N} entries (rows of logits), got ${rowCluster.length}`);
    const n = clusters.numClusters;
    for (let i = 0; i < N; i++) {
      if (!(rowCluster[i] >= 0 && rowCluster[i] < n)) throw new RangeError(`clusterLogSumExp: rowCluster[${i}] must lie in [0, ${n}), got ${rowCluster[i]}`);
    }
    table = memberTable(clusters);
  }
  const addon = activeAddon();
  if (addon === null || logits.dtype !== "float32") return clusterLseOps(logits, vocab, targets, rowCluster, clusters);
  const rc = rowCluster;
  const off = table === null ? null : table.offsets;
  const mem = table === null ? null : table.members;
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const stats = allocF32(N * 3);
    if (N > 0) addon.clusterLse(f32Values(x)!, targets, rc, off, mem, stats, N, W, vocab);
    const statsT = tf.tensor2d(stats, [N, 3]);
    save([x, statsT]);
    return {
      value: tf.clone(statsT),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = allocF32(N * W);
        if (N > 0) addon.clusterLseGrad(f32Values(saved[0])!, targets, rc, off, mem, f32Values(saved[1])!, f32Values(dy)!, dx, N, W, vocab);
        return [tf.tensor2d(dx, [N, W])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(logits) as tf.Tensor2D;
}

/** The tfjs-ops path of {@link clusterLogSumExp}: analytic gradient, the cluster LSE over logits masked to the row's cluster. */
function clusterLseOps(logits: tf.Tensor2D, vocab: number, targets: Int32Array, rowCluster: Int32Array | null, clusters: ClusterAssignment | null): tf.Tensor2D {
  const [N, W] = logits.shape;
  const op = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const tok = W === vocab ? x : (tf.slice(x, [0, 0], [N, vocab]) as tf.Tensor2D);
    const onehot = tf.oneHot(tf.tensor1d(targets, "int32"), vocab);
    const rowLse = (l: tf.Tensor2D): tf.Tensor2D => {
      const m = tf.max(l, 1, true);
      return tf.add(tf.log(tf.sum(tf.exp(tf.sub(l, m)), 1, true)), m) as tf.Tensor2D; // [N, 1]
    };
    const lseAll = rowLse(tok);
    const member = clusters === null || rowCluster === null ? null : tf.equal(tf.tensor2d(clusters.clusterOf, [1, vocab], "int32"), tf.tensor2d(rowCluster, [N, 1], "int32")); // [N, V]
    const lseC = member === null ? lseAll : rowLse(tf.where(member, tok, tf.fill([N, vocab], NON_MEMBER)) as tf.Tensor2D);
    const lx = tf.sum(tf.mul(tok, onehot), 1, true);
    save([tok, lseAll, lseC, onehot, ...(member === null ? [] : [member])]);
    return {
      value: tf.concat([lseAll, lseC, lx], 1) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [st, sAll, sC, oh, mem] = saved;
        const [d0, d1, d2] = tf.split(dy, 3, 1);
        let g = tf.add(tf.mul(tf.exp(tf.sub(st, sAll)), mem === undefined ? tf.add(d0, d1) : d0), tf.mul(oh, d2));
        if (mem !== undefined) g = tf.add(g, tf.where(mem, tf.mul(tf.exp(tf.sub(st, sC)), d1), tf.zerosLike(st)));
        return [W === vocab ? g : tf.pad(g, [[0, 0], [0, W - vocab]])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(logits) as tf.Tensor2D;
}

/** Σ x² of a float32 tensor in one native pass (double accumulation), or null when the native kernels are not active. */
export function nativeSumSquares(x: tf.Tensor): number | null {
  const addon = activeAddon();
  if (addon === null) return null;
  const v = f32Values(x);
  return v === null ? null : addon.sumSquares(v.length === x.size ? v : v.subarray(0, x.size));
}

/** Scalars of one AdamW update (float64 here; the kernel rounds each to float32 like the tfjs ops do). */
export interface AdamWScalars {
  /** Gradient multiplier (clip factor x micro-batch average). */
  gradScale: number;
  /** Decoupled decay factor 1 − lr·wd (1: no decay). */
  decay: number;
  beta1: number;
  beta2: number;
  /** sqrt(1 − beta2^t). */
  sqrtBc2: number;
  eps: number;
  /** lr / (1 − beta1^t). */
  stepSize: number;
}

/**
 * One AdamW update of `param` and its moments `m`, `v` from `grad` in one native pass on the native backend:
 * `g = grad·gradScale; m = b1·m + (1 − b1)·g; v = b2·v + (1 − b2)·g²; p = p·decay − stepSize·m/(sqrt(v)/sqrtBc2 + eps)`
 * (src/train/optimizer.ts's tfjs ops, in the same float32 order). The results go to fresh (pooled) buffers that are
 * assigned to the variables, so arrays read earlier with dataSync() stay unchanged, as with tfjs ops.
 * Returns false (nothing changed) off native.
 */
export function nativeAdamW(param: tf.Variable, m: tf.Variable, v: tf.Variable, grad: tf.Tensor, s: AdamWScalars): boolean {
  const addon = activeAddon();
  if (addon === null) return false;
  const n = param.size;
  const ins = [param, m, v, grad].map((t) => (t.dtype === "float32" && t.size === n ? f32Values(t) : null));
  if (ins.some((x) => x === null || x.length !== n)) return false;
  const outs = [allocF32(n), allocF32(n), allocF32(n)];
  if (n > 0) addon.adamw(ins[0]!, ins[1]!, ins[2]!, ins[3]!, outs[0], outs[1], outs[2], s.gradScale, s.decay, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.sqrtBc2, s.eps, s.stepSize);
  [param, m, v].forEach((variable, i) => {
    const t = tf.tensor(outs[i], variable.shape, "float32");
    variable.assign(t);
    t.dispose();
  });
  return true;
}

/** Checks x [B, T, D] and per-sequence vectors [B, 1, D] (or [B, D]) for the adaLN ops; returns [B, T, D]. */
function adaShapes(op: string, x: tf.Tensor, vecs: [string, tf.Tensor][]): [number, number, number] {
  if (x.rank !== 3) throw new Error(`${op}: x must be [B, T, D], got [${x.shape}]`);
  const [b, t, d] = x.shape as [number, number, number];
  for (const [name, v] of vecs) {
    if (v.size !== b * d || v.shape[0] !== b || v.shape[v.rank - 1] !== d) throw new Error(`${op}: ${name} must be [${b}, 1, ${d}] (one vector per sequence), got [${v.shape}]`);
  }
  return [b, t, d];
}

/**
 * adaLN modulation `x · (1 + scale) + shift` (DiT, hdlm.md §8.1) with x [B, T, D] and per-sequence shift, scale
 * [B, 1, D]. On native: one C++ pass, and one for the gradient (dx, and the sums over T for dshift, dscale).
 */
export function modulate(x: tf.Tensor3D, shift: tf.Tensor, scale: tf.Tensor): tf.Tensor3D {
  const [b, t, d] = adaShapes("modulate", x, [["shift", shift], ["scale", scale]]);
  const addon = activeAddon();
  if (addon === null || x.dtype !== "float32" || shift.dtype !== "float32" || scale.dtype !== "float32") {
    return tf.add(tf.mul(x, tf.add(scale, 1)), shift) as tf.Tensor3D;
  }
  const op = tf.customGrad(((xi: tf.Tensor, sh: tf.Tensor, sc: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, sc]);
    const y = allocF32(xi.size);
    if (y.length > 0) addon.modulate(f32Values(xi)!, f32Values(sh)!, f32Values(sc)!, y, b, t, d);
    return {
      value: tf.tensor(y, [b, t, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = allocF32(b * t * d);
        const dsh = allocF32(b * d);
        const dsc = allocF32(b * d);
        if (b * d > 0) addon.modulateGrad(f32Values(saved[0])!, f32Values(saved[1])!, f32Values(dy)!, dx, dsh, dsc, b, t, d);
        return [tf.tensor(dx, [b, t, d]), tf.tensor(dsh, shift.shape), tf.tensor(dsc, scale.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, shift, scale) as tf.Tensor3D;
}

/**
 * Gated residual `x + h · gate` (DiT blocks, hdlm.md §8.1) with x, h [B, T, D] and a per-sequence gate [B, 1, D].
 * On native: one C++ pass, and one for the gradient (dh and the sum over T for dgate; dx = dy).
 */
export function gatedResidual(x: tf.Tensor3D, h: tf.Tensor3D, gate: tf.Tensor): tf.Tensor3D {
  const [b, t, d] = adaShapes("gatedResidual", x, [["gate", gate]]);
  if (h.rank !== 3 || h.shape[0] !== b || h.shape[1] !== t || h.shape[2] !== d) throw new Error(`gatedResidual: h must have the shape of x [${x.shape}], got [${h.shape}]`);
  const addon = activeAddon();
  if (addon === null || x.dtype !== "float32" || h.dtype !== "float32" || gate.dtype !== "float32") {
    return tf.add(x, tf.mul(h, gate)) as tf.Tensor3D;
  }
  const op = tf.customGrad(((xi: tf.Tensor, hi: tf.Tensor, gi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([hi, gi]);
    const y = allocF32(xi.size);
    if (y.length > 0) addon.gatedResidual(f32Values(xi)!, f32Values(hi)!, f32Values(gi)!, y, b, t, d);
    return {
      value: tf.tensor(y, [b, t, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dh = allocF32(b * t * d);
        const dg = allocF32(b * d);
        if (b * d > 0) addon.gatedResidualGrad(f32Values(saved[0])!, f32Values(saved[1])!, f32Values(dy)!, dh, dg, b, t, d);
        return [tf.clone(dy), tf.tensor(dh, [b, t, d]), tf.tensor(dg, gate.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, h, gate) as tf.Tensor3D;
}

/**
 * GIDD's per-token KL and log-ratio (baselines.md §2) from logits [N, W] with MASK at column `maskId` (excluded from
 * the softmax): with `coef` = (alpha, u, m) per row (host data, [N * 3]), beta pi = u on tokens and m on MASK,
 * `q_h = alpha softmax(l) + beta pi`, `q_x = alpha onehot(x) + beta pi`, logs clipped at -1e6 as in the reference.
 * Returns [N, 2]: column 0 `KL(q_x || q_h)`, column 1 `log q_x(z) - log q_h(z)`. Differentiable in `logits` (the MASK
 * column gets 0); `x`, `z` [N] in [0, W) are host data. On native: one C++ pass each way; elsewhere tfjs ops.
 */
export function giddKlLogRatio(logits: tf.Tensor2D, x: Int32Array, z: Int32Array, coef: Float32Array, maskId: number): tf.Tensor2D {
  if (logits.rank !== 2) throw new RangeError(`giddKlLogRatio: logits must be [N, width], got [${logits.shape}]`);
  const [N, W] = logits.shape;
  if (!Number.isInteger(maskId) || maskId < 0 || maskId >= W) throw new RangeError(`giddKlLogRatio: maskId must be an integer in [0, ${W}), got ${maskId}`);
  if (x.length !== N || z.length !== N) throw new RangeError(`giddKlLogRatio: x and z must have ${N} entries (rows of logits), got ${x.length} and ${z.length}`);
  if (coef.length !== 3 * N) throw new RangeError(`giddKlLogRatio: coef must have 3 * ${N} entries (alpha, u, m per row), got ${coef.length}`);
  for (let i = 0; i < N; i++) {
    if (!(x[i] >= 0 && x[i] < W)) throw new RangeError(`giddKlLogRatio: x[${i}] must lie in [0, ${W}), got ${x[i]}`);
    if (!(z[i] >= 0 && z[i] < W)) throw new RangeError(`giddKlLogRatio: z[${i}] must lie in [0, ${W}), got ${z[i]}`);
  }
  const addon = activeAddon();
  if (addon === null || logits.dtype !== "float32") return giddKlOps(logits, x, z, coef, maskId);
  const op = tf.customGrad(((l: tf.Tensor, save: tf.GradSaveFunc) => {
    const stats = allocF32(N * 3);
    if (N > 0) addon.giddKl(f32Values(l)!, x, z, coef, stats, N, W, maskId);
    const statsT = tf.tensor2d(stats, [N, 3]);
    save([l, statsT]);
    return {
      value: tf.slice(statsT, [0, 0], [N, 2]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dl = allocF32(N * W);
        const d = tf.tidy(() => tf.cast(dy, "float32"));
        try {
          if (N > 0) addon.giddKlGrad(f32Values(saved[0])!, x, z, coef, f32Values(saved[1])!, f32Values(d)!, dl, N, W, maskId);
        } finally {
          d.dispose();
        }
        return [tf.tensor2d(dl, [N, W])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(logits) as tf.Tensor2D;
}

/** The tfjs-ops path of {@link giddKlLogRatio} (autodiff through the ops, as the GIDD reference computes it). */
function giddKlOps(logits: tf.Tensor2D, x: Int32Array, z: Int32Array, coef: Float32Array, maskId: number): tf.Tensor2D {
  const [N, W] = logits.shape;
  return tf.tidy(() => {
    const c = tf.tensor2d(coef, [N, 3]);
    const [alpha, u, m] = tf.split(c, 3, 1); // [N, 1] each
    const maskRow = tf.reshape(tf.oneHot(tf.tensor1d([maskId], "int32"), W), [1, W]);
    const betaPi = tf.add(tf.mul(u, tf.sub(1, maskRow)), tf.mul(m, maskRow));
    const masked = tf.add(tf.mul(logits, tf.sub(1, maskRow)), tf.mul(maskRow, -1e9));
    const qx = tf.add(tf.mul(alpha, tf.oneHot(tf.tensor1d(x, "int32"), W)), betaPi);
    const qh = tf.add(tf.mul(alpha, tf.softmax(masked)), betaPi);
    const logDiff = tf.sub(tf.maximum(tf.log(qx), -1e6), tf.maximum(tf.log(qh), -1e6));
    const kl = tf.sum(tf.mul(qx, logDiff), -1, true);
    const logRatio = tf.sum(tf.mul(tf.oneHot(tf.tensor1d(z, "int32"), W), logDiff), -1, true);
    return tf.concat([kl, logRatio], 1) as tf.Tensor2D;
  });
}
