// hdlm_native: float32 kernels for the "native" TensorFlow.js backend (OpenBLAS sgemm plus C++ loops).
// Every function writes into output typed arrays allocated by JavaScript; nothing is allocated on the JS heap here.
#include <node_api.h>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pool.h"

// glibc's libmvec has vector versions of these; declaring them `simd` lets GCC vectorise the loops below
// without -ffast-math (which would break NaN and infinity semantics that TensorFlow.js kernels keep).
extern "C" {
__attribute__((simd("notinbranch"))) float expf(float) noexcept;
__attribute__((simd("notinbranch"))) float logf(float) noexcept;
__attribute__((simd("notinbranch"))) float tanhf(float) noexcept;
__attribute__((simd("notinbranch"))) float log1pf(float) noexcept;
__attribute__((simd("notinbranch"))) float powf(float, float) noexcept;
}

extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_config(void);
extern "C" char* openblas_get_corename(void);

namespace {

hdlm::Pool* gPool = nullptr;
// Matmul threading: 0 = split over the pool (OpenBLAS single-threaded per chunk); n > 0 = OpenBLAS's own n threads.
int gBlasThreads = 0;

// Row reductions with 8 independent accumulators, so GCC vectorises them without -ffast-math.
inline float rowMax(const float* x, int64_t n) {
  float m[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int t = 0; t < 8; t++) m[t] = x[j + t] > m[t] ? x[j + t] : m[t];
  float r = -INFINITY;
  for (int t = 0; t < 8; t++) r = m[t] > r ? m[t] : r;
  for (; j < n; j++) r = x[j] > r ? x[j] : r;
  return r;
}
inline float rowSum(const float* x, int64_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int t = 0; t < 8; t++) s[t] += x[j + t];
  float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; j < n; j++) r += x[j];
  return r;
}
inline float rowDot(const float* x, const float* y, int64_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int t = 0; t < 8; t++) s[t] += x[j + t] * y[j + t];
  float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; j < n; j++) r += x[j] * y[j];
  return r;
}
// y[j] = exp(x[j] - shift) (vectorised through libmvec)
inline void expShift(const float* x, float* y, int64_t n, float shift) {
  for (int64_t j = 0; j < n; j++) y[j] = expf(x[j] - shift);
}

// ---------- argument helpers ----------

struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  bool ok = true;
  Args(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr); }
  void fail(const char* msg) {
    if (ok) napi_throw_error(env, nullptr, msg);
    ok = false;
  }
  template <typename T>
  T* ptr(size_t i, size_t* len = nullptr) {
    if (i >= argc) {
      fail("hdlm_native: missing typed-array argument");
      return nullptr;
    }
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, argv[i], &type, &length, &data, &ab, &off) != napi_ok) {
      fail("hdlm_native: expected a typed array argument");
      return nullptr;
    }
    if (len) *len = length;
    return reinterpret_cast<T*>(data);
  }
  bool isNull(size_t i) {
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    return t == napi_null || t == napi_undefined;
  }
  int64_t i64(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail("hdlm_native: expected a number argument");
    return static_cast<int64_t>(v);
  }
  double f64(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail("hdlm_native: expected a number argument");
    return v;
  }
};

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
napi_value boolean(napi_env env, bool b) {
  napi_value u;
  napi_get_boolean(env, b, &u);
  return u;
}
napi_value number(napi_env env, double d) {
  napi_value u;
  napi_create_double(env, d, &u);
  return u;
}

// ---------- matmul ----------

// One sgemm C = alpha op(A) op(B) + beta C split over the pool by rows of C (or columns when C has few rows).
void gemmSplit(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
  hdlm::Pool& pool = *gPool;
  const double flops = 2.0 * m * n * k;
  if (gBlasThreads > 0 || pool.threads() == 1 || flops < 2e6 || (m < 2 * pool.threads() && n < 2 * pool.threads())) {
    cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, 1.0f, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Chunks of at least 64 rows (or columns), claimed dynamically: a busy second core just means fewer chunks for it.
  const bool splitM = m >= n || n < 2 * pool.threads();
  const int64_t extent = splitM ? m : n;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(4 * pool.threads(), extent / 64));
  pool.run(chunks, [&](int64_t c, int64_t nc) {
    if (splitM) {
      int64_t r0 = m * c / nc, r1 = m * (c + 1) / nc;
      if (r1 <= r0) return;
      cblas_sgemm(CblasRowMajor, TA, TB, r1 - r0, n, k, 1.0f, ta ? A + r0 : A + r0 * lda, lda, B, ldb, beta, C + r0 * ldc, ldc);
    } else {
      int64_t c0 = n * c / nc, c1 = n * (c + 1) / nc;
      if (c1 <= c0) return;
      cblas_sgemm(CblasRowMajor, TA, TB, m, c1 - c0, k, 1.0f, A, lda, tb ? B + c0 * ldb : B + c0, ldb, beta, C + c0, ldc);
    }
  });
}

// matmul(a, b, out, batch, m, n, k, transA, transB, aOffsets|null, bOffsets|null)
// out[i] = op(a[aOff[i]]) * op(b[bOff[i]]), each [m, n]; offsets (Float64Array) default to i*m*k and i*k*n.
napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* A = a.ptr<float>(0);
  const float* B = a.ptr<float>(1);
  float* C = a.ptr<float>(2);
  int64_t batch = a.i64(3), m = a.i64(4), n = a.i64(5), k = a.i64(6);
  bool ta = a.i64(7) != 0, tb = a.i64(8) != 0;
  const double* aOff = a.isNull(9) ? nullptr : a.ptr<double>(9);
  const double* bOff = a.isNull(10) ? nullptr : a.ptr<double>(10);
  if (!a.ok) return nullptr;
  const int lda = std::max<int64_t>(1, ta ? m : k), ldb = std::max<int64_t>(1, tb ? k : n), ldc = std::max<int64_t>(1, n);
  const CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
  auto aAt = [&](int64_t i) { return A + (aOff ? static_cast<int64_t>(aOff[i]) : i * m * k); };
  auto bAt = [&](int64_t i) { return B + (bOff ? static_cast<int64_t>(bOff[i]) : i * k * n); };
  const double flops = 2.0 * m * n * k;
  hdlm::Pool& pool = *gPool;
  if (gBlasThreads == 0 && pool.threads() > 1 && batch >= 2 * pool.threads() && flops * batch > 2e6) {
    // Many small products: whole batch entries per chunk.
    hdlm::parallelFor(pool, batch, flops, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; i++) cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, 1.0f, aAt(i), lda, bAt(i), ldb, 0.0f, C + i * m * n, ldc);
    });
    return undef(env);
  }
  for (int64_t i = 0; i < batch; i++) gemmSplit(ta, tb, m, n, k, aAt(i), lda, bAt(i), ldb, 0.0f, C + i * m * n, ldc);
  return undef(env);
}

// ---------- broadcasting binary ops ----------

enum BinOp { ADD = 0, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQDIFF, POW, GREATER, GREATER_EQ, LESS, LESS_EQ, EQUAL, NOT_EQUAL };

template <int OP>
inline float binf(float x, float y) {
  if constexpr (OP == ADD) return x + y;
  if constexpr (OP == SUB) return x - y;
  if constexpr (OP == MUL) return x * y;
  if constexpr (OP == DIV) return x / y;
  if constexpr (OP == MAXIMUM) return (x != x || y != y) ? NAN : (x > y ? x : y);
  if constexpr (OP == MINIMUM) return (x != x || y != y) ? NAN : (x < y ? x : y);
  if constexpr (OP == SQDIFF) return (x - y) * (x - y);
  if constexpr (OP == POW) return powf(x, y);
  return 0.f;
}
template <int OP>
inline uint8_t cmpf(float x, float y) {
  if constexpr (OP == GREATER) return x > y;
  if constexpr (OP == GREATER_EQ) return x >= y;
  if constexpr (OP == LESS) return x < y;
  if constexpr (OP == LESS_EQ) return x <= y;
  if constexpr (OP == EQUAL) return x == y;
  if constexpr (OP == NOT_EQUAL) return x != y;
  return 0;
}

template <int OP, typename O>
inline O apply(float x, float y) {
  if constexpr (OP >= GREATER) return cmpf<OP>(x, y);
  else return binf<OP>(x, y);
}

