// The array operations' native part: elementwise operations and reductions over typed arrays,
// each operand seen through an element offset and strides (native/ops-loops.h has the loops).
// Mechanism only: src/ops/ checks shapes, dtypes, scalars and aliasing and builds the layout;
// this file decodes it, dispatches on the element type and runs the loops. It still checks the
// layout itself (whole numbers, dims >= 0, products and sums without overflow; ERR_INVALID_ARG)
// and that every operand's elements lie inside its typed array, so no layout can make it touch
// memory outside the buffers it was given or walk without end.
//
// Layout (a Float64Array, possibly longer than needed): [nd, dims[0..nd), then per operand slot:
// offset, strides[0..nd)], in elements. Every entry point works on the column-major elements [lo, hi) of the shape, so a
// participant of a parallel operation runs the same call over its share.
#include <napi.h>

#include "ops-loops.h"
#include "parts.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

using ops::Layout;

// Operation codes; exported to JavaScript as `opsCodes`, so the two sides cannot disagree.
enum BinaryCode { kAdd, kSub, kMul, kDiv, kBinaryCount };
const char* const kBinaryNames[] = {"add", "sub", "mul", "div"};

enum UnaryCode {
  kCopy, kNeg, kAbs, kSign, kSquare,                                      // every dtype
  kSqrt, kExp, kLog, kSin, kCos, kTan, kTanh, kFloor, kCeil, kRound, kTrunc,  // floating point only
  kUnaryCount
};
const char* const kUnaryNames[] = {"copy", "neg", "abs", "sign", "square", "sqrt", "exp", "log",
                                   "sin", "cos", "tan", "tanh", "floor", "ceil", "round", "trunc"};
constexpr int kFirstFloatOnly = kSqrt;

enum ReduceCode { kSum, kMin, kMax, kSumSq, kNorm, kReduceCount };
const char* const kReduceNames[] = {"sum", "min", "max", "sumsq", "norm"};

// One typed-array argument: element type, first element, length in elements.
struct Array {
  napi_typedarray_type type;
  char* data;
  int64_t length;
};

bool ReadArray(napi_env env, napi_value v, Array* out) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t byteOffset = 0;
  if (napi_get_typedarray_info(env, v, &out->type, &length, &data, &buffer, &byteOffset) != napi_ok) {
    throw Napi::Error::New(env);
  }
  out->data = static_cast<char*>(data);
  out->length = static_cast<int64_t>(length);
  return true;
}

Array ArrayArg(const Napi::CallbackInfo& info, size_t i) {
  Array a;
  if (!ReadArray(info.Env(), info[i], &a)) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a typed array");
  }
  return a;
}

int64_t IntArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

// A RangeError with code ERR_INVALID_ARG, as src/core/errors.ts codes them.
Napi::Error InvalidArg(Napi::Env env, const std::string& message) {
  Napi::Error e = Napi::RangeError::New(env, message);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG"));
  return e;
}

// A layout no src/ops/ caller builds: the layout is corrupt, not the data.
Napi::Error LayoutError(Napi::Env env, const std::string& problem) {
  return InvalidArg(env, "malformed layout: " + problem + " (layouts come from src/ops/shape.ts layoutOf; pass one built there)");
}

