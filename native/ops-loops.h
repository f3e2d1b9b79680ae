// The loops behind the array operations (native/ops.cc): element arithmetic per element type,
// the walk over strided N-d operands, and the row kernels. No N-API here, only loops: every check
// a user can trip over is made in TypeScript (src/ops/) before these run.
//
// Operands are (pointer, strides) over one shared iteration shape, column-major (the first
// dimension fastest). A scalar is an operand whose strides are all 0. The walk hands each run of
// consecutive elements of one innermost row to a row kernel; when every stride of the row is 1
// (or 0 for a scalar) the kernel is a plain counted loop over pointers that the compiler
// vectorizes (checked with -fopt-info-vec-optimized; see bench/ops.ts for the figures).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

// The elementwise row kernels are compiled three times on x86-64, for AVX-512, AVX2 and the
// baseline (SSE2), and the dynamic loader picks one per CPU (target_clones, resolved once through
// an ifunc): the addon runs on any x86-64 and uses the widest vectors the CPU has (measured on
// 256 KiB in cache: sqrt 2x faster with AVX2 and 4x with AVX-512, mul 1.2x). Not the reductions:
// their recursion and row calls would then go through the ifunc, and sum and max came out 2x
// slower. No FMA in any of them (-ffp-contract=off), so results do not depend on the CPU.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define OPS_ROW_KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define OPS_ROW_KERNEL
#endif