// Collapsed broadcast layout: out dims d[0..nd), strides sa/sb (0 where broadcast).
struct Layout {
  int nd = 0;
  int64_t d[8], sa[8], sb[8];
};

template <int OP, typename O>
void binaryRange(const float* A, const float* B, O* C, const Layout& L, int64_t r0, int64_t r1) {
  // Rows are the flattened outer dims [0, nd-1); the inner dim is contiguous in the output.
  const int nd = L.nd;
  const int64_t inner = L.d[nd - 1], ia = L.sa[nd - 1], ib = L.sb[nd - 1];
  for (int64_t r = r0; r < r1; r++) {
    int64_t rem = r, oa = 0, ob = 0;
    for (int j = nd - 2; j >= 0; j--) {
      int64_t idx = rem % L.d[j];
      rem /= L.d[j];
      oa += idx * L.sa[j];
      ob += idx * L.sb[j];
    }
    const float* a = A + oa;
    const float* b = B + ob;
    O* c = C + r * inner;
    if (ia == 1 && ib == 1) {
      for (int64_t i = 0; i < inner; i++) c[i] = apply<OP, O>(a[i], b[i]);
    } else if (ia == 1 && ib == 0) {
      const float y = b[0];
      for (int64_t i = 0; i < inner; i++) c[i] = apply<OP, O>(a[i], y);
    } else if (ia == 0 && ib == 1) {
      const float x = a[0];
      for (int64_t i = 0; i < inner; i++) c[i] = apply<OP, O>(x, b[i]);
    } else {
      for (int64_t i = 0; i < inner; i++) c[i] = apply<OP, O>(a[i * ia], b[i * ib]);
    }
  }
}

template <int OP, typename O>
void binaryRun(const float* A, const float* B, O* C, const Layout& L) {
  int64_t rows = 1;
  for (int j = 0; j < L.nd - 1; j++) rows *= L.d[j];
  const int64_t inner = L.d[L.nd - 1];
  const double cost = OP == POW ? 20.0 * inner : 1.0 * inner;
  if (rows == 1 && inner * (OP == POW ? 20 : 1) >= 65536 && gPool->threads() > 1) {
    // One long row: split the inner dim.
    hdlm::parallelFor(*gPool, inner, OP == POW ? 20.0 : 1.0, [&](int64_t b, int64_t e) {
      Layout l2 = L;
      l2.d[L.nd - 1] = e - b;
      binaryRange<OP, O>(A + b * L.sa[L.nd - 1], B + b * L.sb[L.nd - 1], C + b, l2, 0, 1);
    });
    return;
  }
  hdlm::parallelFor(*gPool, rows, cost, [&](int64_t b, int64_t e) { binaryRange<OP, O>(A, B, C, L, b, e); });
}

// binary(op, a, b, out, outShape: Float64Array, aShape: Float64Array, bShape: Float64Array)
// a and b are right-aligned against outShape (numpy broadcasting); out is Float32Array or Uint8Array (comparisons).
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int op = static_cast<int>(a.i64(0));
  const float* A = a.ptr<float>(1);
  const float* B = a.ptr<float>(2);
  void* C = a.ptr<void>(3);
  size_t nd = 0, na = 0, nb = 0;
  const double* os = a.ptr<double>(4, &nd);
  const double* as = a.ptr<double>(5, &na);
  const double* bs = a.ptr<double>(6, &nb);
  if (!a.ok) return nullptr;
  if (nd > 64) {
    a.fail("hdlm_native.binary: rank too large");
    return nullptr;
  }
  // Full strides (right-aligned), then collapse adjacent dims with compatible strides.
  int64_t d[64], sa[64], sb[64];
  int64_t accA = 1, accB = 1;
  for (int j = static_cast<int>(nd) - 1; j >= 0; j--) {
    d[j] = static_cast<int64_t>(os[j]);
    int ja = j - static_cast<int>(nd - na), jb = j - static_cast<int>(nd - nb);
    int64_t da = ja >= 0 ? static_cast<int64_t>(as[ja]) : 1, db = jb >= 0 ? static_cast<int64_t>(bs[jb]) : 1;
    sa[j] = (da == 1 && d[j] != 1) ? 0 : accA;
    sb[j] = (db == 1 && d[j] != 1) ? 0 : accB;
    accA *= da;
    accB *= db;
  }
  Layout L;
  int64_t total = 1;
  for (size_t j = 0; j < nd; j++) total *= d[j];
  if (total == 0) return undef(env);
  for (size_t j = 0; j < nd; j++) {
    if (d[j] == 1) continue;  // size-1 dims carry no iteration
    if (L.nd > 0) {
      int p = L.nd - 1;
      bool mergeA = sa[j] * d[j] == L.sa[p] || (sa[j] == 0 && L.sa[p] == 0);
      bool mergeB = sb[j] * d[j] == L.sb[p] || (sb[j] == 0 && L.sb[p] == 0);
      if (mergeA && mergeB) {
        L.d[p] *= d[j];
        L.sa[p] = sa[j];
        L.sb[p] = sb[j];
        continue;
      }
    }
    if (L.nd == 8) {
      a.fail("hdlm_native.binary: broadcast pattern too complex");
      return nullptr;
    }
    L.d[L.nd] = d[j];
    L.sa[L.nd] = sa[j];
    L.sb[L.nd] = sb[j];
    L.nd++;
  }
  if (L.nd == 0) {
    L.nd = 1;
    L.d[0] = 1;
    L.sa[0] = 0;
    L.sb[0] = 0;
  }
  float* Cf = static_cast<float*>(C);
  uint8_t* Cb = static_cast<uint8_t*>(C);
  switch (op) {
    case ADD: binaryRun<ADD, float>(A, B, Cf, L); break;
    case SUB: binaryRun<SUB, float>(A, B, Cf, L); break;
    case MUL: binaryRun<MUL, float>(A, B, Cf, L); break;
    case DIV: binaryRun<DIV, float>(A, B, Cf, L); break;
    case MAXIMUM: binaryRun<MAXIMUM, float>(A, B, Cf, L); break;
    case MINIMUM: binaryRun<MINIMUM, float>(A, B, Cf, L); break;
    case SQDIFF: binaryRun<SQDIFF, float>(A, B, Cf, L); break;
    case POW: binaryRun<POW, float>(A, B, Cf, L); break;
    case GREATER: binaryRun<GREATER, uint8_t>(A, B, Cb, L); break;
    case GREATER_EQ: binaryRun<GREATER_EQ, uint8_t>(A, B, Cb, L); break;
    case LESS: binaryRun<LESS, uint8_t>(A, B, Cb, L); break;
    case LESS_EQ: binaryRun<LESS_EQ, uint8_t>(A, B, Cb, L); break;
    case EQUAL: binaryRun<EQUAL, uint8_t>(A, B, Cb, L); break;
    case NOT_EQUAL: binaryRun<NOT_EQUAL, uint8_t>(A, B, Cb, L); break;
    default: a.fail("hdlm_native.binary: unknown op"); return nullptr;
  }
  return undef(env);
}

// ---------- unary ops ----------

enum UnOp { EXP = 0, LOG, TANH, SQRT, RSQRT, NEG, SQUARE, ABS, SIGMOID, RELU, RECIPROCAL, LOG1P, STEP, ELU, GELU_TANH };

template <int OP>
void unaryLoop(const float* x, float* y, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    if constexpr (OP == EXP) y[i] = expf(v);
    if constexpr (OP == LOG) y[i] = logf(v);
    if constexpr (OP == TANH) y[i] = tanhf(v);
    if constexpr (OP == SQRT) y[i] = sqrtf(v);
    if constexpr (OP == RSQRT) y[i] = 1.0f / sqrtf(v);
    if constexpr (OP == NEG) y[i] = -v;
    if constexpr (OP == SQUARE) y[i] = v * v;
    if constexpr (OP == ABS) y[i] = fabsf(v);
    if constexpr (OP == SIGMOID) y[i] = 1.0f / (1.0f + expf(-v));
    if constexpr (OP == RELU) y[i] = v < 0.f ? 0.f : v;  // NaN passes through, as in the JS kernel
    if constexpr (OP == RECIPROCAL) y[i] = 1.0f / v;
    if constexpr (OP == LOG1P) y[i] = log1pf(v);
    if constexpr (OP == STEP) y[i] = v != v ? v : (v > 0.f ? 1.f : alpha);
    if constexpr (OP == ELU) y[i] = v >= 0.f ? v : expf(v) - 1.0f;
    if constexpr (OP == GELU_TANH) y[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
  }
}

