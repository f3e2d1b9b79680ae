// Worker-process control: interrupting the calls a worker serves, and the master-death watch on
// the worker's lifeline (a control pipe on fd 3, or standard input under srun). Two things pure
// JavaScript cannot do in a worker stuck in a loop:
//   * stop the code of an interrupted call, wherever it spins, and keep serving (Julia's interrupt);
//   * exit at once when the master dies (kill -9 of the master must leave no worker behind).
// docs/interrupt.md has the experiments behind every choice made here.
//
// Which calls an interrupt cancels. The master issues interrupt number `id` by writing a record
// ('I' + id as u32 LE) on the worker's lifeline (itself, or through the worker's cluster manager:
// a host agent relays it) AND a marker message with the same id on its connection to the worker.
// Without a lifeline (srun) only the marker comes: awaiting calls are cancelled, spinning ones
// cannot read it. The pipe wakes a worker whatever it does; the marker sits at the exact place in
// the connection's ordered stream where the interrupt was issued. So a call from the master is
// cancelled exactly when it precedes the marker on the connection, even if the pipe record
// overtakes the call frame or arrives long after the next call:
//   * every call gets a sequence number when it is admitted (arrives, in stream order);
//   * while a piped interrupt awaits its marker, every master call admitted is before the marker:
//     cancelled, including those arriving after the record (they never run);
//   * once the marker is read, master calls admitted up to then are cancelled, later ones are not.
// Calls from other processes have no marker in the master's stream: those admitted before the
// interrupt reached this process (pipe record or marker, whichever came first) are cancelled.
//
// How running code is stopped. Each call runs in runCall, which stores the call's tag (its signed
// sequence number) as V8's continuation-preserved embedder data (CPED): V8 copies it into every
// promise reaction registered while the call runs and restores it while that reaction runs, so
// code running after an `await` still says which call it belongs to. A pipe record makes the
// watcher thread request a V8 interrupt; the callback (OnInterrupt) runs on the main thread at the
// next stack check, reads the tag, and if the call is cancelled and user code (not this package's
// runtime, not node's internals) is on top of the stack, calls TerminateExecution. The termination
// is caught and cancelled at the nearest point that owns it:
//   * in runCall, when the call's first synchronous stretch is stopped: it throws ERR_INTERRUPTED;
//   * in the microtask queue's completion callback, when a continuation after an `await` is
//     stopped. V8 would delete the rest of the microtask queue on termination, so the pending jobs
//     are set aside first and put back (microtask-stash.h): only the stopped job is lost.
// Runtime code that blocks (a futex wait, slice after slice) never has user code on top: it calls
// interruptPoint between slices, a place where it holds nothing, and the stop lands there.
// A cancelled call suspended at an `await` may resume later. A promise hook (node's
// v8.promiseHooks.onBefore, installed for the life of the worker) calls checkResume before every
// promise job: a job of a cancelled call is terminated before it starts, so that call's code never
// runs again, and nothing is cut half-way (the job has not begun). The hook must be on before the
// awaits it is to see are made: V8 takes a fast path for `await` while no hook is installed, and
// hooks never see those continuations; so it cannot be installed only once an interrupt comes.
//
// Threads. The watcher thread only reads the pipe, updates the bookkeeping under `Control::lock`
// and requests interrupts (RequestInterrupt is thread-safe by V8's contract); everything that
// touches the isolate's state runs on the main thread, inside V8's interrupt callback, the
// microtask completion callback or a JS call.
#include <napi.h>

#include "errno-error.h"
#include "microtask-stash.h"
#include "parts.h"
#include <v8.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

constexpr char kRecordTag = 'I';
constexpr size_t kRecordSize = 5;  // 'I' + interrupt id, u32 little-endian
// How soon to look again when an interrupt landed while runtime or node code was on top of the
// stack: long enough for the main thread to leave the callback that asked, short for a person.
constexpr long kRetryNanos = 200 * 1000;