std::string Show(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Whether a layout entry is a whole number >= min and at most 2^53 in magnitude (what a double
// holds exactly): casting anything else to int64_t would be undefined behaviour.
bool WholeNumber(double v, double min) {
  return std::isfinite(v) && v == std::trunc(v) && v >= min && std::fabs(v) <= 9007199254740992.0;
}

// The number of elements of a shape, or -1 when it does not fit in an int64_t.
int64_t ElementCount(const Layout& L) {
  for (int d = 0; d < L.nd; d++) {
    if (L.dims[d] == 0) return 0;
  }
  int64_t n = 1;
  for (int d = 0; d < L.nd; d++) {
    if (__builtin_mul_overflow(n, L.dims[d], &n)) return -1;
  }
  return n;
}

// Reads dims and the slots' offsets and strides; `offsets` receives each slot's element offset.
// Every entry is checked (whole numbers, dims >= 0, an element count that fits): what passes here
// is what CheckInside and the loops can compute with without overflow or an endless walk.
Layout ReadLayout(const Napi::CallbackInfo& info, size_t i, int nops, int64_t (&offsets)[ops::kMaxOperands]) {
  Napi::Env env = info.Env();
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, "the layout must be a Float64Array");
  }
  Napi::Float64Array f = info[i].As<Napi::Float64Array>();
  const double* v = f.Data();
  size_t n = f.ElementLength();
  Layout L;
  L.nops = nops;
  if (n == 0) throw LayoutError(env, "it is empty");
  if (!(v[0] >= 0 && v[0] <= ops::kMaxDims && v[0] == std::trunc(v[0]))) {
    throw LayoutError(env, "the number of dimensions must be a whole number from 0 to " + std::to_string(ops::kMaxDims) + ", got " + Show(v[0]));
  }
  L.nd = static_cast<int>(v[0]);
  if (n < static_cast<size_t>(1 + L.nd + nops * (1 + L.nd))) {
    throw LayoutError(env, std::to_string(n) + " entries are too few for " + std::to_string(L.nd) + " dimensions and " + std::to_string(nops) + " operands");
  }
  for (int d = 0; d < L.nd; d++) {
    if (!WholeNumber(v[1 + d], 0)) throw LayoutError(env, "dims[" + std::to_string(d) + "] must be a whole number >= 0, got " + Show(v[1 + d]));
    L.dims[d] = static_cast<int64_t>(v[1 + d]);
  }
  if (ElementCount(L) < 0) throw LayoutError(env, "the shape has more elements than an int64 counts");
  constexpr double kMin = -9007199254740992.0;
  for (int k = 0; k < nops; k++) {
    const double* slot = v + 1 + L.nd + k * (1 + L.nd);
    for (int j = 0; j <= L.nd; j++) {
      if (!WholeNumber(slot[j], kMin)) {
        throw LayoutError(env, "operand " + std::to_string(k) + "'s " + (j == 0 ? std::string("offset") : "strides[" + std::to_string(j - 1) + "]") +
                                   " must be a whole number, got " + Show(slot[j]));
      }
    }
    offsets[k] = static_cast<int64_t>(slot[0]);
    for (int d = 0; d < L.nd; d++) L.strides[k][d] = static_cast<int64_t>(slot[1 + d]);
  }
  return L;
}

// The guard behind the TypeScript checks: slot k's elements all lie inside `a`. The reach of
// every dimension, and their sum, are computed with overflow checks: a wrapped product or sum
// could otherwise land back inside the buffer.
void CheckInside(Napi::Env env, const Layout& L, int k, int64_t offset, const Array& a) {
  if (ElementCount(L) == 0) return;
  int64_t lo = offset, hi = offset;
  for (int d = 0; d < L.nd; d++) {
    int64_t reach;
    bool overflow = __builtin_mul_overflow(L.dims[d] - 1, L.strides[k][d], &reach);
    overflow = overflow || __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi);
    if (overflow) throw LayoutError(env, "operand " + std::to_string(k) + "'s strides reach further than an int64 counts");
  }
  if (lo < 0 || hi >= a.length) {
    throw InvalidArg(env, "operand " + std::to_string(k) + " reaches outside its typed array (elements " + std::to_string(lo) + " to " + std::to_string(hi) + " of " +
                              std::to_string(a.length) + "); its offset and strides must keep every element of the shape inside it");
  }
}

void CheckRange(Napi::Env env, const Layout& L, int64_t lo, int64_t hi) {
  if (lo < 0 || hi < lo || hi > ElementCount(L)) {
    throw InvalidArg(env, "element range [" + std::to_string(lo) + ", " + std::to_string(hi) + ") is outside the shape's " + std::to_string(ElementCount(L)) +
                              " elements; lo and hi must satisfy 0 <= lo <= hi <= the element count");
  }
}