template <int OP>
void unaryRun(const float* x, float* y, int64_t n, float alpha, double cost) {
  hdlm::parallelFor(*gPool, n, cost, [&](int64_t b, int64_t e) { unaryLoop<OP>(x + b, y + b, e - b, alpha); });
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int op = static_cast<int>(a.i64(0));
  size_t n = 0;
  const float* x = a.ptr<float>(1, &n);
  float* y = a.ptr<float>(2);
  float alpha = static_cast<float>(a.f64(3));
  if (!a.ok) return nullptr;
  const int64_t N = static_cast<int64_t>(n);
  switch (op) {
    case EXP: unaryRun<EXP>(x, y, N, alpha, 4); break;
    case LOG: unaryRun<LOG>(x, y, N, alpha, 4); break;
    case TANH: unaryRun<TANH>(x, y, N, alpha, 6); break;
    case SQRT: unaryRun<SQRT>(x, y, N, alpha, 2); break;
    case RSQRT: unaryRun<RSQRT>(x, y, N, alpha, 2); break;
    case NEG: unaryRun<NEG>(x, y, N, alpha, 1); break;
    case SQUARE: unaryRun<SQUARE>(x, y, N, alpha, 1); break;
    case ABS: unaryRun<ABS>(x, y, N, alpha, 1); break;
    case SIGMOID: unaryRun<SIGMOID>(x, y, N, alpha, 6); break;
    case RELU: unaryRun<RELU>(x, y, N, alpha, 1); break;
    case RECIPROCAL: unaryRun<RECIPROCAL>(x, y, N, alpha, 2); break;
    case LOG1P: unaryRun<LOG1P>(x, y, N, alpha, 6); break;
    case STEP: unaryRun<STEP>(x, y, N, alpha, 1); break;
    case ELU: unaryRun<ELU>(x, y, N, alpha, 4); break;
    case GELU_TANH: unaryRun<GELU_TANH>(x, y, N, alpha, 8); break;
    default: a.fail("hdlm_native.unary: unknown op"); return nullptr;
  }
  return undef(env);
}

// ---------- transpose (4-byte elements) ----------

// transpose(x, out, shape: Float64Array, perm: Float64Array)
napi_value Transpose(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const uint32_t* X = a.ptr<uint32_t>(0);
  uint32_t* Y = a.ptr<uint32_t>(1);
  size_t nd = 0;
  const double* shp = a.ptr<double>(2, &nd);
  const double* prm = a.ptr<double>(3);
  if (!a.ok) return nullptr;
  if (nd > 64) {
    a.fail("hdlm_native.transpose: rank too large");
    return nullptr;
  }
  // Drop size-1 dims, then merge input dims that stay adjacent in the output.
  int64_t inStride[64];
  int64_t acc = 1, total = 1;
  for (int j = static_cast<int>(nd) - 1; j >= 0; j--) {
    inStride[j] = acc;
    acc *= static_cast<int64_t>(shp[j]);
  }
  total = acc;
  if (total == 0) return undef(env);
  int64_t od[64], os[64];  // output dims with their input strides
  int n = 0;
  for (size_t j = 0; j < nd; j++) {
    int p = static_cast<int>(prm[j]);
    int64_t dim = static_cast<int64_t>(shp[p]);
    if (dim == 1) continue;
    if (n > 0 && os[n - 1] == inStride[p] * dim) {
      od[n - 1] *= dim;
      os[n - 1] = inStride[p];
      continue;
    }
    od[n] = dim;
    os[n] = inStride[p];
    n++;
  }
  if (n == 0 || (n == 1 && os[0] == 1)) {
    std::memcpy(Y, X, total * 4);
    return undef(env);
  }
  if (os[n - 1] == 1) {
    // Contiguous inner blocks: copy rows.
    const int64_t inner = od[n - 1];
    const int64_t rows = total / inner;
    hdlm::parallelFor(*gPool, rows, static_cast<double>(inner), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        int64_t rem = r, off = 0;
        for (int j = n - 2; j >= 0; j--) {
          off += (rem % od[j]) * os[j];
          rem /= od[j];
        }
        std::memcpy(Y + r * inner, X + off, inner * 4);
      }
    });
    return undef(env);
  }
  // The inner output dim is strided in the input: find the input-contiguous dim q (stride 1) and tile over (q, last).
  int q = -1;
  for (int j = 0; j < n; j++)
    if (os[j] == 1) q = j;
  if (q < 0) {
    a.fail("hdlm_native.transpose: internal layout error");
    return nullptr;
  }
  // Output strides.
  int64_t ost[64];
  int64_t oacc = 1;
  for (int j = n - 1; j >= 0; j--) {
    ost[j] = oacc;
    oacc *= od[j];
  }
  const int last = n - 1;
  const int64_t R = od[q], Cc = od[last];  // tile dims: input-contiguous (q) and output-contiguous (last)
  const int64_t sIn = os[last], sOut = ost[q];
  // Outer iteration over all dims except q and last.
  int64_t outerCount = total / (R * Cc);
  int oidx[64];
  int no = 0;
  for (int j = 0; j < n; j++)
    if (j != q && j != last) oidx[no++] = j;
  const int64_t T = 32;
  hdlm::parallelFor(*gPool, outerCount * ((R + T - 1) / T), static_cast<double>(T * Cc), [&](int64_t w0, int64_t w1) {
    const int64_t rt = (R + T - 1) / T;
    for (int64_t w = w0; w < w1; w++) {
      int64_t o = w / rt, tr = (w % rt) * T;
      int64_t rem = o, inOff = 0, outOff = 0;
      for (int jj = no - 1; jj >= 0; jj--) {
        int j = oidx[jj];
        int64_t idx = rem % od[j];
        rem /= od[j];
        inOff += idx * os[j];
        outOff += idx * ost[j];
      }
      const int64_t r1 = std::min(R, tr + T);
      for (int64_t c0 = 0; c0 < Cc; c0 += T) {
        const int64_t c1 = std::min(Cc, c0 + T);
        for (int64_t r = tr; r < r1; r++)
          for (int64_t c = c0; c < c1; c++) Y[outOff + r * sOut + c] = X[inOff + r + c * sIn];
      }
    }
  });
  return undef(env);
}

// ---------- reductions ----------

enum RedOp { RSUM = 0, RMAX, RMIN, RPROD };

// reduce(op, x, out, outer, r, inner): out[o, i] = reduce_j x[o, j, i] (mean = sum then scale in JS)
template <int OP>
inline float rinit() {
  if constexpr (OP == RSUM) return 0.f;
  if constexpr (OP == RMAX) return -INFINITY;
  if constexpr (OP == RMIN) return INFINITY;
  return 1.f;
}
template <int OP>
inline float racc(float acc, float v) {
  if constexpr (OP == RSUM) return acc + v;
  if constexpr (OP == RMAX) return (v > acc || v != v) ? v : acc;
  if constexpr (OP == RMIN) return (v < acc || v != v) ? v : acc;
  return acc * v;
}

template <int OP>
void reduceRun(const float* X, float* Y, int64_t outer, int64_t R, int64_t inner) {
  if (inner == 1) {
    hdlm::parallelFor(*gPool, outer, static_cast<double>(R), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        const float* x = X + o * R;
        if constexpr (OP == RSUM) {
          // Eight partial sums: vectorises and is more accurate than one running sum.
          float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
          int64_t j = 0;
          for (; j + 8 <= R; j += 8)
            for (int t = 0; t < 8; t++) s[t] += x[j + t];
          float acc = 0.f;
          for (; j < R; j++) acc += x[j];
          Y[o] = acc + ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
        } else {
          float acc = rinit<OP>();
          for (int64_t j = 0; j < R; j++) acc = racc<OP>(acc, x[j]);
          Y[o] = acc;
        }
      }
    });
    return;
  }
  // Column reduction: parallel over (outer, inner chunks).
  const int64_t chunk = 256;
  const int64_t nChunks = (inner + chunk - 1) / chunk;
  hdlm::parallelFor(*gPool, outer * nChunks, static_cast<double>(R * std::min(inner, chunk)), [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; w++) {
      int64_t o = w / nChunks, c0 = (w % nChunks) * chunk, c1 = std::min(inner, c0 + chunk);
      float* y = Y + o * inner;
      for (int64_t i = c0; i < c1; i++) y[i] = rinit<OP>();
      for (int64_t j = 0; j < R; j++) {
        const float* x = X + (o * R + j) * inner;
        for (int64_t i = c0; i < c1; i++) y[i] = racc<OP>(y[i], x[i]);
      }
    }
  });
}

napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int op = static_cast<int>(a.i64(0));
  const float* X = a.ptr<float>(1);
  float* Y = a.ptr<float>(2);
  int64_t outer = a.i64(3), R = a.i64(4), inner = a.i64(5);
  if (!a.ok) return nullptr;
  if (outer * inner == 0) return undef(env);
  switch (op) {
    case RSUM: reduceRun<RSUM>(X, Y, outer, R, inner); break;
    case RMAX: reduceRun<RMAX>(X, Y, outer, R, inner); break;
    case RMIN: reduceRun<RMIN>(X, Y, outer, R, inner); break;
    case RPROD: reduceRun<RPROD>(X, Y, outer, R, inner); break;
    default: a.fail("hdlm_native.reduce: unknown op"); return nullptr;
  }
  return undef(env);
}

// ---------- softmax over the last axis ----------

// softmax(x, out, rows, cols, log)
napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  float* Y = a.ptr<float>(1);
  int64_t rows = a.i64(2), cols = a.i64(3);
  bool logMode = a.i64(4) != 0;
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 6.0 * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* x = X + r * cols;
      float* y = Y + r * cols;
      const float mx = rowMax(x, cols);
      expShift(x, y, cols, mx);
      const float s = rowSum(y, cols);
      if (logMode) {
        const float ls = logf(s) + mx;
        for (int64_t j = 0; j < cols; j++) y[j] = x[j] - ls;
      } else {
        const float inv = 1.0f / s;
        for (int64_t j = 0; j < cols; j++) y[j] *= inv;
      }
    }
  });
  return undef(env);
}

// ---------- segment sum, gather, select ----------

// segmentSum(x, ids: Int32Array, out (zeroed), numSegments, inner)
napi_value SegmentSum(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  size_t nIds = 0;
  const int32_t* ids = a.ptr<int32_t>(1, &nIds);
  float* Y = a.ptr<float>(2);
  int64_t numSeg = a.i64(3), inner = a.i64(4);
  if (!a.ok) return nullptr;
  // Parallel over column chunks: each thread owns its columns, so no write conflicts.
  hdlm::parallelFor(*gPool, inner, static_cast<double>(nIds), [&](int64_t c0, int64_t c1) {
    for (size_t i = 0; i < nIds; i++) {
      const int32_t s = ids[i];
      if (s < 0 || s >= numSeg) continue;
      const float* x = X + i * inner;
      float* y = Y + s * inner;
      for (int64_t c = c0; c < c1; c++) y[c] += x[c];
    }
  });
  return undef(env);
}

// gather(x (4-byte), idx: Int32Array, out, outer, axisDim, inner) -> false if an index is out of range
napi_value Gather(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const uint32_t* X = a.ptr<uint32_t>(0);
  size_t nIdx = 0;
  const int32_t* idx = a.ptr<int32_t>(1, &nIdx);
  uint32_t* Y = a.ptr<uint32_t>(2);
  int64_t outer = a.i64(3), axisDim = a.i64(4), inner = a.i64(5);
  if (!a.ok) return nullptr;
  for (size_t i = 0; i < nIdx; i++)
    if (idx[i] < 0 || idx[i] >= axisDim) return boolean(env, false);
  hdlm::parallelFor(*gPool, outer * static_cast<int64_t>(nIdx), static_cast<double>(inner), [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; w++) {
      int64_t o = w / static_cast<int64_t>(nIdx), i = w % static_cast<int64_t>(nIdx);
      std::memcpy(Y + w * inner, X + (o * axisDim + idx[i]) * inner, inner * 4);
    }
  });
  return boolean(env, true);
}

// select(cond: Uint8Array, t, e, out, inner): out[r, i] = cond[r] ? t[r, i] : e[r, i]  (inner = 1: elementwise)
napi_value Select(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t nc = 0;
  const uint8_t* cond = a.ptr<uint8_t>(0, &nc);
  const uint32_t* T = a.ptr<uint32_t>(1);
  const uint32_t* E = a.ptr<uint32_t>(2);
  uint32_t* Y = a.ptr<uint32_t>(3);
  int64_t inner = a.i64(4);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, static_cast<int64_t>(nc), static_cast<double>(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const uint32_t* src = cond[r] ? T : E;
      for (int64_t i = 0; i < inner; i++) Y[r * inner + i] = src[r * inner + i];
    }
  });
  return undef(env);
}

// ---------- fused training helpers ----------

// layerNorm(x, gamma, beta, out, xhat, rstd, rows, cols, eps): y = gamma * (x - mean) * rstd + beta
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const float* G = a.ptr<float>(1);
  const float* Bt = a.ptr<float>(2);
  float* Y = a.ptr<float>(3);
  float* XH = a.ptr<float>(4);
  float* RS = a.ptr<float>(5);
  int64_t rows = a.i64(6), cols = a.i64(7);
  float eps = static_cast<float>(a.f64(8));
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 4.0 * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* x = X + r * cols;
      const float mean = rowSum(x, cols) / cols;
      float* xh = XH + r * cols;
      for (int64_t j = 0; j < cols; j++) xh[j] = x[j] - mean;
      const float var = rowDot(xh, xh, cols) / cols;
      const float rs = 1.0f / sqrtf(var + eps);
      RS[r] = rs;
      float* y = Y + r * cols;
      for (int64_t j = 0; j < cols; j++) {
        xh[j] *= rs;
        y[j] = xh[j] * G[j] + Bt[j];
      }
    }
  });
  return undef(env);
}

// layerNormGrad(dy, xhat, rstd, gamma, dx, dgamma, dbeta, rows, cols)
napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* DY = a.ptr<float>(0);
  const float* XH = a.ptr<float>(1);
  const float* RS = a.ptr<float>(2);
  const float* G = a.ptr<float>(3);
  float* DX = a.ptr<float>(4);
  float* DG = a.ptr<float>(5);
  float* DB = a.ptr<float>(6);
  int64_t rows = a.i64(7), cols = a.i64(8);
  if (!a.ok) return nullptr;
  // Row blocks claimed dynamically; each block keeps its own partial dgamma/dbeta, summed at the end.
  const bool par = gPool->threads() > 1 && rows * cols >= 32768;
  const int64_t nb = par ? std::min<int64_t>(rows, 4 * gPool->threads()) : 1;
  std::vector<float> partG(static_cast<size_t>(nb * cols), 0.f), partB(static_cast<size_t>(nb * cols), 0.f);
  auto body = [&](int64_t c, int64_t nc) {
    int64_t r0 = rows * c / nc, r1 = rows * (c + 1) / nc;
    float* pg = partG.data() + c * cols;
    float* pb = partB.data() + c * cols;
    for (int64_t r = r0; r < r1; r++) {
      const float* dy = DY + r * cols;
      const float* xh = XH + r * cols;
      float* dx = DX + r * cols;
      float s1 = 0.f, s2 = 0.f;
      for (int64_t j = 0; j < cols; j++) {
        const float g = dy[j] * G[j];
        s1 += g;
        s2 += g * xh[j];
        pg[j] += dy[j] * xh[j];
        pb[j] += dy[j];
      }
      s1 /= cols;
      s2 /= cols;
      const float rs = RS[r];
      for (int64_t j = 0; j < cols; j++) dx[j] = rs * (dy[j] * G[j] - s1 - xh[j] * s2);
    }
  };
  if (nb > 1) gPool->run(nb, body);
  else body(0, 1);
  for (int64_t j = 0; j < cols; j++) {
    float g = 0.f, b = 0.f;
    for (int64_t c = 0; c < nb; c++) {
      g += partG[c * cols + j];
      b += partB[c * cols + j];
    }
    DG[j] = g;
    DB[j] = b;
  }
  return undef(env);
}