// Per environment (one per JS thread that loads the addon); lives as long as the process, its V8
// handles are released at the environment's teardown (see Teardown).
struct EnvState {
  v8::Isolate* isolate = nullptr;
  bool alive = true;
  v8::Global<v8::Context> context;          // the context calls run in (set by configure)
  v8::MicrotaskQueue* queue = nullptr;      // its microtask queue
  std::unique_ptr<MicrotaskStash> stash;    // null until configure
  v8::Global<v8::Function> afterStop;       // arms a tick so set-aside jobs run at once
  std::string runtimePrefix;                // script URLs of this package's runtime
  bool continuationTags = true;             // tags go in V8's CPED (false where node owns it)
  int depth = 0;                            // runCall nesting on this thread
  double current = 0;                       // tag of the innermost runCall on this thread
  double stopping = 0;                      // tag of the call being stopped, 0 when none
  bool stashed = false;                     // `stash` holds the queue's pending jobs
};

// Process-wide: there is one control pipe, one watcher thread, and calls are served by one
// environment (the one that called configureCallInterrupts). Leaked on purpose: the detached
// watcher may still touch it while static destructors run at exit.
struct Control {
  std::mutex lock;
  EnvState* target = nullptr;       // the environment serving calls; null after its teardown
  bool watching = false;            // the watcher thread runs
  std::atomic<int> wake{-1};        // eventfd: the main thread asks the watcher to look again
  double admitted = 0;              // calls admitted so far; their sequence numbers are 1..admitted
  double masterCut = 0;             // master calls with seq <= masterCut are cancelled
  double othersCut = 0;             // calls from other processes with seq <= othersCut are cancelled
  std::deque<uint32_t> awaitingMarker;  // ids applied from the pipe whose marker is not read yet
  bool anyApplied = false;
  uint32_t lastApplied = 0;
  // Diagnostics (tests, debugging).
  double received = 0;              // records read from the pipe
  double applied = 0;               // distinct interrupts applied (pipe or marker, once each)
  double refused = 0;               // calls cancelled on arrival
  double stopped = 0;               // running code stopped by termination
};
Control& control = *new Control;

