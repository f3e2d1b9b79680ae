// Worker-process control: interruptible user calls and the master-death watch on the control
// pipe (fd 3). Two things pure JavaScript cannot do in a worker stuck in a synchronous loop:
//   * abort the running user call with a catchable error and keep serving (Julia's interrupt);
//   * exit at once when the master dies (kill -9 of the master must leave no worker behind).
// Both are served by one persistent watcher thread blocked in read() on the control pipe:
// a byte 'I' asks to interrupt, EOF means the master is gone.
//
// Why not vm's breakOnSigint: it starts and joins a watchdog thread per call (~40 us). Here the
// thread is started once and a call costs two uncontended mutex operations on top of the N-API
// round trip (about 0.1 us in all; bench/interrupt-overhead.ts).
// The mechanism is the one Node's vm timeout uses (node_contextify.cc / node_watchdog.cc):
// v8::Isolate::TerminateExecution() from the watcher, CancelTerminateExecution() on the main
// thread once the interrupted call has unwound, then an ordinary JS error.
//
// Thread safety. State shared with the watcher lives in `Shared` under one mutex:
//   * `isolate` is non-null only while an outermost interruptible call runs on that isolate;
//     the main thread sets it before calling into user code and clears it after the call
//     returns, both under the mutex;
//   * the watcher takes the mutex, and only if `isolate` is set calls TerminateExecution (which
//     V8 documents as callable from any thread) and records `requested`, all while holding it.
// So a termination can only be requested while user code runs: once the main thread has
// cleared `isolate` it owns the outcome (it cancels any termination it finds requested), and our
// runtime's own code outside callInterruptible can never be terminated. (Runtime code that user
// code calls into from inside an interruptible call can be: an interrupt may stop it half-way,
// like any other code of that call.) A request arriving while no call runs is dropped.
#include <napi.h>

#include "errno-error.h"
#include "parts.h"
#include <v8.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

struct Shared {
  std::mutex lock;
  v8::Isolate* isolate = nullptr;  // the isolate in an outermost interruptible call, or null
  bool requested = false;          // TerminateExecution was called for the current call
  bool watching = false;           // the watcher thread was started (once per process)
  // Diagnostics (tests, debugging): interrupt bytes received, and those that hit a call.
  double received = 0;
  double delivered = 0;
};

// Process-wide, not per environment: there is one control pipe and one watcher thread per
// process, whichever environment started it. Leaked on purpose: the detached watcher may still touch it while static destructors run at
// process exit, so it must never be destroyed.
Shared& shared = *new Shared;

// Nesting depth of callInterruptible on this thread. Only the outermost call registers the
// isolate; inner calls just run. Thread-local because each worker_thread has its own isolate.
thread_local int depth = 0;

// Drop the exception N-API recorded for the failed call. When the call was terminated, that
// record is `null` (V8's stand-in for the termination); left in place, N-API would re-throw it
// as an ordinary catchable `throw null` when our callback returns.
void ClearRecordedException(napi_env env) {
  napi_value ignored;
  napi_get_and_clear_last_exception(env, &ignored);
}

// callInterruptible(fn, thisArg, ...args): fn.apply(thisArg, args) on this thread; if the
// control pipe asks for an interrupt while it runs, throw Error('call interrupted') with code
// ERR_INTERRUPTED instead. Exceptions and return values (Promises too) pass through unchanged.
// The arguments arrive spread (not as an array) to spare one napi_get_element per argument.
Napi::Value CallInterruptible(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "callInterruptible expects a function");
  }
  size_t argc = info.Length() > 2 ? info.Length() - 2 : 0;
  napi_value inline_args[8];
  std::vector<napi_value> heap_args;
  napi_value* argv = inline_args;
  if (argc > 8) {
    heap_args.resize(argc);
    argv = heap_args.data();
  }
  for (size_t i = 0; i < argc; i++) argv[i] = info[i + 2];

  v8::Isolate* isolate = nullptr;
  if (depth == 0) {
    isolate = v8::Isolate::GetCurrent();
    std::lock_guard<std::mutex> guard(shared.lock);
    // Another thread's isolate already holds the slot (worker_threads): run uninterruptibly.
    if (shared.isolate == nullptr) {
      shared.isolate = isolate;
      shared.requested = false;
    } else {
      isolate = nullptr;
    }
  }

  depth++;
  napi_value result = nullptr;
  napi_status status = napi_call_function(env, info[1], info[0], argc, argv, &result);
  depth--;

  bool interrupted = false;
  if (isolate != nullptr) {
    std::lock_guard<std::mutex> guard(shared.lock);
    if (shared.requested) {
      // Terminated while in user code, or requested just as the call finished (then the
      // termination is still pending in V8's stack guard): either way cancel it here, before
      // any of our own JavaScript can run, and under the mutex so no new request interleaves.
      interrupted = status != napi_ok && isolate->IsExecutionTerminating();
      isolate->CancelTerminateExecution();
      if (interrupted) shared.delivered++;
    }
    shared.isolate = nullptr;
    shared.requested = false;
  }
  if (status != napi_ok && !interrupted && v8::Isolate::GetCurrent()->IsExecutionTerminating()) {
    // A termination that is not ours to cancel: an inner call unwinding towards the outermost
    // one, or someone else's (worker.terminate(), an enclosing vm timeout). Let it keep
    // propagating: V8 still holds it. See ClearRecordedException.
    ClearRecordedException(env);
    return Napi::Value();
  }

  if (interrupted) {
    ClearRecordedException(env);
    Napi::Error e = Napi::Error::New(info.Env(), "call interrupted");
    e.Set("code", Napi::String::New(info.Env(), "ERR_INTERRUPTED"));
    throw e;
  }
  // A user exception stays recorded by N-API, which re-throws the very same value when we return.
  if (status != napi_ok) return Napi::Value();
  return Napi::Value(env, result);
}