// geluGrad(x, dy, dx): derivative of the tanh-approximated GELU
napi_value GeluGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float* X = a.ptr<float>(0, &n);
  const float* DY = a.ptr<float>(1);
  float* DX = a.ptr<float>(2);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, static_cast<int64_t>(n), 10.0, [&](int64_t b, int64_t e) {
    const float c = 0.7978845608028654f;
    for (int64_t i = b; i < e; i++) {
      const float x = X[i];
      const float u = c * (x + 0.044715f * x * x * x);
      const float t = tanhf(u);
      const float du = c * (1.0f + 3.0f * 0.044715f * x * x);
      DX[i] = DY[i] * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du);
    }
  });
  return undef(env);
}

// adam(param, m, v, grad, lr, beta1, beta2, eps, 1 - beta1^t, 1 - beta2^t): one in-place Adam update (tfjs's formula)
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  float* P = a.ptr<float>(0, &n);
  float* M = a.ptr<float>(1);
  float* V = a.ptr<float>(2);
  const float* G = a.ptr<float>(3);
  const float lr = static_cast<float>(a.f64(4)), b1 = static_cast<float>(a.f64(5)), b2 = static_cast<float>(a.f64(6));
  const float eps = static_cast<float>(a.f64(7)), c1 = static_cast<float>(a.f64(8)), c2 = static_cast<float>(a.f64(9));
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, static_cast<int64_t>(n), 4.0, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const float g = G[i];
      const float m = M[i] * b1 + g * (1.0f - b1);
      const float v = V[i] * b2 + (g * g) * (1.0f - b2);
      M[i] = m;
      V[i] = v;
      P[i] += ((m / c1) / (sqrtf(v / c2) + eps)) * -lr;
    }
  });
  return undef(env);
}

// crossEntropy(logits, targets: Int32Array, weights, out, lse, rows, cols): out[r] = weights[r] * (logsumexp(logits[r]) - logits[r, targets[r]])
// Targets outside [0, cols) give a zero loss (and zero gradient) for that row.
napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const int32_t* T = a.ptr<int32_t>(1);
  const float* W = a.ptr<float>(2);
  float* OUT = a.ptr<float>(3);
  float* LSE = a.ptr<float>(4);
  int64_t rows = a.i64(5), cols = a.i64(6);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 4.0 * cols, [&](int64_t r0, int64_t r1) {
    std::vector<float> tmp(static_cast<size_t>(cols));
    for (int64_t r = r0; r < r1; r++) {
      const float* x = X + r * cols;
      const float mx = rowMax(x, cols);
      expShift(x, tmp.data(), cols, mx);
      const float lse = logf(rowSum(tmp.data(), cols)) + mx;
      LSE[r] = lse;
      const int32_t t = T[r];
      OUT[r] = (t >= 0 && t < cols) ? W[r] * (lse - x[t]) : 0.f;
    }
  });
  return undef(env);
}

// crossEntropyGrad(logits, targets, weights, lse, dy (per row), dlogits, rows, cols): dlogits = dy * w * (softmax - onehot)
napi_value CrossEntropyGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const int32_t* T = a.ptr<int32_t>(1);
  const float* W = a.ptr<float>(2);
  const float* LSE = a.ptr<float>(3);
  const float* DY = a.ptr<float>(4);
  float* DX = a.ptr<float>(5);
  int64_t rows = a.i64(6), cols = a.i64(7);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 3.0 * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* x = X + r * cols;
      float* dx = DX + r * cols;
      const int32_t t = T[r];
      if (t < 0 || t >= cols) {
        std::memset(dx, 0, cols * sizeof(float));
        continue;
      }
      const float scale = DY[r] * W[r];
      const float lse = LSE[r];
      for (int64_t j = 0; j < cols; j++) dx[j] = scale * expf(x[j] - lse);
      dx[t] -= scale;
    }
  });
  return undef(env);
}

// Optional extras of `attention` / `attentionGrad`: rotary tables cos, sin [T, dh] (GPT-NeoX rotate-half form) applied
// to q and k, an additive key bias [B, T] (e.g. -1e9 on padded keys) and a causal flag (-1e9 where key > query).
struct AttExtras {
  const float* cos = nullptr;
  const float* sin = nullptr;
  const float* keyBias = nullptr;
  bool causal = false;
};

AttExtras attExtras(Args& a, size_t first) {
  AttExtras e;
  if (a.argc > first && !a.isNull(first)) e.cos = a.ptr<float>(first);
  if (a.argc > first + 1 && !a.isNull(first + 1)) e.sin = a.ptr<float>(first + 1);
  if (a.argc > first + 2 && !a.isNull(first + 2)) e.keyBias = a.ptr<float>(first + 2);
  if (a.argc > first + 3 && !a.isNull(first + 3)) e.causal = a.i64(first + 3) != 0;
  if ((e.cos == nullptr) != (e.sin == nullptr)) a.fail("hdlm_native.attention: cos and sin must be given together");
  return e;
}

// dst[T, dh] (contiguous) = rotary(src rows of stride ld): y_i = x_i c_i - x_{i+h} s_i, y_{i+h} = x_{i+h} c_{i+h} + x_i s_{i+h}.
void ropeRows(const float* src, int64_t ld, float* dst, int64_t T, int64_t dh, const float* C, const float* S) {
  const int64_t half = dh / 2;
  for (int64_t r = 0; r < T; r++) {
    const float* x = src + r * ld;
    const float* c = C + r * dh;
    const float* s = S + r * dh;
    float* y = dst + r * dh;
    for (int64_t i = 0; i < half; i++) y[i] = x[i] * c[i] + (-x[i + half]) * s[i];
    for (int64_t i = half; i < dh; i++) y[i] = x[i] * c[i] + x[i - half] * s[i];
  }
}

// Transposed rotary (the gradient): dx_i = dy_i c_i + dy_{i+h} s_{i+h}, dx_{i+h} = dy_{i+h} c_{i+h} - dy_i s_i; dst rows of stride ld.
void ropeRowsT(const float* dy, float* dst, int64_t ld, int64_t T, int64_t dh, const float* C, const float* S) {
  const int64_t half = dh / 2;
  for (int64_t r = 0; r < T; r++) {
    const float* g = dy + r * dh;
    const float* c = C + r * dh;
    const float* s = S + r * dh;
    float* y = dst + r * ld;
    for (int64_t i = 0; i < half; i++) y[i] = g[i] * c[i] + g[i + half] * s[i + half];
    for (int64_t i = half; i < dh; i++) y[i] = g[i] * c[i] - g[i - half] * s[i - half];
  }
}

// attention(qkv, out, probs, B, T, H, dh, scale[, cos, sin, keyBias, causal]): multi-head attention reading Q, K, V in
// place from the fused projection qkv [B*T, 3D] (q | k | v, heads contiguous within each); writes out [B*T, D] and
// probs [B, H, T, T]. Scores are scale * q kᵀ (+ keyBias[b, key]) (- 1e9 where key > query when causal), then softmax.
napi_value Attention(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* QKV = a.ptr<float>(0);
  float* OUT = a.ptr<float>(1);
  float* PR = a.ptr<float>(2);
  int64_t B = a.i64(3), T = a.i64(4), H = a.i64(5), dh = a.i64(6);
  float scale = static_cast<float>(a.f64(7));
  const AttExtras ex = attExtras(a, 8);
  if (!a.ok) return nullptr;
  const int64_t D = H * dh, D3 = 3 * D;
  const bool rope = ex.cos != nullptr;
  hdlm::parallelFor(*gPool, B * H, 4.0 * T * T * dh, [&](int64_t p0, int64_t p1) {
    std::vector<float> rq(rope ? static_cast<size_t>(2 * T * dh) : 0);
    for (int64_t p = p0; p < p1; p++) {
      const int64_t b = p / H, h = p % H;
      const float* Q = QKV + b * T * D3 + h * dh;
      const float* K = Q + D;
      const float* V = Q + 2 * D;
      int64_t ldq = D3;
      if (rope) {
        ropeRows(Q, D3, rq.data(), T, dh, ex.cos, ex.sin);
        ropeRows(K, D3, rq.data() + T * dh, T, dh, ex.cos, ex.sin);
        Q = rq.data();
        K = rq.data() + T * dh;
        ldq = dh;
      }
      float* S = PR + p * T * T;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, scale, Q, ldq, K, ldq, 0.0f, S, T);
      const float* kb = ex.keyBias == nullptr ? nullptr : ex.keyBias + b * T;
      for (int64_t r = 0; r < T; r++) {
        float* row = S + r * T;
        if (kb != nullptr)
          for (int64_t j = 0; j < T; j++) row[j] += kb[j];
        if (ex.causal)
          for (int64_t j = r + 1; j < T; j++) row[j] += -1e9f;
        const float mx = rowMax(row, T);
        expShift(row, row, T, mx);
        const float inv = 1.0f / rowSum(row, T);
        for (int64_t j = 0; j < T; j++) row[j] *= inv;
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, 1.0f, S, T, V, D3, 0.0f, OUT + b * T * D + h * dh, D);
    }
  });
  return undef(env);
}