bool Newer(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

bool CancelledLocked(double tag) {
  if (tag > 0) return !control.awaitingMarker.empty() || tag <= control.masterCut;
  if (tag < 0) return -tag <= control.othersCut;
  return false;
}

bool Cancelled(double tag) {
  std::lock_guard<std::mutex> guard(control.lock);
  return CancelledLocked(tag);
}

double TagOf(v8::Local<v8::Value> v) {
  if (v.IsEmpty() || !v->IsNumber()) return 0;
  return v.As<v8::Number>()->Value();
}

// The call the running code belongs to: the tag V8 carries with the code's continuations, or,
// where there is none (code outside any promise job, a detached section, or no tags on this
// node), the innermost runCall on the stack. 0: no call.
double TagNow(const EnvState* e, v8::Local<v8::Context> context) {
  double tag = e->continuationTags ? TagOf(context->GetContinuationPreservedEmbedderData()) : 0;
  return tag != 0 ? tag : e->current;
}

void OnInterrupt(v8::Isolate* isolate, void* data);

// Lock held. Ask the serving environment's isolate to run OnInterrupt at its next stack check.
void RequestCheckLocked() {
  if (control.target != nullptr) control.target->isolate->RequestInterrupt(OnInterrupt, control.target);
}

// Ask the watcher to request another check shortly (not now: V8 runs interrupt callbacks queued
// from inside a callback in the same loop, so asking from a callback would spin there).
void AskRetry() {
  int fd = control.wake.load();
  if (fd < 0) return;
  uint64_t one = 1;
  ssize_t ignored = write(fd, &one, sizeof one);
  (void)ignored;
}

// Whether the innermost JS frame is user code: neither node's internals nor this package's
// runtime, which must never be cut half-way through its own bookkeeping. Code made by eval or
// new Function (shipped functions) has no script name and is user code; so the runtime never
// runs such code of its own while it works for a call (src/remote/function-source.ts checks
// shipped source with vm.Script, which compiles without running).
bool UserCodeOnTop(v8::Isolate* isolate, const EnvState& e) {
  v8::Local<v8::StackTrace> trace = v8::StackTrace::CurrentStackTrace(isolate, 1, v8::StackTrace::kScriptName);
  if (trace->GetFrameCount() == 0) return false;
  v8::Local<v8::String> name = trace->GetFrame(isolate, 0)->GetScriptName();
  if (name.IsEmpty() || name->Length() == 0) return true;
  v8::String::Utf8Value utf8(isolate, name);
  std::string_view script(*utf8 != nullptr ? *utf8 : "", utf8.length());
  if (script.rfind("node:", 0) == 0) return false;
  return e.runtimePrefix.empty() || script.rfind(e.runtimePrefix, 0) != 0;
}

// Terminate the running code of call `tag`. Where will the termination end? In runCall
// (depth > 0), or in the microtask checkpoint, which must not lose the jobs queued behind this one.
void Stop(EnvState* e, double tag) {
  bool inQueue = e->queue != nullptr && e->queue->IsRunningMicrotasks();
  if (inQueue && e->continuationTags && e->stash->Usable()) {
    e->stash->Stash(e->queue);
    e->stashed = true;
  } else if (e->depth == 0) {
    return;  // not in a call, nor in a microtask that can be stopped safely on this V8 build
  }
  e->stopping = tag;
  e->isolate->TerminateExecution();
}

// V8's interrupt callback, on the main thread at a stack check: stop the running code if it
// belongs to a cancelled call.
void OnInterrupt(v8::Isolate* isolate, void* data) {
  EnvState* e = static_cast<EnvState*>(data);
  if (!e->alive || e->stopping != 0) return;
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (context.IsEmpty()) return;
  double tag = TagNow(e, context);
  if (tag == 0 || !Cancelled(tag)) return;
  if (!UserCodeOnTop(isolate, *e)) return AskRetry();
  Stop(e, tag);
}

// Drop the exception N-API recorded for the failed call. When the call was terminated, that
// record is `null` (V8's stand-in for the termination); left in place, N-API would re-throw it
// as an ordinary catchable `throw null` when our callback returns.
void ClearRecordedException(napi_env env) {
  napi_value ignored;
  napi_get_and_clear_last_exception(env, &ignored);
}

void RestoreStash(EnvState* e) {
  if (!e->stashed) return;
  e->stash->Restore(e->queue);
  e->stashed = false;
}

// The microtask queue finished a checkpoint. If a job of a cancelled call was stopped during it,
// the termination ends here: cancel it, put back the jobs set aside, and let JS arm a tick so
// they run now rather than at the next I/O event.
void OnMicrotasksCompleted(v8::Isolate* isolate, void* data) {
  EnvState* e = static_cast<EnvState*>(data);
  if (e->stopping == 0 || !e->alive) return;
  RestoreStash(e);
  if (e->depth > 0) return;  // a checkpoint nested in a call: the termination goes on to runCall
  bool terminated = isolate->IsExecutionTerminating();
  isolate->CancelTerminateExecution();  // also drops a request the stopped job outran
  e->stopping = 0;
  if (terminated) {
    std::lock_guard<std::mutex> guard(control.lock);
    control.stopped++;
  }
  AskRetry();  // more code of a cancelled call may be on its way
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = e->context.Get(isolate);
  // The builtin running the queue resets the job's tag after each job, but the termination skipped
  // that: left in place, every later callback would run as part of the stopped call.
  context->SetContinuationPreservedEmbedderData(v8::Undefined(isolate));
  if (e->afterStop.IsEmpty()) return;
  v8::Context::Scope in(context);
  v8::TryCatch ignore(isolate);
  v8::MaybeLocal<v8::Value> ignored = e->afterStop.Get(isolate)->Call(context, v8::Undefined(isolate), 0, nullptr);
  (void)ignored;
}

EnvState* State(const Napi::CallbackInfo& info) { return static_cast<EnvState*>(info.Data()); }

// configureCallInterrupts(runtimePrefix, afterStop, continuationTags) -> { microtaskStops }: this
// environment serves the calls that interrupts target. `runtimePrefix` is the URL prefix of the
// runtime's own scripts (never stopped half-way); `afterStop` is called after a stopped microtask,
// to run the jobs put back; `continuationTags` false where node itself keeps AsyncLocalStorage in
// the CPED slot: then only a call's first stretch can be stopped. Once per process (another
// environment already configured: throws).
Napi::Value ConfigureCallInterrupts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* e = State(info);
  if (!info[0].IsString() || !info[1].IsFunction() || !info[2].IsBoolean()) {
    throw Napi::TypeError::New(env, "configureCallInterrupts expects (runtimePrefix, afterStop, continuationTags)");
  }
  {
    std::lock_guard<std::mutex> guard(control.lock);
    if (control.target != nullptr && control.target != e) {
      throw Napi::Error::New(env, "calls are already served by another thread of this process");
    }
    control.target = e;
  }
  v8::Isolate* isolate = e->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  e->runtimePrefix = info[0].As<Napi::String>().Utf8Value();
  e->continuationTags = info[2].As<Napi::Boolean>().Value();
  napi_value fn = info[1];
  v8::Local<v8::Function> afterStop;
  static_assert(sizeof(afterStop) == sizeof(fn), "napi_value is a v8::Local");
  std::memcpy(static_cast<void*>(&afterStop), &fn, sizeof fn);
  e->afterStop.Reset(isolate, afterStop);
  if (e->queue == nullptr) {
    e->context.Reset(isolate, context);
    e->queue = context->GetMicrotaskQueue();
    e->queue->AddMicrotasksCompletedCallback(OnMicrotasksCompleted, e);
    e->stash = std::make_unique<MicrotaskStash>(isolate);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("microtaskStops", Napi::Boolean::New(env, e->continuationTags && e->stash->Usable()));
  return out;
}

// admitCall(fromMaster) -> tag: a call has arrived (in the order of its connection). Its tag, or
// 0 when an interrupt issued after it was sent has already cancelled it.
Napi::Value AdmitCall(const Napi::CallbackInfo& info) {
  bool fromMaster = info[0].ToBoolean().Value();
  std::lock_guard<std::mutex> guard(control.lock);
  double seq = ++control.admitted;
  if (fromMaster && !control.awaitingMarker.empty()) {
    control.refused++;
    return Napi::Number::New(info.Env(), 0);
  }
  return Napi::Number::New(info.Env(), fromMaster ? seq : -seq);
}

// runCall(tag, fn, thisArg, ...args): fn.apply(thisArg, args) as the call `tag`. If an interrupt
// stops it, throws Error('call interrupted') with code ERR_INTERRUPTED instead. Exceptions and
// return values (Promises too) pass through unchanged. The arguments arrive spread (not as an
// array) to spare one napi_get_element per argument.
Napi::Value RunCall(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  EnvState* e = State(info);
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "runCall expects (tag, fn, thisArg, ...args)");
  }
  double tag = info[0].As<Napi::Number>().DoubleValue();
  size_t argc = info.Length() > 3 ? info.Length() - 3 : 0;
  napi_value inline_args[8];
  std::vector<napi_value> heap_args;
  napi_value* argv = inline_args;
  if (argc > 8) {
    heap_args.resize(argc);
    argv = heap_args.data();
  }
  for (size_t i = 0; i < argc; i++) argv[i] = info[i + 3];
  napi_value thisArg = info.Length() > 2 ? static_cast<napi_value>(info[2]) : info.Env().Undefined();

  v8::Isolate* isolate = e->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> outer;
  if (e->continuationTags) {
    outer = context->GetContinuationPreservedEmbedderData();
    context->SetContinuationPreservedEmbedderData(v8::Number::New(isolate, tag));
  }
  double outerTag = e->current;
  e->current = tag;
  e->depth++;
  napi_value result = nullptr;
  napi_status status = napi_call_function(env, thisArg, info[1], argc, argv, &result);
  e->depth--;
  e->current = outerTag;

  // This call is the one being stopped, or the outermost call a stop can still end in.
  if (e->stopping != 0 && (e->stopping == tag || e->depth == 0)) {
    bool terminated = status != napi_ok && isolate->IsExecutionTerminating();
    isolate->CancelTerminateExecution();  // also drops a request the call outran
    RestoreStash(e);
    e->stopping = 0;
    if (e->continuationTags) context->SetContinuationPreservedEmbedderData(outer);
    AskRetry();  // an enclosing cancelled call may still be spinning
    if (terminated) {
      {
        std::lock_guard<std::mutex> guard(control.lock);
        control.stopped++;
      }
      ClearRecordedException(env);
      Napi::Error err = Napi::Error::New(info.Env(), "call interrupted");
      err.Set("code", Napi::String::New(info.Env(), "ERR_INTERRUPTED"));
      throw err;
    }
  } else {
    if (e->continuationTags) context->SetContinuationPreservedEmbedderData(outer);
    if (status != napi_ok && isolate->IsExecutionTerminating()) {
      // A termination that is not ours to end here (an inner stop on its way to its own runCall,
      // worker.terminate(), an enclosing vm timeout): let it keep propagating.
      ClearRecordedException(env);
      return Napi::Value();
    }
  }
  // A user exception stays recorded by N-API, which re-throws the very same value when we return.
  if (status != napi_ok) return Napi::Value();
  return Napi::Value(env, result);
}