// Calls fn(Math{}) with the element arithmetic of typed-array type t.
template <class Fn>
Napi::Value WithMath(Napi::Env env, napi_typedarray_type t, Fn&& fn) {
  switch (t) {
    case napi_float64_array: return fn(ops::FloatMath<double>{});
    case napi_float32_array: return fn(ops::FloatMath<float>{});
    case napi_int8_array: return fn(ops::WrapMath<int8_t>{});
    case napi_uint8_array: return fn(ops::WrapMath<uint8_t>{});
    case napi_uint8_clamped_array: return fn(ops::ClampMath{});
    case napi_int16_array: return fn(ops::WrapMath<int16_t>{});
    case napi_uint16_array: return fn(ops::WrapMath<uint16_t>{});
    case napi_int32_array: return fn(ops::WrapMath<int32_t>{});
    case napi_uint32_array: return fn(ops::WrapMath<uint32_t>{});
    case napi_bigint64_array: return fn(ops::WrapMath<int64_t>{});
    case napi_biguint64_array: return fn(ops::WrapMath<uint64_t>{});
    default: throw Napi::TypeError::New(env, "unsupported typed array type");
  }
}

// A scalar operand as an element (already checked representable by the caller).
template <class E>
E ScalarOf(Napi::Env env, Napi::Value v) {
  if constexpr (std::is_same_v<E, int64_t> || std::is_same_v<E, uint64_t>) {
    if (!v.IsBigInt()) throw Napi::TypeError::New(env, "a 64-bit integer scalar must be a bigint");
    bool lossless = false;
    if constexpr (std::is_same_v<E, int64_t>) return v.As<Napi::BigInt>().Int64Value(&lossless);
    else return v.As<Napi::BigInt>().Uint64Value(&lossless);
  } else {
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "a scalar must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if constexpr (std::is_floating_point_v<E>) return static_cast<E>(d);
    else return static_cast<E>(static_cast<int64_t>(d));
  }
}

// Operand slots of one call: arrays with their offsets, or scalars (stride 0, pointing at `scalar`).
template <class E, int N>
struct Operands {
  E* base[N];
  E scalar[N];
};

template <class E, int N>
Operands<E, N> Bind(Napi::Env env, Layout& L, const int64_t (&offsets)[ops::kMaxOperands],
                    const Napi::Value (&values)[N], const Array (&arrays)[N], const bool (&isArray)[N],
                    napi_typedarray_type type) {
  Operands<E, N> o;
  for (int k = 0; k < N; k++) {
    if (isArray[k]) {
      if (arrays[k].type != type) throw Napi::TypeError::New(env, "operands must have the same element type");
      CheckInside(env, L, k, offsets[k], arrays[k]);
      o.base[k] = reinterpret_cast<E*>(arrays[k].data) + offsets[k];
    } else {
      o.scalar[k] = ScalarOf<E>(env, values[k]);
      o.base[k] = &o.scalar[k];
      for (int d = 0; d < L.nd; d++) L.strides[k][d] = 0;
    }
  }
  return o;
}

// What every elementwise entry point reads first: its N operands (typed arrays or scalars; slot 0
// is the output), of which the first `arrays` must be typed arrays (else `message`), then the
// layout at info[at] and the element range [lo, hi) after it.
template <int N>
struct Elementwise {
  Napi::Value values[N];
  Array arrays[N];
  bool isArray[N];
  int64_t offsets[ops::kMaxOperands];
  Layout L;
  int64_t lo, hi;

  Elementwise(const Napi::CallbackInfo& info, const Napi::Value (&operands)[N], int required, const char* message, size_t at) {
    Napi::Env env = info.Env();
    for (int k = 0; k < N; k++) {
      values[k] = operands[k];
      isArray[k] = ReadArray(env, values[k], &arrays[k]);
      if (k < required && !isArray[k]) throw Napi::TypeError::New(env, message);
    }
    L = ReadLayout(info, at, N, offsets);
    lo = IntArg(info, at + 1);
    hi = IntArg(info, at + 2);
    CheckRange(env, L, lo, hi);
  }

  // The operands bound for element type E (their elements checked inside their arrays).
  template <typename E>
  Operands<E, N> Bind(Napi::Env env) { return ::Bind<E, N>(env, L, offsets, values, arrays, isArray, arrays[0].type); }
};