// attentionGrad(qkv, probs, dout, dqkv, B, T, H, dh, scale[, cos, sin, keyBias, causal]): gradient of `attention`
// with respect to qkv (the bias and the causal mask are constants; they enter only through probs).
napi_value AttentionGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* QKV = a.ptr<float>(0);
  const float* PR = a.ptr<float>(1);
  const float* DOUT = a.ptr<float>(2);
  float* DQKV = a.ptr<float>(3);
  int64_t B = a.i64(4), T = a.i64(5), H = a.i64(6), dh = a.i64(7);
  float scale = static_cast<float>(a.f64(8));
  const AttExtras ex = attExtras(a, 9);
  if (!a.ok) return nullptr;
  const int64_t D = H * dh, D3 = 3 * D;
  const bool rope = ex.cos != nullptr;
  hdlm::parallelFor(*gPool, B * H, 8.0 * T * T * dh, [&](int64_t p0, int64_t p1) {
    std::vector<float> dP(static_cast<size_t>(T * T));
    std::vector<float> rq(rope ? static_cast<size_t>(4 * T * dh) : 0);
    for (int64_t p = p0; p < p1; p++) {
      const int64_t b = p / H, h = p % H;
      const float* Q = QKV + b * T * D3 + h * dh;
      const float* K = Q + D;
      const float* V = Q + 2 * D;
      const float* P = PR + p * T * T;
      const float* dO = DOUT + b * T * D + h * dh;
      float* dQ = DQKV + b * T * D3 + h * dh;
      float* dK = dQ + D;
      float* dV = dQ + 2 * D;
      float* dS = dP.data();
      int64_t ldq = D3;
      float* dQr = dQ;
      float* dKr = dK;
      if (rope) {
        ropeRows(Q, D3, rq.data(), T, dh, ex.cos, ex.sin);
        ropeRows(K, D3, rq.data() + T * dh, T, dh, ex.cos, ex.sin);
        Q = rq.data();
        K = rq.data() + T * dh;
        dQr = rq.data() + 2 * T * dh;
        dKr = rq.data() + 3 * T * dh;
        ldq = dh;
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, 1.0f, dO, D, V, D3, 0.0f, dS, T);
      for (int64_t r = 0; r < T; r++) {
        const float* pr = P + r * T;
        float* ds = dS + r * T;
        const float dot = rowDot(pr, ds, T);
        for (int64_t j = 0; j < T; j++) ds[j] = scale * pr[j] * (ds[j] - dot);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, 1.0f, dS, T, K, ldq, 0.0f, dQr, ldq);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T, 1.0f, dS, T, Q, ldq, 0.0f, dKr, ldq);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T, 1.0f, P, T, dO, D, 0.0f, dV, D3);
      if (rope) {
        ropeRowsT(dQr, dQ, D3, T, dh, ex.cos, ex.sin);
        ropeRowsT(dKr, dK, D3, T, dh, ex.cos, ex.sin);
      }
    }
  });
  return undef(env);
}

// linearBias(x, w, bias, out, m, k, n): out = x[m,k] w[k,n] + bias[n] (bias written first, then sgemm with beta = 1)
napi_value LinearBias(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const float* W = a.ptr<float>(1);
  const float* Bv = a.ptr<float>(2);
  float* OUT = a.ptr<float>(3);
  int64_t m = a.i64(4), k = a.i64(5), n = a.i64(6);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, m, static_cast<double>(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) std::memcpy(OUT + r * n, Bv, n * sizeof(float));
  });
  if (k > 0) gemmSplit(false, false, m, n, k, X, std::max<int64_t>(1, k), W, std::max<int64_t>(1, n), 1.0f, OUT, std::max<int64_t>(1, n));
  return undef(env);
}

// linearBiasGrad(x, w, dy, dx, dw, db, m, k, n): dx = dy wᵀ, dw = xᵀ dy, db = column sums of dy
napi_value LinearBiasGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const float* W = a.ptr<float>(1);
  const float* DY = a.ptr<float>(2);
  float* DX = a.ptr<float>(3);
  float* DW = a.ptr<float>(4);
  float* DB = a.ptr<float>(5);
  int64_t m = a.i64(6), k = a.i64(7), n = a.i64(8);
  if (!a.ok) return nullptr;
  const int64_t ldk = std::max<int64_t>(1, k), ldn = std::max<int64_t>(1, n);
  if (m > 0 && k > 0 && n > 0) {
    gemmSplit(false, true, m, k, n, DY, ldn, W, ldn, 0.0f, DX, ldk);
    gemmSplit(true, false, k, n, m, X, ldk, DY, ldn, 0.0f, DW, ldn);
  } else {
    if (m * k > 0) std::memset(DX, 0, m * k * sizeof(float));
    if (k * n > 0) std::memset(DW, 0, k * n * sizeof(float));
  }
  // Column sums: each thread owns a block of columns.
  hdlm::parallelFor(*gPool, n, static_cast<double>(m), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) DB[c] = 0.f;
    for (int64_t r = 0; r < m; r++) {
      const float* row = DY + r * n;
      for (int64_t c = c0; c < c1; c++) DB[c] += row[c];
    }
  });
  return undef(env);
}

// ---------- adaLN modulation and gated residual (DiT blocks) ----------

// modulate(x [B, T, D], shift [B, D], scale [B, D], out, B, T, D): out = x · (1 + scale) + shift (per sequence b)
napi_value Modulate(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const float* SH = a.ptr<float>(1);
  const float* SC = a.ptr<float>(2);
  float* Y = a.ptr<float>(3);
  int64_t B = a.i64(4), T = a.i64(5), D = a.i64(6);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, B * T, 2.0 * D, [&](int64_t r0, int64_t r1) {
    std::vector<float> s1(static_cast<size_t>(D));
    int64_t cur = -1;
    for (int64_t r = r0; r < r1; r++) {
      const int64_t b = r / T;
      if (b != cur) {
        for (int64_t d = 0; d < D; d++) s1[d] = 1.0f + SC[b * D + d];
        cur = b;
      }
      const float* x = X + r * D;
      const float* sh = SH + b * D;
      float* y = Y + r * D;
      for (int64_t d = 0; d < D; d++) y[d] = x[d] * s1[d] + sh[d];
    }
  });
  return undef(env);
}

// modulateGrad(x, scale, dy, dx, dshift, dscale, B, T, D): dx = dy · (1 + scale), dshift = Σ_t dy, dscale = Σ_t dy · x
napi_value ModulateGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const float* SC = a.ptr<float>(1);
  const float* DY = a.ptr<float>(2);
  float* DX = a.ptr<float>(3);
  float* DSH = a.ptr<float>(4);
  float* DSC = a.ptr<float>(5);
  int64_t B = a.i64(6), T = a.i64(7), D = a.i64(8);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, B, 4.0 * T * D, [&](int64_t b0, int64_t b1) {
    std::vector<float> s1(static_cast<size_t>(D));
    for (int64_t b = b0; b < b1; b++) {
      float* dsh = DSH + b * D;
      float* dsc = DSC + b * D;
      for (int64_t d = 0; d < D; d++) {
        s1[d] = 1.0f + SC[b * D + d];
        dsh[d] = 0.f;
        dsc[d] = 0.f;
      }
      for (int64_t t = 0; t < T; t++) {
        const int64_t r = b * T + t;
        const float* x = X + r * D;
        const float* dy = DY + r * D;
        float* dx = DX + r * D;
        for (int64_t d = 0; d < D; d++) {
          dx[d] = dy[d] * s1[d];
          dsh[d] += dy[d];
          dsc[d] += dy[d] * x[d];
        }
      }
    }
  });
  return undef(env);
}