void ApplyFromSocketLocked(uint32_t id) {
  if (!control.awaitingMarker.empty() && control.awaitingMarker.front() == id) {
    control.awaitingMarker.pop_front();  // its pipe record came first and already applied it
  } else if (control.anyApplied && !Newer(id, control.lastApplied)) {
    return;  // not a marker we can place: already applied
  } else {
    control.anyApplied = true;
    control.lastApplied = id;
    control.applied++;
    control.othersCut = control.admitted;
  }
  if (control.awaitingMarker.empty()) control.masterCut = control.admitted;
}

// applyInterrupt(id): the marker of interrupt `id` was read from the master's connection. No
// user code runs now (JS is reading the connection), so only the bookkeeping changes; the caller
// then cancels the suspended calls that isCancelled reports.
Napi::Value ApplyInterrupt(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "applyInterrupt expects an id");
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  {
    std::lock_guard<std::mutex> guard(control.lock);
    ApplyFromSocketLocked(id);
  }
  return info.Env().Undefined();
}

// isCancelled(tag) -> boolean: an interrupt has cancelled the call `tag`.
Napi::Value IsCancelled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), info[0].IsNumber() && Cancelled(info[0].As<Napi::Number>().DoubleValue()));
}

// checkResume(): node's promise hook, called before every promise job on the main thread. A job of
// a cancelled call (its tag is the CPED V8 has just set for it) is terminated before it starts.
// Inside a call's first stretch (a checkpoint nested in it) a stop could not end cleanly: leave it
// to OnInterrupt, which stops the job once it runs user code.
Napi::Value CheckResume(const Napi::CallbackInfo& info) {
  EnvState* e = State(info);
  if (e->stopping != 0 || !e->continuationTags) return Napi::Value();
  v8::Local<v8::Context> context = e->isolate->GetCurrentContext();
  double tag = TagOf(context->GetContinuationPreservedEmbedderData());
  if (tag == 0 || !Cancelled(tag)) return Napi::Value();
  if (e->depth > 0) {
    e->isolate->RequestInterrupt(OnInterrupt, e);
    return Napi::Value();
  }
  Stop(e, tag);
  return Napi::Value();
}