namespace ops {

constexpr int kMaxDims = 32;
constexpr int kMaxOperands = 3;

// The iteration shape and, per operand, the element offset and strides (in elements).
struct Layout {
  int nd = 0;
  int nops = 0;
  int64_t dims[kMaxDims] = {};
  int64_t strides[kMaxOperands][kMaxDims] = {};
};

// Fewer, longer rows: drop dimensions of length 1 and merge d with d+1 when every operand steps
// through both as one (strides[d+1] == strides[d] * dims[d]), while the rows are short: a row of
// kMergeBelow elements or more already pays for its call, and walking the array's own columns, as
// a C loop nest does, measured faster than one long row (advection's 500-element columns with
// AVX-512: ~15%). The column-major order of the elements is unchanged, so an element range
// [lo, hi) means the same elements afterwards.
constexpr int64_t kMergeBelow = 256;

inline void Collapse(Layout& L) {
  int out = 0;
  for (int d = 0; d < L.nd; d++) {
    if (L.dims[d] == 1) continue;
    bool merge = out > 0 && L.dims[out - 1] < kMergeBelow;
    for (int k = 0; merge && k < L.nops; k++) {
      merge = L.strides[k][d] == L.strides[k][out - 1] * L.dims[out - 1];
    }
    if (merge) {
      L.dims[out - 1] *= L.dims[d];
      continue;
    }
    L.dims[out] = L.dims[d];
    for (int k = 0; k < L.nops; k++) L.strides[k][out] = L.strides[k][d];
    out++;
  }
  L.nd = out;
}

// Calls row(ptrs, strides0, count) for every run of consecutive elements of one innermost row,
// covering the column-major elements [lo, hi) of the shape. `base[k]` points at operand k's
// element (0, ..., 0). A 0-d shape (nd == 0) has one element.
template <class T, int N, class Row>
void Walk(const Layout& L, T* const (&base)[N], int64_t lo, int64_t hi, Row&& row) {
  if (hi <= lo) return;
  int64_t s0[N];
  for (int k = 0; k < N; k++) s0[k] = L.nd > 0 ? L.strides[k][0] : 0;
  if (L.nd <= 1) {
    T* p[N];
    for (int k = 0; k < N; k++) p[k] = base[k] + lo * s0[k];
    row(p, s0, hi - lo);
    return;
  }
  int64_t idx[kMaxDims];
  int64_t rest = lo;
  for (int d = 0; d < L.nd; d++) {
    idx[d] = rest % L.dims[d];
    rest /= L.dims[d];
  }
  for (int64_t n = hi - lo; n > 0;) {
    T* p[N];
    for (int k = 0; k < N; k++) {
      int64_t off = 0;
      for (int d = 0; d < L.nd; d++) off += idx[d] * L.strides[k][d];
      p[k] = base[k] + off;
    }
    int64_t count = std::min(L.dims[0] - idx[0], n);
    row(p, s0, count);
    n -= count;
    idx[0] = 0;
    for (int d = 1; d < L.nd && ++idx[d] == L.dims[d]; d++) idx[d] = 0;
  }
}

// --- element arithmetic ---------------------------------------------------------------------------

// Floating point: IEEE arithmetic in the element type (float32 rounds every step to float32).
template <class T>
struct FloatMath {
  using E = T;
  static E add(E a, E b) { return a + b; }
  static E sub(E a, E b) { return a - b; }
  static E mul(E a, E b) { return a * b; }
  static E div(E a, E b) { return a / b; }
  static E axpy(E alpha, E x, E y) { return alpha * x + y; }  // never fused: -ffp-contract=off
  static E neg(E a) { return -a; }
  static E abs(E a) { return std::fabs(a); }
  static E square(E a) { return a * a; }
  static E sign(E a) { return a > 0 ? E(1) : a < 0 ? E(-1) : a; }  // keeps ±0 and NaN
};

// Integers wrap modulo 2^bits, as in Julia and numpy: the arithmetic runs in an unsigned type at
// least 32 bits wide, where wrap-around is defined (uint16 * uint16 in `int` could overflow).
template <class T>
struct WrapMath {
  using E = T;
  using U = std::conditional_t<(sizeof(T) < 8), uint32_t, uint64_t>;
  static E add(E a, E b) { return E(U(a) + U(b)); }
  static E sub(E a, E b) { return E(U(a) - U(b)); }
  static E mul(E a, E b) { return E(U(a) * U(b)); }
  // Truncates toward zero. b == 0 is excluded by the caller (FirstZero); typemin / -1 wraps,
  // where the hardware instruction would trap.
  static E div(E a, E b) {
    if constexpr (std::is_signed_v<E>) {
      if (b == E(-1)) return neg(a);
    }
    return E(a / b);
  }
  static E axpy(E alpha, E x, E y) { return E(U(alpha) * U(x) + U(y)); }
  static E neg(E a) { return E(U(0) - U(a)); }
  static E abs(E a) {
    if constexpr (std::is_signed_v<E>) return a < 0 ? neg(a) : a;
    return a;
  }
  static E square(E a) { return mul(a, a); }
  static E sign(E a) {
    if constexpr (std::is_signed_v<E>) return E((a > 0) - (a < 0));
    return E(a > 0);
  }
};

// uint8clamped: what storing the exact result into a Uint8ClampedArray gives, clamped to [0, 255]
// and, for division, rounded to the nearest integer with ties to even.
struct ClampMath {
  using E = uint8_t;
  static E clamp(int64_t v) { return E(v < 0 ? 0 : v > 255 ? 255 : v); }
  static E add(E a, E b) { return clamp(int64_t(a) + b); }
  static E sub(E a, E b) { return clamp(int64_t(a) - b); }
  static E mul(E a, E b) { return clamp(int64_t(a) * b); }
  static E div(E a, E b) {
    int q = a / b, r = a % b;
    if (2 * r > b || (2 * r == b && (q & 1))) q++;
    return clamp(q);
  }
  static E axpy(E alpha, E x, E y) { return clamp(int64_t(alpha) * x + y); }
  static E neg(E) { return 0; }
  static E abs(E a) { return a; }
  static E square(E a) { return mul(a, a); }
  static E sign(E a) { return E(a > 0); }
};

// --- elementwise row kernels -------------------------------------------------------------------

// out = f(a, b) over one row. Operand 0 is the output; 1 and 2 the inputs (stride 0: a scalar).
// The three contiguous forms are separate counted loops over pointers, so each vectorizes. The
// output may be the very same memory as an input (in place): each element is read before it is
// written, and the compiler's runtime overlap check accepts equal pointers.
template <class E, class F>
OPS_ROW_KERNEL void BinaryRow(const F& f, E* const (&p)[3], const int64_t (&s)[3], int64_t n) {
  E* o = p[0];
  const E* a = p[1];
  const E* b = p[2];
  if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = f(a[i], b[i]);
  } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
    const E y = *b;
    for (int64_t i = 0; i < n; i++) o[i] = f(a[i], y);
  } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {
    const E x = *a;
    for (int64_t i = 0; i < n; i++) o[i] = f(x, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) o[i * s[0]] = f(a[i * s[1]], b[i * s[2]]);
  }
}