// Position (from lo) of the first zero of slot k over [lo, hi), or -1.
template <class E>
int64_t FirstZero(const Layout& L, int k, E* base, int64_t lo, int64_t hi) {
  Layout one;
  one.nd = L.nd;
  one.nops = 1;
  for (int d = 0; d < L.nd; d++) {
    one.dims[d] = L.dims[d];
    one.strides[0][d] = L.strides[k][d];
  }
  E* const b[1] = {base};
  int64_t seen = 0, found = -1;
  ops::Walk(one, b, lo, hi, [&](E* const (&p)[1], const int64_t (&s)[1], int64_t n) {
    for (int64_t i = 0; found < 0 && i < n; i++) {
      if (p[0][i * s[0]] == E(0)) found = seen + i;
    }
    seen += n;
  });
  return found;
}

// opsBinary(code, out, a, b, layout, lo, hi): out = a ∘ b (a or b may be a scalar). Returns -1,
// or for integer division by zero the position (from lo) of the first zero divisor, before
// anything is written.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t code = IntArg(info, 0);
  if (code < 0 || code >= kBinaryCount) throw Napi::RangeError::New(env, "unknown binary operation");
  Elementwise<3> c(info, {info[1], info[2], info[3]}, 1, "the output must be a typed array", 4);
  Layout& L = c.L;
  const int64_t lo = c.lo, hi = c.hi;
  return WithMath(env, c.arrays[0].type, [&](auto math) -> Napi::Value {
    using M = decltype(math);
    using E = typename M::E;
    Operands<E, 3> o = c.template Bind<E>(env);
    ops::Collapse(L);
    if constexpr (!std::is_floating_point_v<E>) {
      if (code == kDiv) {
        int64_t zero = FirstZero<E>(L, 2, o.base[2], lo, hi);
        if (zero >= 0) return Napi::Number::New(env, static_cast<double>(zero));
      }
    }
    auto run = [&](auto f) {
      ops::Walk(L, o.base, lo, hi, [&](E* const (&p)[3], const int64_t (&s)[3], int64_t n) { ops::BinaryRow<E>(f, p, s, n); });
    };
    switch (code) {
      case kAdd: run([](E a, E b) { return M::add(a, b); }); break;
      case kSub: run([](E a, E b) { return M::sub(a, b); }); break;
      case kMul: run([](E a, E b) { return M::mul(a, b); }); break;
      case kDiv: run([](E a, E b) { return M::div(a, b); }); break;
    }
    return Napi::Number::New(env, -1);
  });
}

// opsAxpy(alpha, x, y, layout, lo, hi): y = alpha * x + y. The layout has three slots: y, x, y.
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Elementwise<3> c(info, {info[2], info[1], info[2]}, 2, "x and y must be typed arrays", 3);
  Layout& L = c.L;
  const int64_t lo = c.lo, hi = c.hi;
  return WithMath(env, c.arrays[0].type, [&](auto math) -> Napi::Value {
    using M = decltype(math);
    using E = typename M::E;
    const E alpha = ScalarOf<E>(env, info[0]);
    Operands<E, 3> o = c.template Bind<E>(env);
    ops::Collapse(L);
    auto f = [alpha](E x, E y) { return M::axpy(alpha, x, y); };
    ops::Walk(L, o.base, lo, hi, [&](E* const (&p)[3], const int64_t (&s)[3], int64_t n) { ops::BinaryRow<E>(f, p, s, n); });
    return env.Undefined();
  });
}

