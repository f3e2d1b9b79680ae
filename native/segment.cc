// POSIX shared-memory segments and file mappings exposed as external ArrayBuffers. Mechanism only: every policy decision (sizes, limits, modes, messages a
// user reads) lives in TypeScript (src/native.ts, src/shared/). Errors carry the errno name as
// `code` so the TypeScript layer can branch on it.
#include <napi.h>

#include "errno-error.h"
#include "parts.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// One mmap'ed region. The ArrayBuffer may start after `base` (file offsets need page alignment),
// so munmap needs the base and the full length. Owned by the ArrayBuffer: freed by its finalizer
// only, so it lives as long as the buffer, and an explicit unmap (which is handed the live buffer)
// finds it through napi_wrap instead of a process-wide registry.
struct Mapping {
  void* base;
  size_t maplen;
  bool unmapped;
};

size_t SizeArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v != static_cast<double>(static_cast<uint64_t>(v))) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a non-negative integer");
  }
  return static_cast<size_t>(v);
}

void Finalize(napi_env, void*, void* hint) {
  Mapping* m = static_cast<Mapping*>(hint);
  if (!m->unmapped) munmap(m->base, m->maplen);
  delete m;
}

// Wrap [base + delta, base + delta + length) as exactly one external ArrayBuffer. On success the
// ArrayBuffer owns the mapping; its finalizer munmaps unless unmap() already did.
Napi::ArrayBuffer Expose(Napi::Env env, void* base, size_t maplen, size_t delta, size_t length) {
  Mapping* m = new Mapping{base, maplen, false};
  void* data = static_cast<char*>(base) + delta;
  napi_value ab;
  napi_status status = napi_create_external_arraybuffer(env, data, length, Finalize, m, &ab);
  if (status != napi_ok) {
    // Node may already have run Finalize on this failure path (it does for over-long buffers),
    // so touching `m` here could double-free. The TypeScript layer checks the size limit before
    // calling, so this is a last resort that may leak the mapping but never crashes.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) throw Napi::Error::New(env);  // rethrow what Node raised (ERR_BUFFER_TOO_LARGE)
    throw Napi::Error::New(env, "cannot create an ArrayBuffer over the mapping (napi status " +
                                    std::to_string(status) + ")");
  }
  // From here the buffer owns `m`. The wrap only lets unmap() find it; no finalizer of its own.
  if (napi_wrap(env, ab, m, nullptr, nullptr, nullptr) != napi_ok) throw Napi::Error::New(env);
  return Napi::ArrayBuffer(env, ab);
}

std::string RandomName(Napi::Env env) {
  uint64_t r = 0;
  while (getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
    if (errno != EINTR) throw ErrnoError(env, errno, "cannot pick a random segment name");
  }
  // "/sa" + pid + "_" + 16 hex digits: at most 3 + 10 + 1 + 16 = 30 characters (limit 31).
  char buf[40];
  std::snprintf(buf, sizeof buf, "/sa%d_%016" PRIx64, static_cast<int>(getpid()), r);
  return buf;
}

uint64_t ShmFree() {
  struct statvfs s;
  if (statvfs("/dev/shm", &s) != 0) return UINT64_MAX;  // no /dev/shm to ask: let fallocate decide
  return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

// create(size) -> { name, buffer, fd }: a new segment, reserved and mapped. Its name is unlinked
// the moment it exists, so no crash of any process can ever leave it in /dev/shm; other processes
// map it through the open descriptor (/proc/<pid>/fd/<fd>), which the caller closes once they have.
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t size = SizeArg(info, 0, "size");
  if (size == 0) throw ErrnoError(env, EINVAL, "a shared memory segment cannot be empty");

  // Ask the filesystem first: tmpfs lets ftruncate succeed far beyond its size and would only
  // fail with SIGBUS on first touch.
  uint64_t free = ShmFree();
  if (free < size) {
    Napi::Error e = ErrnoError(env, ENOSPC, "not enough space in /dev/shm");
    e.Set("free", Napi::Number::New(env, static_cast<double>(free)));
    throw e;
  }

  std::string name;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 8; attempt++) {
    name = RandomName(env);
    fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    int err = errno;
    throw ErrnoError(env, err, "cannot create shared memory segment " + name);
  }
  shm_unlink(name.c_str());

  auto fail = [&](int err, const std::string& what) {
    close(fd);
    return ErrnoError(env, err, what);
  };
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    int err = errno;
    throw fail(err, "cannot size shared memory segment");
  }
  int rc;
  do rc = posix_fallocate(fd, 0, static_cast<off_t>(size));
  while (rc == EINTR);
  if (rc != 0) {
    Napi::Error e = fail(rc, "cannot reserve shared memory");
    e.Set("free", Napi::Number::New(env, static_cast<double>(ShmFree())));
    throw e;
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    int err = errno;
    throw fail(err, "cannot map shared memory segment");
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", Napi::String::New(env, name));
  result.Set("fd", Napi::Number::New(env, fd));
  result.Set("buffer", Expose(env, base, size, 0, size));
  return result;
}

// mapFd(fd, offset, length, writable) -> ArrayBuffer over a regular file. Read-only maps are
// private copy-on-write: a stray write from JavaScript then stays in this process instead of
// crashing it, and never reaches the file.
Napi::Value MapFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(SizeArg(info, 0, "fd"));
  size_t offset = SizeArg(info, 1, "offset");
  size_t length = SizeArg(info, 2, "length");
  bool writable = info[3].ToBoolean();
  if (length == 0) throw ErrnoError(env, EINVAL, "a file mapping cannot be empty");
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t aligned = offset - offset % page;
  size_t delta = offset - aligned;
  void* base = mmap(nullptr, length + delta, PROT_READ | PROT_WRITE, writable ? MAP_SHARED : MAP_PRIVATE, fd,
                    static_cast<off_t>(aligned));
  if (base == MAP_FAILED) {
    int err = errno;
    throw ErrnoError(env, err, "cannot map file");
  }
  return Expose(env, base, length + delta, delta, length);
}

// unmap(buffer) -> boolean: detach the ArrayBuffer (later JS access sees length 0 instead of
// freed memory) and munmap now. False when it was already unmapped.
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "unmap expects an ArrayBuffer");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return Napi::Boolean::New(env, false);
  void* wrapped = nullptr;
  if (napi_unwrap(env, ab, &wrapped) != napi_ok || wrapped == nullptr) {
    throw Napi::TypeError::New(env, "unmap: this ArrayBuffer is not a mapping");
  }
  Mapping* m = static_cast<Mapping*>(wrapped);
  ab.Detach();
  munmap(m->base, m->maplen);
  m->unmapped = true;
  return Napi::Boolean::New(env, true);
}

Napi::Value ShmFreeBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ShmFree()));
}

}  // namespace

void InitSegments(Napi::Env env, Napi::Object exports) {
  exports.Set("create", Napi::Function::New(env, Create));
  exports.Set("mapFd", Napi::Function::New(env, MapFd));
  exports.Set("unmap", Napi::Function::New(env, Unmap));
  exports.Set("shmFreeBytes", Napi::Function::New(env, ShmFreeBytes));
}
