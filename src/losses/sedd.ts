// SEDD's score entropy (DWDSE): the closed forms for the absorbing and uniform graphs, the general per-position
// sum they come from (for brute-force checks), the graphs' marginals, the model-output scaling and the sequence loss.
import { tf } from "../engine/tf";
import { SigmaSchedule } from "../schedules/sedd";

/** SEDD graphs (`graph_lib.py`): absorbing has V + 1 states with MASK = V; uniform has V states. */
export type SeddGraph = "absorbing" | "uniform";

function checkGraph(graph: SeddGraph): void {
  if (graph !== "absorbing" && graph !== "uniform") throw new RangeError(`graph must be 'absorbing' or 'uniform', got ${String(graph)}`);
}

/** Number of states of a graph over V real tokens. */
export function seddNumStates(graph: SeddGraph, V: number): number {
  checkGraph(graph);
  if (!Number.isInteger(V) || V < 2) throw new RangeError(`V (real tokens) must be an integer >= 2, got ${V}`);
  return graph === "absorbing" ? V + 1 : V;
}

/**
 * Forward marginal p_t(. | x_0) at total noise sigma, over all states: absorbing `e^{-sigma}` on x_0 and
 * `1 - e^{-sigma}` on MASK; uniform `e^{-sigma}` on x_0 plus `(1 - e^{-sigma})/V` everywhere.
 */
export function seddMarginal(graph: SeddGraph, x0: number, sigma: number, V: number): Float64Array {
  const S = seddNumStates(graph, V);
  if (!Number.isInteger(x0) || x0 < 0 || x0 >= V) throw new RangeError(`x0 must be a real token id in [0, ${V}), got ${x0}`);
  const keep = Math.exp(-sigma);
  const p = new Float64Array(S);
  if (graph === "absorbing") p[V] = -Math.expm1(-sigma);
  else p.fill(-Math.expm1(-sigma) / V);
  p[x0] += keep;
  return p;
}

/**
 * Reverse-direction weights Q(x_t, y) used by DWDSE (forward rate from y into x_t): absorbing 1 for every real y
 * when x_t = MASK (0 otherwise); uniform 1/V for every y != x_t (`Q = (1/V) 11^T - I`).
 */
export function seddReverseWeights(graph: SeddGraph, xt: number, V: number): Float64Array {
  const S = seddNumStates(graph, V);
  if (!Number.isInteger(xt) || xt < 0 || xt >= S) throw new RangeError(`xt must be a state id in [0, ${S}), got ${xt}`);
  const q = new Float64Array(S);
  for (let y = 0; y < S; y++) {
    if (y === xt) continue;
    q[y] = graph === "absorbing" ? (xt === V ? 1 : 0) : 1 / V;
  }
  return q;
}

/**
 * General DWDSE for one position (SEDD eq. for score entropy):
 * `sum_{y != x_t} Q(x_t, y) [ s_y - a_y log s_y + a_y (log a_y - 1) ]`, with `s_y = exp(logScore_y)`,
 * `a_y = p_t(y|x_0)/p_t(x_t|x_0)` and `0 log 0 = 0`. Plain numbers: the brute-force reference for the closed forms.
 */
export function scoreEntropyGeneral(qRow: ArrayLike<number>, logScore: ArrayLike<number>, ratio: ArrayLike<number>, xt: number): number {
  if (qRow.length !== logScore.length || qRow.length !== ratio.length) {
    throw new RangeError(`qRow, logScore and ratio must have one length, got ${qRow.length}, ${logScore.length}, ${ratio.length}`);
  }
  let total = 0;
  for (let y = 0; y < qRow.length; y++) {
    if (y === xt || qRow[y] === 0) continue;
    const a = ratio[y];
    const ls = logScore[y];
    const aLogA = a > 0 ? a * (Math.log(a) - 1) : 0;
    total += qRow[y] * (Math.exp(ls) - (a > 0 ? a * ls : 0) + aLogA);
  }
  return total;
}