// interruptPoint(): a place in the runtime's own code where the running call may be stopped, if an
// interrupt has cancelled it. Interrupts wait for user code to be on top of the stack (the runtime
// must not be cut half-way through its bookkeeping), so code that blocks inside the runtime, such
// as a futex wait returning to JavaScript between slices, would never be stopped; it calls this
// between slices, where it holds nothing. The stop lands at the next stack check, in that code.
Napi::Value InterruptPoint(const Napi::CallbackInfo& info) {
  EnvState* e = State(info);
  if (!e->alive || e->stopping != 0 || e->queue == nullptr) return Napi::Value();  // not serving calls
  double tag = TagNow(e, e->isolate->GetCurrentContext());
  if (tag == 0 || !Cancelled(tag)) return Napi::Value();
  Stop(e, tag);
  return Napi::Value();
}

// currentCall() -> tag: the call the calling code belongs to (see TagNow), 0 outside any call.
Napi::Value CurrentCall(const Napi::CallbackInfo& info) {
  EnvState* e = State(info);
  return Napi::Number::New(info.Env(), TagNow(e, e->isolate->GetCurrentContext()));
}

// detached(fn) -> fn(): run `fn` as part of no call. Promise reactions it registers carry no tag,
// so work it starts (a fetch several callers share, a cached import) goes on when the call that
// happened to start it is cancelled: the resume guard never stops those continuations. The stack
// still knows the enclosing runCall (e->current), so an interrupt landing in `fn` is not lost: it
// waits, as for any runtime code, until user code is on top again.
Napi::Value Detached(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  EnvState* e = State(info);
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "detached expects a function");
  if (!e->continuationTags) {
    // Nothing carries a tag on this node: a plain call.
    napi_value result = nullptr;
    if (napi_call_function(env, info.Env().Undefined(), info[0], 0, nullptr, &result) != napi_ok) return Napi::Value();
    return Napi::Value(env, result);
  }
  v8::Local<v8::Context> context = e->isolate->GetCurrentContext();
  v8::Local<v8::Value> outer = context->GetContinuationPreservedEmbedderData();
  context->SetContinuationPreservedEmbedderData(v8::Undefined(e->isolate));
  napi_value result = nullptr;
  napi_status status = napi_call_function(env, info.Env().Undefined(), info[0], 0, nullptr, &result);
  context->SetContinuationPreservedEmbedderData(outer);
  if (status != napi_ok) {
    // A stop on its way to its runCall passes through (see RunCall); a user exception stays
    // recorded by N-API, which re-throws it when we return.
    if (e->isolate->IsExecutionTerminating()) ClearRecordedException(env);
    return Napi::Value();
  }
  return Napi::Value(env, result);
}

