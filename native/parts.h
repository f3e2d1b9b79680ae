// The parts of the addon, each in its own file; native/addon.cc lists them in one place.
#pragma once
#include <napi.h>

// native/segment.cc: shared-memory segments and file mappings as external ArrayBuffers.
void InitSegments(Napi::Env env, Napi::Object exports);
// native/process.cc: interruptible calls and the worker's control-pipe watcher.
void InitProcessControl(Napi::Env env, Napi::Object exports);