function checkInputs(name: string, logScore: tf.Tensor3D, xt: tf.Tensor2D, x0: tf.Tensor2D, sigma: tf.Tensor1D, S: number | null): void {
  if (logScore.rank !== 3) throw new RangeError(`${name}: logScore must be [B, L, states], got shape [${logScore.shape}]`);
  const [B, L] = logScore.shape;
  if (S !== null && logScore.shape[2] !== S) throw new RangeError(`${name}: logScore must have ${S} states, got ${logScore.shape[2]}`);
  if (xt.rank !== 2 || xt.shape[0] !== B || xt.shape[1] !== L) throw new RangeError(`${name}: xt must be [${B}, ${L}], got [${xt.shape}]`);
  if (x0.rank !== 2 || x0.shape[0] !== B || x0.shape[1] !== L) throw new RangeError(`${name}: x0 must be [${B}, ${L}], got [${x0.shape}]`);
  if (sigma.rank !== 1 || sigma.shape[0] !== B) throw new RangeError(`${name}: sigma must be [${B}], got [${sigma.shape}]`);
}

/** e^sigma - 1 elementwise with SEDD's expm1 branch below 0.5. */
function expm1Branch(sigma: tf.Tensor): tf.Tensor {
  return tf.where(tf.less(sigma, 0.5), tf.expm1(sigma), tf.sub(tf.exp(sigma), 1));
}

/**
 * Absorbing-graph score entropy per position `[B, L]` (baselines.md §3): at MASK positions
 * `sum_{y != MASK} exp(ls_y) - r ls_{x_0} + r (log r - 1)` with `r = 1/(e^sigma - 1)`; 0 at clean positions.
 * `logScore` is `[B, L, V+1]` (MASK last), `sigma` is `[B]`.
 */
export function scoreEntropyAbsorbing(logScore: tf.Tensor3D, xt: tf.Tensor2D, x0: tf.Tensor2D, sigma: tf.Tensor1D): tf.Tensor2D {
  checkInputs("scoreEntropyAbsorbing", logScore, xt, x0, sigma, null);
  const [B, , S] = logScore.shape;
  const V = S - 1;
  return tf.tidy(() => {
    const isMask = tf.equal(xt, V);
    const r = tf.reshape(tf.div(1, expm1Branch(sigma)), [B, 1]);
    const realRow = tf.reshape(tf.sub(1, tf.oneHot(tf.tensor1d([V], "int32"), S)), [1, 1, S]);
    // Clean positions are not scored; keep their logScores out of exp so inf cannot turn into NaN.
    const ls = tf.where(tf.expandDims(isMask, -1), logScore, tf.zerosLike(logScore));
    const pos = tf.sum(tf.mul(tf.exp(ls), realRow), -1);
    const lsX0 = tf.sum(tf.mul(ls, tf.oneHot(tf.cast(x0, "int32"), S)), -1);
    const neg = tf.mul(r, lsX0);
    const cst = tf.mul(r, tf.sub(tf.log(r), 1));
    const l = tf.add(tf.sub(pos, neg), cst);
    return tf.where(isMask, l, tf.zerosLike(l)) as tf.Tensor2D;
  });
}

/**
 * Uniform-graph score entropy per position `[B, L]` (baselines.md §3), with `e = e^sigma - 1`, `rho = 1 - V/(e+V)`:
 * `pos - neg + const`, `pos = mean_y exp(ls_y) - exp(ls_{x_t})/V`, `neg_0 = mean_y ls_y - ls_{x_t}/V`,
 * `neg = rho neg_0` (x_t = x_0) or `ls_{x_0}/e + neg_0`, `const = ((V-1)/V) rho (log rho - 1)` (x_t = x_0) or
 * `((-log rho - 1)/rho - (V-2))/V`. `logScore` is `[B, L, V]`.
 */
export function scoreEntropyUniform(logScore: tf.Tensor3D, xt: tf.Tensor2D, x0: tf.Tensor2D, sigma: tf.Tensor1D): tf.Tensor2D {
  checkInputs("scoreEntropyUniform", logScore, xt, x0, sigma, null);
  const [B, , V] = logScore.shape;
  return tf.tidy(() => {
    const e = tf.reshape(expm1Branch(sigma), [B, 1]);
    const rho = tf.sub(1, tf.div(V, tf.add(e, V)));
    const xtHot = tf.oneHot(tf.cast(xt, "int32"), V);
    const lsXt = tf.sum(tf.mul(logScore, xtHot), -1);
    const lsX0 = tf.sum(tf.mul(logScore, tf.oneHot(tf.cast(x0, "int32"), V)), -1);
    const pos = tf.sub(tf.mean(tf.exp(logScore), -1), tf.div(tf.exp(lsXt), V));
    const neg0 = tf.sub(tf.mean(logScore, -1), tf.div(lsXt, V));
    const same = tf.equal(xt, x0);
    const neg = tf.where(same, tf.mul(rho, neg0), tf.add(tf.div(lsX0, e), neg0));
    const logRho = tf.log(rho);
    const cSame = tf.mul((V - 1) / V, tf.mul(rho, tf.sub(logRho, 1)));
    const cDiff = tf.div(tf.sub(tf.div(tf.sub(tf.neg(logRho), 1), rho), V - 2), V);
    const cst = tf.where(same, tf.mul(cSame, tf.onesLike(lsXt)), tf.mul(cDiff, tf.onesLike(lsXt)));
    return tf.add(tf.sub(pos, neg), cst) as tf.Tensor2D;
  });
}