// Watcher thread, lock held: a record read from the pipe.
void ApplyFromPipeLocked(uint32_t id) {
  control.received++;
  if (control.anyApplied && !Newer(id, control.lastApplied)) return;  // its marker came first
  control.anyApplied = true;
  control.lastApplied = id;
  control.applied++;
  control.awaitingMarker.push_back(id);
  control.othersCut = control.admitted;
  RequestCheckLocked();
}

// The watcher thread: waits on the control pipe for the life of the process, and on `wake` for
// the main thread's requests to look again.
[[noreturn]] void Watch(int fd, int wake, std::string socketPath, std::string dir) {
  // Leave every signal to the main thread: Node's handlers (SIGINT, SIGTERM, SIGUSR1) stay
  // where they were installed.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  unsigned char record[kRecordSize];
  size_t have = 0;
  bool retryDue = false;
  for (;;) {
    struct pollfd fds[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
    struct timespec delay = {0, kRetryNanos};
    int ready = ppoll(fds, 2, retryDue ? &delay : nullptr, nullptr);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) {
      retryDue = false;
      std::lock_guard<std::mutex> guard(control.lock);
      RequestCheckLocked();
      continue;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      uint64_t count;
      if (read(wake, &count, sizeof count) == sizeof count) retryDue = true;
    }
    if (fds[0].revents == 0) continue;
    unsigned char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) break;  // EOF (the master's end closed: it is gone) or a read error
    for (ssize_t i = 0; i < n; i++) {
      if (have == 0 && buf[i] != kRecordTag) continue;  // not a record start: resynchronise
      record[have++] = buf[i];
      if (have < kRecordSize) continue;
      have = 0;
      uint32_t id = static_cast<uint32_t>(record[1]) | static_cast<uint32_t>(record[2]) << 8 |
                    static_cast<uint32_t>(record[3]) << 16 | static_cast<uint32_t>(record[4]) << 24;
      std::lock_guard<std::mutex> guard(control.lock);
      ApplyFromPipeLocked(id);
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

  std::lock_guard<std::mutex> guard(control.lock);
  if (control.watching) return Napi::Boolean::New(env, false);

  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    throw ErrnoError(env, err, "control pipe fd " + std::to_string(fd) + " is not open");
  }
  // Not inherited by processes this worker starts: the control pipe is ours alone.
  int fdflags = fcntl(fd, F_GETFD);
  if (fdflags < 0 || fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC) != 0) {
    int err = errno;
    throw ErrnoError(env, err, "cannot set close-on-exec on the control pipe");
  }
  int wake = eventfd(0, EFD_CLOEXEC);
  if (wake < 0) {
    int err = errno;
    throw ErrnoError(env, err, "cannot create the watcher's wake-up eventfd");
  }
  try {
    std::thread(Watch, fd, wake, socketPath, dir).detach();
  } catch (const std::system_error& e) {
    close(wake);
    throw ErrnoError(env, e.code().value(), "cannot start the control-pipe watcher thread");
  }
  control.wake.store(wake);
  control.watching = true;
  return Napi::Boolean::New(env, true);
}

