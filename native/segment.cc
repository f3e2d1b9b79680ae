// POSIX shared-memory segments and file mappings exposed as external ArrayBuffers, and the same
// memory as a SharedArrayBuffer for worker threads. Mechanism only: every policy decision (sizes,
// limits, modes, messages a user reads) lives in TypeScript (src/native.ts, src/shared/). Errors
// carry the errno name as `code` so the TypeScript layer can branch on it.
#include <napi.h>

#include "errno-error.h"
#include "parts.h"
#include <v8.h>

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
#include <memory>
#include <string>
#include <vector>

namespace {

// One mmap'ed region. The ArrayBuffer may start after `base` (file offsets need page alignment),
// so munmap needs the base and the full length. Owned by the ArrayBuffer: freed by its finalizer
// only, so it lives as long as the buffer, and the functions handed the live buffer (unmap,
// mappingKind, shareMapping) find it through napi_wrap instead of a process-wide registry.
struct Mapping {
  void* base;
  size_t maplen;
  bool unmapped;
  // MAP_SHARED (a segment, a writable file map): the pages can be mapped a second time.
  bool shared;
  // The second mapping threads see (ShareMapping), made on first use and held here, strongly,
  // until the memory is released: `twin` is its base while `twinRef` holds its SharedArrayBuffer.
  void* twin;
  napi_ref twinRef;
  // For segments mapped side by side in one range (MapParts): each one's length, in order. One
  // munmap of the range releases them all, but a second mapping must be made part by part.
  std::vector<size_t> parts;
};

// Marks the ArrayBuffers this file made, so that a buffer wrapped by anything else is never
// taken for a Mapping (mappingKind is handed arbitrary buffers).
constexpr napi_type_tag kMappingTag = {0x5a7d3c1e9b2f4a61ULL, 0x8c04e6d2b3a9f517ULL};

// The Mapping behind `value`, or nullptr when it is not a buffer made here.
Mapping* MappingOf(Napi::Env env, Napi::Value value) {
  if (!value.IsArrayBuffer()) return nullptr;
  bool ours = false;
  if (napi_check_object_type_tag(env, value, &kMappingTag, &ours) != napi_ok || !ours) return nullptr;
  void* wrapped = nullptr;
  if (napi_unwrap(env, value, &wrapped) != napi_ok) return nullptr;
  return static_cast<Mapping*>(wrapped);
}

// The threads' mapping gives its pages up when the memory is released (unmap): the range is
// replaced by private zero pages, so a thread still holding a view writes into memory nobody
// shares instead of crashing; V8's deleter unmaps the range once every thread has dropped it.
// Safe because `twinRef` still holds the SharedArrayBuffer here: its deleter cannot have run, so
// the range is still the twin's. Should the kernel refuse (ENOMEM), the threads keep the shared
// pages until they drop the buffer, as if the memory had never been released: no crash either way.
void RetireTwin(napi_env env, Mapping* m) {
  if (m->twin == nullptr) return;
  (void)mmap(m->twin, m->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  napi_delete_reference(env, m->twinRef);
  m->twin = nullptr;
  m->twinRef = nullptr;
}

size_t SizeArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v != static_cast<double>(static_cast<uint64_t>(v))) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a non-negative integer");
  }
  return static_cast<size_t>(v);
}

// The buffer is gone: its mapping goes, and its hold on the threads' SharedArrayBuffer (threads
// that still use it keep the memory until they drop it). Node runs this on the buffer's own
// thread, where N-API may be called.
void Finalize(napi_env env, void*, void* hint) {
  Mapping* m = static_cast<Mapping*>(hint);
  if (!m->unmapped) munmap(m->base, m->maplen);
  if (m->twinRef != nullptr) napi_delete_reference(env, m->twinRef);
  delete m;
}

// Wrap [base + delta, base + delta + length) as exactly one external ArrayBuffer. On success the
// ArrayBuffer owns the mapping; its finalizer munmaps unless unmap() already did.
Napi::ArrayBuffer Expose(Napi::Env env, void* base, size_t maplen, size_t delta, size_t length, bool shared,
                         std::vector<size_t> parts = {}) {
  Mapping* m = new Mapping{base, maplen, false, shared, nullptr, nullptr, std::move(parts)};
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
  if (napi_type_tag_object(env, ab, &kMappingTag) != napi_ok) throw Napi::Error::New(env);
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

// A new segment of `size` bytes, sized and reserved, its name unlinked the moment it exists (so
// no crash of any process can ever leave it in /dev/shm): its open descriptor, through which other
// processes map it (/proc/<pid>/fd/<fd>) until the caller closes it.
int NewSegment(Napi::Env env, size_t size, std::string* nameOut) {
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
  if (nameOut != nullptr) *nameOut = name;
  return fd;
}

// create(size) -> { name, buffer, fd }: a new segment (NewSegment), mapped here.
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t size = SizeArg(info, 0, "size");
  std::string name;
  int fd = NewSegment(env, size, &name);
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    int err = errno;
    close(fd);
    throw ErrnoError(env, err, "cannot map shared memory segment");
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", Napi::String::New(env, name));
  result.Set("fd", Napi::Number::New(env, fd));
  result.Set("buffer", Expose(env, base, size, 0, size, true));
  return result;
}

