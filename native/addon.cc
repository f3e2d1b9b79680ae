// The addon's one entry file: every part of native/ adds its functions to the exports here, in
// the order listed. Each part keeps its state where it belongs (with the object it describes, or
// process-wide where the thing itself is process-wide); there is no registry shared between parts.
#include <napi.h>

#include "parts.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitSegments(env, exports);
  InitProcessControl(env, exports);
  InitFutex(env, exports);
  InitOps(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(sharedarrays, Init)