// controlStats() -> { watching, microtaskStops, received, applied, refused, stopped }.
Napi::Value ControlStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* e = State(info);
  Napi::Object o = Napi::Object::New(env);
  std::lock_guard<std::mutex> guard(control.lock);
  o.Set("watching", Napi::Boolean::New(env, control.watching));
  o.Set("microtaskStops", Napi::Boolean::New(env, e->continuationTags && e->stash != nullptr && e->stash->Usable()));
  o.Set("received", Napi::Number::New(env, control.received));
  o.Set("applied", Napi::Number::New(env, control.applied));
  o.Set("refused", Napi::Number::New(env, control.refused));
  o.Set("stopped", Napi::Number::New(env, control.stopped));
  return o;
}

// The environment is going away: release its V8 handles and hooks while the isolate still
// exists, and make sure the watcher never targets it again.
void Teardown(void* data) {
  EnvState* e = static_cast<EnvState*>(data);
  {
    std::lock_guard<std::mutex> guard(control.lock);
    if (control.target == e) control.target = nullptr;
  }
  if (e->queue != nullptr) e->queue->RemoveMicrotasksCompletedCallback(OnMicrotasksCompleted, e);
  e->stash.reset();
  e->afterStop.Reset();
  e->context.Reset();
  e->alive = false;
}

}  // namespace

void InitProcessControl(Napi::Env env, Napi::Object exports) {
  // Kept for the life of the process (see EnvState): an interrupt requested just before an
  // environment's teardown may still be delivered with it. Listed process-wide so the states stay
  // reachable, which is what they are, rather than lost allocations.
  static std::vector<EnvState*>* const everyEnv = new std::vector<EnvState*>;
  EnvState* e = new EnvState;
  {
    std::lock_guard<std::mutex> guard(control.lock);
    everyEnv->push_back(e);
  }
  e->isolate = v8::Isolate::GetCurrent();
  napi_add_env_cleanup_hook(env, Teardown, e);
  const std::pair<const char*, Napi::Function::Callback> functions[] = {
      {"configureCallInterrupts", ConfigureCallInterrupts},
      {"admitCall", AdmitCall},
      {"runCall", RunCall},
      {"applyInterrupt", ApplyInterrupt},
      {"isCancelled", IsCancelled},
      {"checkResume", CheckResume},
      {"interruptPoint", InterruptPoint},
      {"currentCall", CurrentCall},
      {"detached", Detached},
      {"startControlWatch", StartControlWatch},
      {"controlStats", ControlStats},
  };
  for (const auto& [name, fn] : functions) exports.Set(name, Napi::Function::New(env, fn, name, e));
}