// createPart(size) -> fd: a new segment (NewSegment) that this process does not map: one part
// of an array whose parts its participants create side by side, each reserving its own in parallel.
Napi::Value CreatePart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, NewSegment(env, SizeArg(info, 0, "size"), nullptr));
}

// mapParts(fds, sizes) -> ArrayBuffer: segments mapped side by side in one range, read-write and
// shared, so the array over them is one buffer. The range is reserved first (PROT_NONE, nothing
// committed) and each part mapped over its place with MAP_FIXED; every part but the last must be
// a whole number of pages.
Napi::Value MapParts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray() || !info[1].IsArray()) throw Napi::TypeError::New(env, "mapParts expects (fds, sizes)");
  Napi::Array fds = info[0].As<Napi::Array>();
  Napi::Array sizes = info[1].As<Napi::Array>();
  size_t n = fds.Length();
  if (n == 0 || sizes.Length() != n) throw Napi::TypeError::New(env, "mapParts expects as many sizes as descriptors, at least one");
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<size_t> parts(n);
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    Napi::Value v = sizes.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d > 0) || d != static_cast<double>(static_cast<uint64_t>(d))) throw Napi::TypeError::New(env, "mapParts: sizes must be positive integers");
    parts[i] = static_cast<size_t>(d);
    if (i + 1 < n && parts[i] % page != 0) throw Napi::TypeError::New(env, "mapParts: every part but the last must be whole pages");
    total += parts[i];
  }
  void* base = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    int err = errno;
    throw ErrnoError(env, err, "cannot reserve an address range for the shared array");
  }
  size_t offset = 0;
  for (size_t i = 0; i < n; i++) {
    Napi::Value v = fds.Get(i);
    int fd = v.IsNumber() ? v.As<Napi::Number>().Int32Value() : -1;
    void* at = static_cast<char*>(base) + offset;
    if (fd < 0 || mmap(at, parts[i], PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
      int err = fd < 0 ? EBADF : errno;
      munmap(base, total);
      throw ErrnoError(env, err, "cannot map part of a shared array");
    }
    offset += parts[i];
  }
  return Expose(env, base, total, 0, total, true, std::move(parts));
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
  return Expose(env, base, length + delta, delta, length, writable);
}

// reserveFile(fd, offset, length): allocate the blocks of bytes [offset, offset + length) of a
// regular file, extending it if needed (posix_fallocate; existing data is kept). A writable mapping
// over a range the filesystem has not allocated (a sparse file: what ftruncate makes) kills the
// process with SIGBUS on the first write that finds the filesystem full; a reservation fails now,
// with ENOSPC, instead.
Napi::Value ReserveFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(SizeArg(info, 0, "fd"));
  size_t offset = SizeArg(info, 1, "offset");
  size_t length = SizeArg(info, 2, "length");
  if (length == 0) return env.Undefined();
  int rc;
  do rc = posix_fallocate(fd, static_cast<off_t>(offset), static_cast<off_t>(length));
  while (rc == EINTR);
  if (rc != 0) throw ErrnoError(env, rc, "cannot reserve file space");
  return env.Undefined();
}

// unmap(buffer) -> boolean: detach the ArrayBuffer (later JS access sees length 0 instead of
// freed memory) and munmap now, retiring the threads' mapping too (RetireTwin). False when it was
// already unmapped.
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "unmap expects an ArrayBuffer");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return Napi::Boolean::New(env, false);
  Mapping* m = MappingOf(env, ab);
  if (m == nullptr) throw Napi::TypeError::New(env, "unmap: this ArrayBuffer is not a mapping");
  ab.Detach();
  munmap(m->base, m->maplen);
  m->unmapped = true;
  RetireTwin(env, m);
  return Napi::Boolean::New(env, true);
}