// Called by the watcher for each 'I'.
void RequestInterrupt() {
  std::lock_guard<std::mutex> guard(shared.lock);
  shared.received++;
  if (shared.isolate == nullptr) return;  // idle: ignore, do not remember
  shared.requested = true;
  shared.isolate->TerminateExecution();  // thread-safe by V8's contract; we hold the mutex
}

// The watcher thread: blocks in read() on the control pipe for the life of the process.
[[noreturn]] void Watch(int fd, std::string socketPath, std::string dir) {
  // Leave every signal to the main thread: Node's handlers (SIGINT, SIGTERM, SIGUSR1) stay
  // where they were installed, and read() here is not interrupted.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  char buf[64];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Someone set O_NONBLOCK again on the shared file description: wait instead of spinning.
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
      continue;
    }
    if (n <= 0) break;  // EOF (the master's end closed: it is gone) or a read error
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == 'I') RequestInterrupt();  // other bytes are reserved and ignored
    }
  }
  // The master is gone. JavaScript cleanup may never run (the main thread may be stuck in a
  // loop), so remove what the worker owns on disk here, best effort, and leave now. _exit, not
  // exit: no atexit handlers or static destructors racing with the still-running main thread.
  if (!socketPath.empty()) unlink(socketPath.c_str());
  if (!dir.empty()) rmdir(dir.c_str());
  _exit(1);
}

// startControlWatch(fd, socketPath, dir) -> boolean: start the watcher on `fd` (once per
// process; false when it already runs). Empty strings mean "nothing to remove".
Napi::Value StartControlWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsString() || !info[2].IsString()) {
    throw Napi::TypeError::New(env, "startControlWatch expects (fd, socketPath, dir)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string socketPath = info[1].As<Napi::String>().Utf8Value();
  std::string dir = info[2].As<Napi::String>().Utf8Value();

  // Only the main thread touches `watching`, but worker_threads could race: use the mutex.
  std::lock_guard<std::mutex> guard(shared.lock);
  if (shared.watching) return Napi::Boolean::New(env, false);

  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    throw ErrnoError(env, err, "control pipe fd " + std::to_string(fd) + " is not open");
  }
  // Blocking reads: the watcher has nothing else to do. (A pipe created by child_process.spawn
  // is blocking on the child's side; make sure.)
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || ((flags & O_NONBLOCK) != 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)) {
    int err = errno;
    throw ErrnoError(env, err, "cannot make the control pipe blocking");
  }
  // Not inherited by processes this worker starts: the control pipe is ours alone.
  int fdflags = fcntl(fd, F_GETFD);
  if (fdflags < 0 || fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC) != 0) {
    int err = errno;
    throw ErrnoError(env, err, "cannot set close-on-exec on the control pipe");
  }
  try {
    std::thread(Watch, fd, socketPath, dir).detach();
  } catch (const std::system_error& e) {
    throw ErrnoError(env, e.code().value(), "cannot start the control-pipe watcher thread");
  }
  shared.watching = true;
  return Napi::Boolean::New(env, true);
}

// controlStats() -> { watching, received, delivered }: for tests and diagnostics.
Napi::Value ControlStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool watching;
  double received, delivered;
  {
    std::lock_guard<std::mutex> guard(shared.lock);
    watching = shared.watching;
    received = shared.received;
    delivered = shared.delivered;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("watching", Napi::Boolean::New(env, watching));
  o.Set("received", Napi::Number::New(env, received));
  o.Set("delivered", Napi::Number::New(env, delivered));
  return o;
}

}  // namespace

void InitProcessControl(Napi::Env env, Napi::Object exports) {
  exports.Set("callInterruptible", Napi::Function::New(env, CallInterruptible));
  exports.Set("startControlWatch", Napi::Function::New(env, StartControlWatch));
  exports.Set("controlStats", Napi::Function::New(env, ControlStats));
}