/** Per-position score entropy of either graph. */
export function scoreEntropy(graph: SeddGraph, logScore: tf.Tensor3D, xt: tf.Tensor2D, x0: tf.Tensor2D, sigma: tf.Tensor1D): tf.Tensor2D {
  checkGraph(graph);
  return graph === "absorbing" ? scoreEntropyAbsorbing(logScore, xt, x0, sigma) : scoreEntropyUniform(logScore, xt, x0, sigma);
}

/**
 * Turns raw network outputs into log-scores as SEDD's transformer does: for the absorbing graph with
 * `scale_by_sigma`, subtract `log(e^sigma - 1) + log(V)` (V real tokens); then set the current token's entry to 0
 * (score 1 for staying). `raw` is `[B, L, states]`, `sigma` `[B]`.
 */
export function seddLogScore(graph: SeddGraph, raw: tf.Tensor3D, xt: tf.Tensor2D, sigma: tf.Tensor1D, scaleBySigma = true): tf.Tensor3D {
  checkGraph(graph);
  if (raw.rank !== 3) throw new RangeError(`raw must be [B, L, states], got shape [${raw.shape}]`);
  const [B, L, S] = raw.shape;
  if (xt.rank !== 2 || xt.shape[0] !== B || xt.shape[1] !== L) throw new RangeError(`xt must be [${B}, ${L}], got [${xt.shape}]`);
  if (sigma.rank !== 1 || sigma.shape[0] !== B) throw new RangeError(`sigma must be [${B}], got [${sigma.shape}]`);
  return tf.tidy(() => {
    let out: tf.Tensor = raw;
    if (graph === "absorbing" && scaleBySigma) {
      const shift = tf.add(tf.log(expm1Branch(sigma)), Math.log(S - 1));
      out = tf.sub(out, tf.reshape(shift, [B, 1, 1]));
    }
    const hot = tf.oneHot(tf.cast(xt, "int32"), S);
    return tf.mul(out, tf.sub(1, hot)) as tf.Tensor3D;
  });
}

/** Inputs of {@link seddLoss}. */
export interface SeddLossInputs {
  /** Log-scores `[B, L, states]`. */
  logScore: tf.Tensor3D;
  /** Noised tokens `[B, L]`. */
  xt: tf.Tensor2D;
  /** Clean tokens `[B, L]`. */
  x0: tf.Tensor2D;
  /** Times `[B]` (SEDD draws t ~ U(1e-3, 1)). */
  t: tf.Tensor1D;
  /** 1 for real tokens, 0 for padding `[B, L]` (optional). */
  attentionMask?: tf.Tensor2D;
}

/**
 * SEDD sequence loss (baselines.md §3): `dsigma/dt(t) sum_i l_i` per sequence `[B]`, an upper bound on
 * -log p(x_0) in nats per sequence (PPL bound = exp(E[loss]/L)). `mean` is the batch mean.
 */
export function seddLoss(schedule: SigmaSchedule, graph: SeddGraph, inputs: SeddLossInputs): { perSequence: tf.Tensor1D; mean: tf.Scalar } {
  const { logScore, xt, x0, t, attentionMask } = inputs;
  if (t.rank !== 1) throw new RangeError(`t must be [B], got shape [${t.shape}]`);
  return tf.tidy(() => {
    const sigma = schedule.sigmaTensor(t) as tf.Tensor1D;
    let l: tf.Tensor = scoreEntropy(graph, logScore, xt, x0, sigma);
    if (attentionMask !== undefined) {
      if (attentionMask.shape.join() !== xt.shape.join()) throw new RangeError(`attentionMask must be [${xt.shape}], got [${attentionMask.shape}]`);
      l = tf.mul(l, tf.cast(attentionMask, "float32"));
    }
    const perSequence = tf.mul(schedule.dsigmaTensor(t), tf.sum(l, -1)) as tf.Tensor1D;
    return { perSequence, mean: tf.mean(perSequence) as tf.Scalar };
  });
}