// opsUnary(code, out, x, layout, lo, hi): out = f(x); `copy` with a scalar x is fill.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t code = IntArg(info, 0);
  if (code < 0 || code >= kUnaryCount) throw Napi::RangeError::New(env, "unknown unary operation");
  Elementwise<2> c(info, {info[1], info[2]}, 1, "the output must be a typed array", 3);
  Layout& L = c.L;
  const int64_t lo = c.lo, hi = c.hi;
  return WithMath(env, c.arrays[0].type, [&](auto math) -> Napi::Value {
    using M = decltype(math);
    using E = typename M::E;
    Operands<E, 2> o = c.template Bind<E>(env);
    ops::Collapse(L);
    auto run = [&](auto f) {
      ops::Walk(L, o.base, lo, hi, [&](E* const (&p)[2], const int64_t (&s)[2], int64_t n) { ops::UnaryRow<E>(f, p, s, n); });
    };
    switch (code) {
      case kCopy: run([](E x) { return x; }); return env.Undefined();
      case kNeg: run([](E x) { return M::neg(x); }); return env.Undefined();
      case kAbs: run([](E x) { return M::abs(x); }); return env.Undefined();
      case kSign: run([](E x) { return M::sign(x); }); return env.Undefined();
      case kSquare: run([](E x) { return M::square(x); }); return env.Undefined();
    }
    if constexpr (std::is_floating_point_v<E>) {
      switch (code) {
        case kSqrt: run([](E x) { return std::sqrt(x); }); break;
        case kExp: run([](E x) { return std::exp(x); }); break;
        case kLog: run([](E x) { return std::log(x); }); break;
        case kSin: run([](E x) { return std::sin(x); }); break;
        case kCos: run([](E x) { return std::cos(x); }); break;
        case kTan: run([](E x) { return std::tan(x); }); break;
        case kTanh: run([](E x) { return std::tanh(x); }); break;
        case kFloor: run([](E x) { return std::floor(x); }); break;
        case kCeil: run([](E x) { return std::ceil(x); }); break;
        case kRound: run([](E x) { return std::nearbyint(x); }); break;  // ties to even
        case kTrunc: run([](E x) { return std::trunc(x); }); break;
      }
      return env.Undefined();
    } else {
      throw Napi::TypeError::New(env, std::string(kUnaryNames[code]) + " needs a floating-point array");
    }
  });
}

// A BigInt holding a 128-bit integer (napi_create_bigint_words: sign, then magnitude words).
Napi::Value BigInt128(Napi::Env env, __int128 v) {
  int sign = v < 0;
  unsigned __int128 m = sign ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  uint64_t words[2] = {static_cast<uint64_t>(m), static_cast<uint64_t>(m >> 64)};
  return Napi::BigInt::New(env, sign, 2, words);
}

Napi::Value BigIntU128(Napi::Env env, unsigned __int128 v) {
  uint64_t words[2] = {static_cast<uint64_t>(v), static_cast<uint64_t>(v >> 64)};
  return Napi::BigInt::New(env, 0, 2, words);
}

// A BigInt from a 192-bit two's complement sum.
Napi::Value BigInt192(Napi::Env env, const ops::Sum192& v) {
  uint64_t words[3] = {static_cast<uint64_t>(v.lo), static_cast<uint64_t>(v.lo >> 64), static_cast<uint64_t>(v.hi)};
  int sign = v.hi < 0;
  if (sign) {  // magnitude: invert and add one
    bool carry = true;
    for (uint64_t& w : words) {
      w = ~w + (carry ? 1 : 0);
      carry = carry && w == 0;
    }
  }
  return Napi::BigInt::New(env, sign, 3, words);
}

// The element as a JavaScript value: bigint for the 64-bit types, number otherwise.
template <class E>
Napi::Value ElementValue(Napi::Env env, E v) {
  if constexpr (std::is_same_v<E, int64_t>) return Napi::BigInt::New(env, v);
  else if constexpr (std::is_same_v<E, uint64_t>) return Napi::BigInt::New(env, v);
  else return Napi::Number::New(env, static_cast<double>(v));
}

template <class E>
double SumSq(const Layout& L, E* const (&base)[1], int64_t lo, int64_t hi) {
  ops::Cascade c;
  ops::Walk(L, base, lo, hi, [&](E* const (&p)[1], const int64_t (&s)[1], int64_t n) { c.Add(ops::RowSumSq(p[0], s[0], n)); });
  return c.Total();
}