// out = f(x) over one row (x of stride 0: one value, computed once).
template <class E, class F>
OPS_ROW_KERNEL void UnaryRow(const F& f, E* const (&p)[2], const int64_t (&s)[2], int64_t n) {
  E* o = p[0];
  const E* x = p[1];
  if (s[0] == 1 && s[1] == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = f(x[i]);
  } else if (s[1] == 0) {
    const E v = f(*x);
    if (s[0] == 1) {
      for (int64_t i = 0; i < n; i++) o[i] = v;
    } else {
      for (int64_t i = 0; i < n; i++) o[i * s[0]] = v;
    }
  } else {
    for (int64_t i = 0; i < n; i++) o[i * s[0]] = f(x[i * s[1]]);
  }
}

// --- reductions ------------------------------------------------------------------------------------

// Pairwise summation: blocks of up to 1024 terms (Julia's pairwise_blocksize), each summed in 16
// interleaved accumulators that the compiler vectorizes and then added as a tree; blocks combined
// pairwise. The error grows as O(log n), not O(n). Measured against numpy's blocks of 128 in 8
// accumulators: 1.8x faster on data in cache (fewer calls), 6 ulps instead of 2 on 10^6 x 0.1
// (a plain loop: ~95000). `term(i)` is the i-th term as a double; this sums [start, start + n).
constexpr int64_t kPairwiseBlock = 1024;
constexpr int kAccumulators = 16;

template <class Term>
double Pairwise(const Term& term, int64_t start, int64_t n) {
  constexpr int K = kAccumulators;
  if (n < K) {
    double s = 0.0;
    for (int64_t i = start; i < start + n; i++) s += term(i);
    return s;
  }
  if (n <= kPairwiseBlock) {
    double r[K];
    for (int j = 0; j < K; j++) r[j] = term(start + j);
    int64_t i = K;
    for (; i + K <= n; i += K) {
      for (int j = 0; j < K; j++) r[j] += term(start + i + j);
    }
    for (int width = K / 2; width >= 1; width /= 2) {
      for (int j = 0; j < width; j++) r[j] = r[2 * j] + r[2 * j + 1];
    }
    double s = r[0];
    for (; i < n; i++) s += term(start + i);
    return s;
  }
  int64_t half = n / 2;
  half -= half % K;
  return Pairwise(term, start, half) + Pairwise(term, start + half, n - half);
}

// Pairwise combination of a stream of partial sums (one per row of a strided operand): a binary
// counter of levels, so combining m rows adds O(log m) to the error, not O(m).
class Cascade {
 public:
  void Add(double v) {
    int level = 0;
    for (uint64_t c = count_++; c & 1; c >>= 1) v += levels_[level++];
    levels_[level] = v;
  }
  double Total() const {
    double s = 0.0;
    bool first = true;
    for (int level = 0; level < 64; level++) {
      if (!((count_ >> level) & 1)) continue;
      s = first ? levels_[level] : levels_[level] + s;
      first = false;
    }
    return s;
  }

 private:
  double levels_[64] = {};
  uint64_t count_ = 0;
};

// An exact sum of 128-bit integers (64-bit products) in 192 bits, two's complement: `lo` holds
// the low 128 bits, `hi` the top 64 (signed). Good for 2^63 terms of any size.
struct Sum192 {
  unsigned __int128 lo = 0;
  int64_t hi = 0;
  void Add(__int128 p) {
    unsigned __int128 before = lo;
    lo += static_cast<unsigned __int128>(p);
    hi += (lo < before ? 1 : 0) + (p < 0 ? -1 : 0);  // carry, plus the sign extension of p
  }
  void AddUnsigned(unsigned __int128 p) {
    unsigned __int128 before = lo;
    lo += p;
    hi += lo < before ? 1 : 0;
  }
};

// Sum of one row as a double: pairwise for floating point (float32 terms widened to double).
template <class E>
double RowSumFloat(const E* x, int64_t s, int64_t n) {
  if (s == 1) return Pairwise([x](int64_t i) { return double(x[i]); }, 0, n);
  return Pairwise([x, s](int64_t i) { return double(x[i * s]); }, 0, n);
}

