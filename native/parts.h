// The parts of the addon, each in its own file; native/addon.cc lists them in one place.
#pragma once
#include <napi.h>

// native/segment.cc: shared-memory segments and file mappings as external ArrayBuffers, and their
// second mappings as SharedArrayBuffers for worker threads.
void InitSegments(Napi::Env env, Napi::Object exports);
// native/process.cc: interrupting the calls a worker serves, and the worker's lifeline watcher.
void InitProcessControl(Napi::Env env, Napi::Object exports);
// native/futex.cc: futex waits and wakes on shared int32 elements, across processes.
void InitFutex(Napi::Env env, Napi::Object exports);
// native/ops.cc: elementwise operations and reductions over strided typed-array operands.
void InitOps(Napi::Env env, Napi::Object exports);