// The 2-norm. sqrt(sum of squares) unless that overflowed or underflowed, then again with every
// element divided by the largest |x| (as LAPACK's nrm2 and Julia's norm avoid both).
template <class E>
double Norm(const Layout& L, E* const (&base)[1], int64_t lo, int64_t hi) {
  double ss = SumSq<E>(L, base, lo, hi);
  if (std::isnan(ss)) return ss;
  if (std::isfinite(ss) && ss >= std::numeric_limits<double>::min()) return std::sqrt(ss);
  double big = 0.0;
  ops::Walk(L, base, lo, hi, [&](E* const (&p)[1], const int64_t (&s)[1], int64_t n) { big = std::max(big, ops::RowMaxAbs(p[0], s[0], n)); });
  if (big == 0.0 || std::isinf(big)) return big;
  ops::Cascade c;
  ops::Walk(L, base, lo, hi, [&](E* const (&p)[1], const int64_t (&s)[1], int64_t n) {
    c.Add(ops::Pairwise([&](int64_t i) { double v = double(p[0][i * s[0]]) / big; return v * v; }, 0, n));
  });
  return big * std::sqrt(c.Total());
}

// opsReduce(code, x, layout, lo, hi) -> sum | min | max | sumsq | norm over [lo, hi).
// Sums: floating point pairwise in double; integers exactly, in 64 bits (returned as the nearest
// number) or, for the 64-bit types, in 128 bits (returned as a bigint). min/max of nothing: null.
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t code = IntArg(info, 0);
  if (code < 0 || code >= kReduceCount) throw Napi::RangeError::New(env, "unknown reduction");
  Array x = ArrayArg(info, 1);
  int64_t offsets[ops::kMaxOperands];
  Layout L = ReadLayout(info, 2, 1, offsets);
  int64_t lo = IntArg(info, 3), hi = IntArg(info, 4);
  CheckRange(env, L, lo, hi);
  CheckInside(env, L, 0, offsets[0], x);
  ops::Collapse(L);
  return WithMath(env, x.type, [&](auto math) -> Napi::Value {
    using E = typename decltype(math)::E;
    E* const base[1] = {reinterpret_cast<E*>(x.data) + offsets[0]};
    auto walk = [&](auto row) { ops::Walk(L, base, lo, hi, [&](E* const (&p)[1], const int64_t (&s)[1], int64_t n) { row(p[0], s[0], n); }); };
    switch (code) {
      case kSum: {
        if constexpr (std::is_floating_point_v<E>) {
          ops::Cascade c;
          walk([&](E* p, int64_t s, int64_t n) { c.Add(ops::RowSumFloat(p, s, n)); });
          return Napi::Number::New(env, c.Total());
        } else if constexpr (std::is_same_v<E, int64_t>) {
          __int128 acc = 0;
          walk([&](E* p, int64_t s, int64_t n) { acc += ops::RowSumInt<__int128>(p, s, n); });
          return BigInt128(env, acc);
        } else if constexpr (std::is_same_v<E, uint64_t>) {
          unsigned __int128 acc = 0;
          walk([&](E* p, int64_t s, int64_t n) { acc += ops::RowSumInt<unsigned __int128>(p, s, n); });
          return BigIntU128(env, acc);
        } else {
          using Acc = std::conditional_t<std::is_signed_v<E>, int64_t, uint64_t>;
          Acc acc = 0;
          walk([&](E* p, int64_t s, int64_t n) { acc += ops::RowSumInt<Acc>(p, s, n); });
          return Napi::Number::New(env, static_cast<double>(acc));
        }
      }
      case kMin:
      case kMax: {
        if (hi <= lo) return env.Null();
        bool nan = false, first = true;
        E m{};
        walk([&](E* p, int64_t s, int64_t n) {
          E r = code == kMax ? ops::RowExtreme<E, true>(p, s, n, nan) : ops::RowExtreme<E, false>(p, s, n, nan);
          m = first ? r : code == kMax ? (r > m ? r : m) : (r < m ? r : m);
          first = false;
        });
        if constexpr (std::is_floating_point_v<E>) {
          if (nan) return Napi::Number::New(env, std::nan(""));
        }
        return ElementValue<E>(env, m);
      }
      case kSumSq: return Napi::Number::New(env, SumSq<E>(L, base, lo, hi));
      case kNorm: return Napi::Number::New(env, Norm<E>(L, base, lo, hi));
    }
    return env.Undefined();
  });
}