// gatedResidual(x [B, T, D], h [B, T, D], gate [B, D], out, B, T, D): out = x + h · gate
napi_value GatedResidual(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const float* H = a.ptr<float>(1);
  const float* G = a.ptr<float>(2);
  float* Y = a.ptr<float>(3);
  int64_t B = a.i64(4), T = a.i64(5), D = a.i64(6);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, B * T, 2.0 * D, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* x = X + r * D;
      const float* h = H + r * D;
      const float* g = G + (r / T) * D;
      float* y = Y + r * D;
      for (int64_t d = 0; d < D; d++) y[d] = x[d] + h[d] * g[d];
    }
  });
  return undef(env);
}

// gatedResidualGrad(h, gate, dy, dh, dgate, B, T, D): dh = dy · gate, dgate = Σ_t dy · h (dx = dy is the caller's)
napi_value GatedResidualGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* H = a.ptr<float>(0);
  const float* G = a.ptr<float>(1);
  const float* DY = a.ptr<float>(2);
  float* DH = a.ptr<float>(3);
  float* DG = a.ptr<float>(4);
  int64_t B = a.i64(5), T = a.i64(6), D = a.i64(7);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, B, 3.0 * T * D, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const float* g = G + b * D;
      float* dg = DG + b * D;
      for (int64_t d = 0; d < D; d++) dg[d] = 0.f;
      for (int64_t t = 0; t < T; t++) {
        const int64_t r = b * T + t;
        const float* h = H + r * D;
        const float* dy = DY + r * D;
        float* dh = DH + r * D;
        for (int64_t d = 0; d < D; d++) {
          dh[d] = dy[d] * g[d];
          dg[d] += dy[d] * h[d];
        }
      }
    }
  });
  return undef(env);
}

// ---------- HDLM / MDLM loss statistics ----------

// clusterLse(logits, targets: Int32Array, rowCluster: Int32Array|null, memberOffsets: Int32Array|null,
//            members: Int32Array|null, stats, rows, width, vocab)
// Per row r of logits [rows, width], over its first `vocab` columns (the real tokens):
//   stats[3r]     = lse_v l_v                                  (full-row log-sum-exp)
//   stats[3r + 1] = lse_{v in cluster rowCluster[r]} l_v       (members[memberOffsets[k] .. memberOffsets[k+1]]);
//                   equal to stats[3r] when no cluster table is given
//   stats[3r + 2] = l_{targets[r]}
// Targets must lie in [0, vocab) and row clusters in [0, n) (the caller validates them).
napi_value ClusterLse(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const int32_t* T = a.ptr<int32_t>(1);
  const bool clustered = !a.isNull(2);
  const int32_t* RC = clustered ? a.ptr<int32_t>(2) : nullptr;
  const int32_t* OFF = clustered ? a.ptr<int32_t>(3) : nullptr;
  const int32_t* MEM = clustered ? a.ptr<int32_t>(4) : nullptr;
  float* S = a.ptr<float>(5);
  int64_t rows = a.i64(6), width = a.i64(7), vocab = a.i64(8);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 4.0 * vocab, [&](int64_t r0, int64_t r1) {
    std::vector<float> tmp(static_cast<size_t>(vocab));
    for (int64_t r = r0; r < r1; r++) {
      const float* x = X + r * width;
      const float mx = rowMax(x, vocab);
      expShift(x, tmp.data(), vocab, mx);
      const float lseAll = logf(rowSum(tmp.data(), vocab)) + mx;
      float lseC = lseAll;
      if (clustered) {
        const int32_t* m = MEM + OFF[RC[r]];
        const int64_t cnt = OFF[RC[r] + 1] - OFF[RC[r]];
        float mc = -INFINITY;
        for (int64_t j = 0; j < cnt; j++) mc = x[m[j]] > mc ? x[m[j]] : mc;
        float sc = 0.f;
        for (int64_t j = 0; j < cnt; j++) sc += expf(x[m[j]] - mc);
        lseC = logf(sc) + mc;
      }
      S[3 * r] = lseAll;
      S[3 * r + 1] = lseC;
      S[3 * r + 2] = x[T[r]];
    }
  });
  return undef(env);
}

// clusterLseGrad(logits, targets, rowCluster|null, memberOffsets|null, members|null, stats, dstats, dlogits, rows, width, vocab)
// dlogits[r, v] = d0 softmax(l)_v + [v in cluster] d1 exp(l_v - lseC) + [v = target] d2 for v < vocab, 0 for v >= vocab,
// with (d0, d1, d2) = dstats[3r .. 3r + 2] (without a cluster table, d1 goes to the full-row term like d0).
napi_value ClusterLseGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const int32_t* T = a.ptr<int32_t>(1);
  const bool clustered = !a.isNull(2);
  const int32_t* RC = clustered ? a.ptr<int32_t>(2) : nullptr;
  const int32_t* OFF = clustered ? a.ptr<int32_t>(3) : nullptr;
  const int32_t* MEM = clustered ? a.ptr<int32_t>(4) : nullptr;
  const float* S = a.ptr<float>(5);
  const float* DS = a.ptr<float>(6);
  float* DX = a.ptr<float>(7);
  int64_t rows = a.i64(8), width = a.i64(9), vocab = a.i64(10);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 3.0 * width, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* x = X + r * width;
      float* dx = DX + r * width;
      const float d0 = clustered ? DS[3 * r] : DS[3 * r] + DS[3 * r + 1];
      const float lse = S[3 * r];
      for (int64_t j = 0; j < vocab; j++) dx[j] = d0 * expf(x[j] - lse);
      for (int64_t j = vocab; j < width; j++) dx[j] = 0.f;
      if (clustered) {
        const float d1 = DS[3 * r + 1];
        const float lseC = S[3 * r + 1];
        const int32_t* m = MEM + OFF[RC[r]];
        const int64_t cnt = OFF[RC[r] + 1] - OFF[RC[r]];
        for (int64_t j = 0; j < cnt; j++) dx[m[j]] += d1 * expf(x[m[j]] - lseC);
      }
      dx[T[r]] += DS[3 * r + 2];
    }
  });
  return undef(env);
}

// ---------- GIDD loss statistics ----------

// giddKl(logits, x: Int32Array, z: Int32Array, coef, stats, rows, width, maskId)
// GIDD's per-token KL and log-ratio (baselines.md §2) in one pass over each row of logits [rows, width] (MASK at
// column maskId, excluded from the softmax): p = softmax over the other columns, p_MASK = 0; with
// (alpha, u, m) = coef[3r .. 3r + 2] and beta pi_j = u for j != MASK, m for MASK,
//   q_h,j = alpha p_j + beta pi_j,  q_x,j = alpha [j = x] + beta pi_j,  logs clipped at -1e6 (the reference's clamp),
//   stats[3r]     = KL = sum_j q_x,j (log q_x,j - log q_h,j)   (terms with q_x,j = 0 are 0)
//   stats[3r + 1] = log q_x,z - log q_h,z
//   stats[3r + 2] = lse_{j != MASK} l_j                         (kept for the gradient)
// Elementwise work in float (as the tfjs ops), sums in double. x and z must lie in [0, width) (the caller checks).
inline float clippedLog(float q) { return q > 0.f ? std::max(logf(q), -1e6f) : -1e6f; }

napi_value GiddKl(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const int32_t* XT = a.ptr<int32_t>(1);
  const int32_t* ZT = a.ptr<int32_t>(2);
  const float* C = a.ptr<float>(3);
  float* S = a.ptr<float>(4);
  int64_t rows = a.i64(5), width = a.i64(6), maskId = a.i64(7);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 6.0 * width, [&](int64_t r0, int64_t r1) {
    std::vector<float> p(static_cast<size_t>(width));
    for (int64_t r = r0; r < r1; r++) {
      const float* l = X + r * width;
      const float alpha = C[3 * r], u = C[3 * r + 1], m = C[3 * r + 2];
      float mx = -INFINITY;
      for (int64_t j = 0; j < width; j++) if (j != maskId && l[j] > mx) mx = l[j];
      double sum = 0;
      for (int64_t j = 0; j < width; j++) {
        p[j] = j == maskId ? 0.f : expf(l[j] - mx);
        sum += p[j];
      }
      const float inv = static_cast<float>(1.0 / sum);
      const int64_t xr = XT[r], zr = ZT[r];
      const float logU = clippedLog(u);
      double kl = 0;
      float lr = 0.f;
      for (int64_t j = 0; j < width; j++) {
        const float bp = j == maskId ? m : u;
        const float qh = alpha * (p[j] * inv) + bp;
        const float qx = (j == xr ? alpha : 0.f) + bp;
        const float lqh = clippedLog(qh);
        const float lqx = (j == xr || j == maskId) ? clippedLog(qx) : logU;
        if (qx > 0.f) kl += static_cast<double>(qx) * static_cast<double>(lqx - lqh);
        if (j == zr) lr = lqx - lqh;
      }
      S[3 * r] = static_cast<float>(kl);
      S[3 * r + 1] = lr;
      S[3 * r + 2] = static_cast<float>(std::log(sum) + mx);
    }
  });
  return undef(env);
}

