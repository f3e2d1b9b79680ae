// A deliberately faulty addon, the sanitizer run's proof that it can fail: scripts/test-native-
// asan.sh builds it with the addon's sanitizer flags, runs each function in its own Node process
// under the run's settings, and requires sanitizer-reports.mjs to flag every one.
#include <node_api.h>

#include <cstdlib>

namespace {

// A block the addon allocates and drops.
napi_value LeakMalloc(napi_env, napi_callback_info) {
  volatile char* p = static_cast<char*>(std::malloc(123));
  p[0] = 1;
  return nullptr;
}

// A Node-API reference the addon never deletes (Node allocates it on the addon's behalf).
napi_value LeakReference(napi_env env, napi_callback_info) {
  napi_value o;
  napi_ref ref;
  napi_create_object(env, &o);
  napi_create_reference(env, o, 1, &ref);
  return nullptr;
}

// A write to a freed heap block (AddressSanitizer's own report; UBSan sees nothing wrong).
napi_value UseAfterFree(napi_env, napi_callback_info) {
  volatile char* p = static_cast<char*>(std::malloc(8));  // volatile: the store must happen
  std::free(const_cast<char*>(p));
  p[0] = 1;
  return nullptr;
}

// Signed overflow: undefined behaviour.
napi_value SignedOverflow(napi_env, napi_callback_info) {
  volatile int big = 0x7fffffff;
  volatile int sum = big + 1;
  (void)sum;
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"leakMalloc", LeakMalloc}, {"leakReference", LeakReference}, {"useAfterFree", UseAfterFree}, {"signedOverflow", SignedOverflow}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}
