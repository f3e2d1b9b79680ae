// A JS Error for a failed system call: `code` is the errno name (ENOSPC, EBADF, ...), `errno` the
// number, and the message says what was being done. Shared by every file of the addon.
#pragma once
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

inline Napi::Error ErrnoError(Napi::Env env, int err, const std::string& what) {
  const char* name = strerrorname_np(err);
  std::string code = name != nullptr ? name : "E" + std::to_string(err);
  Napi::Error e = Napi::Error::New(env, what + ": " + std::strerror(err) + " (" + code + ")");
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}