// opsDot(a, b, layout, lo, hi) -> sum of a[i] * b[i]: floating point pairwise in double; 8- and
// 16-bit integers exactly in 64 bits, 32-bit ones in 128 bits (returned as the nearest number);
// 64-bit ones exactly in 192 bits, as a bigint.
Napi::Value Dot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Array a = ArrayArg(info, 0);
  Array b = ArrayArg(info, 1);
  if (a.type != b.type) throw Napi::TypeError::New(env, "operands must have the same element type");
  int64_t offsets[ops::kMaxOperands];
  Layout L = ReadLayout(info, 2, 2, offsets);
  int64_t lo = IntArg(info, 3), hi = IntArg(info, 4);
  CheckRange(env, L, lo, hi);
  CheckInside(env, L, 0, offsets[0], a);
  CheckInside(env, L, 1, offsets[1], b);
  ops::Collapse(L);
  return WithMath(env, a.type, [&](auto math) -> Napi::Value {
    using E = typename decltype(math)::E;
    E* const base[2] = {reinterpret_cast<E*>(a.data) + offsets[0], reinterpret_cast<E*>(b.data) + offsets[1]};
    auto walk = [&](auto row) {
      ops::Walk(L, base, lo, hi, [&](E* const (&p)[2], const int64_t (&s)[2], int64_t n) { row(p[0], s[0], p[1], s[1], n); });
    };
    if constexpr (std::is_floating_point_v<E>) {
      ops::Cascade c;
      walk([&](E* x, int64_t sx, E* y, int64_t sy, int64_t n) { c.Add(ops::RowDotFloat(x, sx, y, sy, n)); });
      return Napi::Number::New(env, c.Total());
    } else if constexpr (sizeof(E) <= 2) {
      int64_t acc = 0;
      walk([&](E* x, int64_t sx, E* y, int64_t sy, int64_t n) {
        for (int64_t i = 0; i < n; i++) acc += int64_t(x[i * sx]) * int64_t(y[i * sy]);
      });
      return Napi::Number::New(env, static_cast<double>(acc));
    } else if constexpr (sizeof(E) == 4) {
      using Wide = std::conditional_t<std::is_signed_v<E>, __int128, unsigned __int128>;
      using Prod = std::conditional_t<std::is_signed_v<E>, int64_t, uint64_t>;
      Wide acc = 0;
      walk([&](E* x, int64_t sx, E* y, int64_t sy, int64_t n) {
        for (int64_t i = 0; i < n; i++) acc += Wide(Prod(x[i * sx]) * Prod(y[i * sy]));
      });
      return Napi::Number::New(env, static_cast<double>(acc));
    } else {
      // Products of 64-bit integers fill 128 bits, so their sum needs more: 192 bits.
      ops::Sum192 acc;
      walk([&](E* x, int64_t sx, E* y, int64_t sy, int64_t n) {
        for (int64_t i = 0; i < n; i++) {
          if constexpr (std::is_signed_v<E>) acc.Add(__int128(x[i * sx]) * __int128(y[i * sy]));
          else acc.AddUnsigned((unsigned __int128)(x[i * sx]) * (unsigned __int128)(y[i * sy]));
        }
      });
      return BigInt192(env, acc);
    }
  });
}

Napi::Object Names(Napi::Env env, const char* const* names, int count) {
  Napi::Object o = Napi::Object::New(env);
  for (int i = 0; i < count; i++) o.Set(names[i], Napi::Number::New(env, i));
  return o;
}

}  // namespace

void InitOps(Napi::Env env, Napi::Object exports) {
  exports.Set("opsBinary", Napi::Function::New(env, Binary));
  exports.Set("opsAxpy", Napi::Function::New(env, Axpy));
  exports.Set("opsUnary", Napi::Function::New(env, Unary));
  exports.Set("opsReduce", Napi::Function::New(env, Reduce));
  exports.Set("opsDot", Napi::Function::New(env, Dot));
  Napi::Object codes = Napi::Object::New(env);
  codes.Set("binary", Names(env, kBinaryNames, kBinaryCount));
  codes.Set("unary", Names(env, kUnaryNames, kUnaryCount));
  codes.Set("firstFloatOnly", Napi::Number::New(env, kFirstFloatOnly));
  codes.Set("reduce", Names(env, kReduceNames, kReduceCount));
  exports.Set("opsCodes", codes);
}