// giddKlGrad(logits, x, z, coef, stats, dstats, dlogits, rows, width, maskId)
// With (dK, dR) = dstats[2r .. 2r + 1], the upstream gradients of KL and the log-ratio:
//   g_j = alpha (-dK q_x,j - dR [j = z]) / q_h,j for j != MASK with q_h,j > 0 (else 0: the clamp's flat side),
//   dlogits[r, j] = p_j (g_j - sum_k p_k g_k) for j != MASK, 0 at MASK.
napi_value GiddKlGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* X = a.ptr<float>(0);
  const int32_t* XT = a.ptr<int32_t>(1);
  const int32_t* ZT = a.ptr<int32_t>(2);
  const float* C = a.ptr<float>(3);
  const float* S = a.ptr<float>(4);
  const float* DS = a.ptr<float>(5);
  float* DX = a.ptr<float>(6);
  int64_t rows = a.i64(7), width = a.i64(8), maskId = a.i64(9);
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, rows, 6.0 * width, [&](int64_t r0, int64_t r1) {
    std::vector<float> p(static_cast<size_t>(width));
    for (int64_t r = r0; r < r1; r++) {
      const float* l = X + r * width;
      float* dl = DX + r * width;
      const float alpha = C[3 * r], u = C[3 * r + 1];
      const float lse = S[3 * r + 2];
      const float dK = DS[2 * r], dR = DS[2 * r + 1];
      const int64_t xr = XT[r], zr = ZT[r];
      double pg = 0;
      for (int64_t j = 0; j < width; j++) {
        if (j == maskId) { p[j] = 0.f; dl[j] = 0.f; continue; }
        p[j] = expf(l[j] - lse);
        const float qh = alpha * p[j] + u;
        const float qx = (j == xr ? alpha : 0.f) + u;
        const float g = qh > 0.f ? alpha * (-dK * qx - (j == zr ? dR : 0.f)) / qh : 0.f;
        dl[j] = p[j] * g;
        pg += dl[j];
      }
      const float pgf = static_cast<float>(pg);
      for (int64_t j = 0; j < width; j++) dl[j] -= p[j] * pgf;
    }
  });
  return undef(env);
}

// ---------- AdamW ----------

// sumSquares(x): Σ x² in double (float partial sums over blocks of 4096).
napi_value SumSquares(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float* X = a.ptr<float>(0, &n);
  if (!a.ok) return nullptr;
  double total = 0;
  for (size_t b = 0; b < n; b += 4096) {
    const size_t e = std::min(n, b + 4096);
    total += static_cast<double>(rowDot(X + b, X + b, static_cast<int64_t>(e - b)));
  }
  return number(env, total);
}

// adamw(param, m, v, grad, paramOut, mOut, vOut, gradScale, decay, beta1, 1 - beta1, beta2, 1 - beta2, sqrt(1 - beta2^t),
//       eps, lr / (1 - beta1^t)): one AdamW update in float32 (outputs may alias the inputs), in the order of
// src/train/optimizer.ts's tfjs ops, each scalar rounded to float:
// g = grad·gradScale; m = m·b1 + g·(1 − b1); v = v·b2 + g²·(1 − b2); p = p·decay − (m / (sqrt(v) / sqrt(bc2) + eps))·step.
napi_value AdamW(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float* P = a.ptr<float>(0, &n);
  const float* M = a.ptr<float>(1);
  const float* V = a.ptr<float>(2);
  const float* G = a.ptr<float>(3);
  float* PO = a.ptr<float>(4);
  float* MO = a.ptr<float>(5);
  float* VO = a.ptr<float>(6);
  const float scale = static_cast<float>(a.f64(7)), decay = static_cast<float>(a.f64(8));
  const float b1 = static_cast<float>(a.f64(9)), ob1 = static_cast<float>(a.f64(10));
  const float b2 = static_cast<float>(a.f64(11)), ob2 = static_cast<float>(a.f64(12));
  const float sbc2 = static_cast<float>(a.f64(13)), eps = static_cast<float>(a.f64(14)), step = static_cast<float>(a.f64(15));
  const bool scaled = a.f64(7) != 1.0, decayed = a.f64(8) != 1.0;
  if (!a.ok) return nullptr;
  hdlm::parallelFor(*gPool, static_cast<int64_t>(n), 6.0, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const float g = scaled ? G[i] * scale : G[i];
      const float m = M[i] * b1 + g * ob1;
      const float v = V[i] * b2 + (g * g) * ob2;
      const float p = decayed ? P[i] * decay : P[i];
      MO[i] = m;
      VO[i] = v;
      PO[i] = p - (m / (sqrtf(v) / sbc2 + eps)) * step;
    }
  });
  return undef(env);
}

// ---------- threads and info ----------

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int64_t n = a.i64(0);
  if (!a.ok) return nullptr;
  gPool->resize(static_cast<int>(n));
  openblas_set_num_threads(gBlasThreads > 0 ? gBlasThreads : 1);
  return number(env, gPool->threads());
}

napi_value Threads(napi_env env, napi_callback_info info) { return number(env, gPool->threads()); }

// setBlasThreads(n): 0 = matmuls split over the pool with single-threaded OpenBLAS (default); n > 0 = OpenBLAS's own n threads
napi_value SetBlasThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int64_t n = a.i64(0);
  if (!a.ok) return nullptr;
  gBlasThreads = static_cast<int>(std::max<int64_t>(0, n));
  openblas_set_num_threads(gBlasThreads > 0 ? gBlasThreads : 1);
  return number(env, gBlasThreads);
}

napi_value BlasInfo(napi_env env, napi_callback_info info) {
  std::string s = std::string(openblas_get_config()) + " core=" + openblas_get_corename();
  napi_value v;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

napi_value Init(napi_env env, napi_value exports) {
  // OpenBLAS runs single-threaded inside each pool chunk; the pool owns the cores.
  openblas_set_num_threads(1);
  unsigned hc = std::thread::hardware_concurrency();
  if (gPool == nullptr) gPool = new hdlm::Pool(hc == 0 ? 1 : static_cast<int>(std::min(hc, 8u)));
  napi_property_descriptor desc[] = {
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"transpose", nullptr, Transpose, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"segmentSum", nullptr, SegmentSum, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"gather", nullptr, Gather, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"select", nullptr, Select, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"layerNormGrad", nullptr, LayerNormGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"geluGrad", nullptr, GeluGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"linearBias", nullptr, LinearBias, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"linearBiasGrad", nullptr, LinearBiasGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"attention", nullptr, Attention, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"attentionGrad", nullptr, AttentionGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"crossEntropy", nullptr, CrossEntropy, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"crossEntropyGrad", nullptr, CrossEntropyGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"modulate", nullptr, Modulate, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"modulateGrad", nullptr, ModulateGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"gatedResidual", nullptr, GatedResidual, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"gatedResidualGrad", nullptr, GatedResidualGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"clusterLse", nullptr, ClusterLse, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"clusterLseGrad", nullptr, ClusterLseGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"giddKl", nullptr, GiddKl, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"giddKlGrad", nullptr, GiddKlGrad, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"setBlasThreads", nullptr, SetBlasThreads, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default_method, nullptr},
      {"blasInfo", nullptr, BlasInfo, nullptr, nullptr, nullptr, napi_default_method, nullptr},
  };
  napi_define_properties(env, exports, sizeof(desc) / sizeof(desc[0]), desc);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