// mappingKind(buffer) -> "none" (not a buffer made here), "unmapped", "private" (a read-only file
// map: a copy-on-write copy in this process) or "shared" (shareMapping can give it to threads).
Napi::Value MappingKind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Mapping* m = MappingOf(env, info[0]);
  const char* kind = m == nullptr ? "none" : m->unmapped ? "unmapped" : m->shared ? "shared" : "private";
  return Napi::String::New(env, kind);
}

// Node-API has no SharedArrayBuffer over foreign memory (Node 20), so ShareMapping uses V8's
// BackingStore API directly. A napi_value is a v8::Local's one pointer (js_native_api_v8.h),
// hence the conversion.
static_assert(sizeof(v8::Local<v8::Value>) == sizeof(napi_value), "napi_value must be a v8::Local");
napi_value FromV8(v8::Local<v8::Value> local) {
  napi_value v;
  std::memcpy(&v, static_cast<void*>(&local), sizeof v);
  return v;
}

// The range behind a threads' SharedArrayBuffer, for its deleter.
struct TwinRange {
  void* base;
  size_t len;
};

// V8 calls this once the SharedArrayBuffer is unreachable in every thread of the process (its
// backing store is shared between isolates and counted), on whichever thread drops it last.
void UnmapTwin(void*, size_t, void* deleter_data) {
  TwinRange* t = static_cast<TwinRange*>(deleter_data);
  munmap(t->base, t->len);
  delete t;
}

// A second mapping of the same pages (mremap with old_size 0 duplicates a shared mapping), never at
// the buffer's address. Parts mapped side by side are duplicated one by one into a reserved range:
// duplicating the whole range at once would map only the first part's file, past its end.
void* TwinOf(const Mapping* m) {
  if (m->parts.size() <= 1) return mremap(m->base, 0, m->maplen, MREMAP_MAYMOVE);
  void* twin = mmap(nullptr, m->maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (twin == MAP_FAILED) return MAP_FAILED;
  size_t offset = 0;
  for (size_t len : m->parts) {
    void* from = static_cast<char*>(m->base) + offset;
    void* to = static_cast<char*>(twin) + offset;
    if (mremap(from, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED) {
      int err = errno;
      munmap(twin, m->maplen);
      errno = err;
      return MAP_FAILED;
    }
    offset += len;
  }
  return twin;
}

// shareMapping(buffer) -> SharedArrayBuffer over the same memory, for worker threads: a
// SharedArrayBuffer is posted to threads without a copy, an external ArrayBuffer is not. It gets a
// mapping of its own (TwinOf), never the buffer's address, so no two buffers of the process share
// an address. Made once per mapping and kept
// with it (see Mapping::twinRef). Only for "shared" mappings (see mappingKind).
Napi::Value ShareMapping(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* m = MappingOf(env, info[0]);
  if (m == nullptr || m->unmapped || !m->shared) {
    throw Napi::TypeError::New(env, "shareMapping expects a live shared mapping (see mappingKind)");
  }
  if (m->twinRef != nullptr) {
    napi_value held;
    if (napi_get_reference_value(env, m->twinRef, &held) != napi_ok) throw Napi::Error::New(env);
    return Napi::Value(env, held);
  }
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  size_t delta = static_cast<size_t>(static_cast<char*>(ab.Data()) - static_cast<char*>(m->base));
  void* twin = TwinOf(m);
  if (twin == MAP_FAILED) {
    int err = errno;
    throw ErrnoError(env, err, "cannot map the memory a second time for threads");
  }
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(
      static_cast<char*>(twin) + delta, ab.ByteLength(), UnmapTwin, new TwinRange{twin, m->maplen});
  napi_value sab = FromV8(v8::SharedArrayBuffer::New(v8::Isolate::GetCurrent(), std::move(store)));
  if (napi_create_reference(env, sab, 1, &m->twinRef) != napi_ok) throw Napi::Error::New(env);
  m->twin = twin;
  return Napi::Value(env, sab);
}

Napi::Value ShmFreeBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ShmFree()));
}

}  // namespace

void InitSegments(Napi::Env env, Napi::Object exports) {
  exports.Set("create", Napi::Function::New(env, Create));
  exports.Set("createPart", Napi::Function::New(env, CreatePart));
  exports.Set("mapParts", Napi::Function::New(env, MapParts));
  exports.Set("mapFd", Napi::Function::New(env, MapFd));
  exports.Set("reserveFile", Napi::Function::New(env, ReserveFile));
  exports.Set("unmap", Napi::Function::New(env, Unmap));
  exports.Set("shmFreeBytes", Napi::Function::New(env, ShmFreeBytes));
  exports.Set("mappingKind", Napi::Function::New(env, MappingKind));
  exports.Set("shareMapping", Napi::Function::New(env, ShareMapping));
}