// Sum of squares of one row, in double (the terms of a 2-norm).
template <class E>
double RowSumSq(const E* x, int64_t s, int64_t n) {
  if (s == 1) return Pairwise([x](int64_t i) { double v = double(x[i]); return v * v; }, 0, n);
  return Pairwise([x, s](int64_t i) { double v = double(x[i * s]); return v * v; }, 0, n);
}

// Sum of a[i] * b[i] over one row, pairwise, in double (float32 products are exact there).
template <class E>
double RowDotFloat(const E* a, int64_t sa, const E* b, int64_t sb, int64_t n) {
  if (sa == 1 && sb == 1) return Pairwise([a, b](int64_t i) { return double(a[i]) * double(b[i]); }, 0, n);
  return Pairwise([a, b, sa, sb](int64_t i) { return double(a[i * sa]) * double(b[i * sb]); }, 0, n);
}

// Exact integer sum of one row into a wide accumulator `Acc`.
template <class Acc, class E>
Acc RowSumInt(const E* x, int64_t s, int64_t n) {
  Acc acc = 0;
  if (s == 1) {
    for (int64_t i = 0; i < n; i++) acc += Acc(x[i]);
  } else {
    for (int64_t i = 0; i < n; i++) acc += Acc(x[i * s]);
  }
  return acc;
}

// Largest |x| of one row, in double (for the rescaled 2-norm).
template <class E>
double RowMaxAbs(const E* x, int64_t s, int64_t n) {
  double m = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double v = std::fabs(double(x[i * s]));
    m = v > m ? v : m;
  }
  return m;
}

// Floating-point min/max of a contiguous row. The compiler does not vectorize a scalar
// `v < m ? v : m` reduction on its own (it may not reorder it without -ffast-math), so this one is
// written with 16-byte vectors (GCC/Clang vector extensions: SSE2 on x86-64, NEON on arm64): four
// vector accumulators, and a sum of v - v, which is NaN exactly when some v is NaN or infinite.
// Only then is the row scanned again for a NaN.
template <class E, bool Max>
E ContiguousExtreme(const E* x, int64_t n, bool& nan) {
  typedef E V __attribute__((vector_size(16)));
  constexpr int64_t kLanes = 16 / sizeof(E);
  constexpr int kVectors = 4;
  constexpr int64_t kStep = kLanes * kVectors;
  E m = x[0], flag = 0;
  int64_t i = 0;
  if (n >= kStep) {
    V acc[kVectors], flags[kVectors];
    for (int u = 0; u < kVectors; u++) {
      std::memcpy(&acc[u], x + u * kLanes, sizeof(V));
      flags[u] = acc[u] - acc[u];
    }
    for (i = kStep; i + kStep <= n; i += kStep) {
      for (int u = 0; u < kVectors; u++) {
        V v;
        std::memcpy(&v, x + i + u * kLanes, sizeof(V));
        acc[u] = Max ? (v > acc[u] ? v : acc[u]) : (v < acc[u] ? v : acc[u]);
        flags[u] += v - v;
      }
    }
    for (int u = 0; u < kVectors; u++) {
      for (int64_t l = 0; l < kLanes; l++) {
        E v = acc[u][l];
        m = Max ? (v > m ? v : m) : (v < m ? v : m);
        flag += flags[u][l];
      }
    }
  }
  for (; i < n; i++) {
    E v = x[i];
    m = Max ? (v > m ? v : m) : (v < m ? v : m);
    flag += v - v;
  }
  if (flag != flag) {
    for (int64_t k = 0; k < n && !nan; k++) nan = x[k] != x[k];
  }
  return m;
}

// The smallest (Max = false) or largest element of one row, n >= 1. For floating point, `nan`
// is set when the row holds a NaN (the caller then answers NaN, as Julia's minimum and numpy's
// min do).
template <class E, bool Max>
E RowExtreme(const E* x, int64_t s, int64_t n, bool& nan) {
  if constexpr (std::is_floating_point_v<E>) {
    if (s == 1) return ContiguousExtreme<E, Max>(x, n, nan);
  }
  E m = x[0];
  for (int64_t i = 0; i < n; i++) {
    E v = x[i * s];
    m = Max ? (v > m ? v : m) : (v < m ? v : m);
    if constexpr (std::is_floating_point_v<E>) nan = nan || v != v;
  }
  return m;
}

}  // namespace ops
