// Blocking waits on an int32 in shared memory that any process mapping it can end: the kernel's
// futex on the element's address. V8's Atomics.wait/notify only match waiters inside one process
// (and refuse non-shared buffers); a futex that is not FUTEX_PRIVATE is keyed by the page behind
// the address (inode and offset for a shared mapping), so a wake in one process reaches waiters
// in every process and thread that maps the same memory, at whatever address.
//
// Mechanism only: src/threads/ checks the dtype, the index and the timeout, and decides what a
// result means. Also here: the calling thread's kernel id, which the barrier records so that
// waiters can tell when a participant has died (src/threads/barrier.ts).
#include <napi.h>

#include "errno-error.h"
#include "parts.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>

namespace {

long Futex(int32_t* addr, int op, int32_t val, const struct timespec* deadline) {
  return syscall(SYS_futex, addr, op, val, deadline, nullptr, FUTEX_BITSET_MATCH_ANY);
}

// The int32 element `index` of an Int32Array (over an ArrayBuffer or a SharedArrayBuffer).
int32_t* Element(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "expected an Int32Array");
  }
  Napi::Int32Array a = info[0].As<Napi::Int32Array>();
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "index must be a number");
  double index = info[1].As<Napi::Number>().DoubleValue();
  if (!(index >= 0) || index >= static_cast<double>(a.ElementLength()) || index != std::floor(index)) {
    throw Napi::RangeError::New(env, "index out of range");
  }
  return a.Data() + static_cast<size_t>(index);
}

// futexWait(int32array, index, expected, timeoutMs) -> 0 woken ("ok"), 1 the value was not
// `expected` ("not-equal"), 2 the timeout passed ("timed-out"). timeoutMs may be Infinity.
// The deadline is absolute (FUTEX_WAIT_BITSET on CLOCK_MONOTONIC), so a wait interrupted by a
// signal resumes with the time it has left. Like Atomics.wait, "ok" may be a spurious wake-up:
// callers re-check the value.
Napi::Value FutexWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t* addr = Element(info);
  if (!info[2].IsNumber() || !info[3].IsNumber()) throw Napi::TypeError::New(env, "expected and timeoutMs must be numbers");
  int32_t expected = info[2].As<Napi::Number>().Int32Value();
  double timeoutMs = info[3].As<Napi::Number>().DoubleValue();
  if (!(timeoutMs >= 0)) throw Napi::RangeError::New(env, "timeoutMs must be >= 0");

  struct timespec deadline;
  const struct timespec* until = nullptr;
  if (std::isfinite(timeoutMs)) {
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    double ns = static_cast<double>(deadline.tv_nsec) + timeoutMs * 1e6;
    double extraSec = std::floor(ns / 1e9);
    deadline.tv_sec += static_cast<time_t>(extraSec);
    deadline.tv_nsec = static_cast<long>(ns - extraSec * 1e9);
    until = &deadline;
  }
  for (;;) {
    if (Futex(addr, FUTEX_WAIT_BITSET, expected, until) == 0) return Napi::Number::New(env, 0);
    switch (errno) {
      case EINTR:
        continue;
      case EAGAIN:
        return Napi::Number::New(env, 1);
      case ETIMEDOUT:
        return Napi::Number::New(env, 2);
      default:
        throw ErrnoError(env, errno, "futex wait failed");
    }
  }
}

// futexWake(int32array, index, count) -> how many waiters were woken, in any process.
Napi::Value FutexWake(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t* addr = Element(info);
  if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "count must be a number");
  double count = info[2].As<Napi::Number>().DoubleValue();
  int n = count >= INT_MAX ? INT_MAX : static_cast<int>(count);
  if (n < 0) throw Napi::RangeError::New(env, "count must be >= 0");
  long woken = Futex(addr, FUTEX_WAKE, n, nullptr);
  if (woken < 0) throw ErrnoError(env, errno, "futex wake failed");
  return Napi::Number::New(env, static_cast<double>(woken));
}

// threadId() -> the calling thread's kernel id (gettid): the process id on a main thread.
Napi::Value ThreadId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(syscall(SYS_gettid)));
}

}  // namespace

void InitFutex(Napi::Env env, Napi::Object exports) {
  exports.Set("futexWait", Napi::Function::New(env, FutexWait));
  exports.Set("futexWake", Napi::Function::New(env, FutexWake));
  exports.Set("threadId", Napi::Function::New(env, ThreadId));
}
