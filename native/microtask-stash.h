// Setting the pending microtasks aside while a microtask is terminated, so that the termination
// costs the stopped code alone and nothing queued behind it.
//
// Why it is needed. When execution is terminated inside a microtask, V8's RunMicrotasks deletes
// every microtask still queued (microtask-queue.cc: `delete[] ring_buffer_` on termination), and
// the public API has no way to save or re-queue them. In a worker those are other calls'
// continuations, the connection's write flush, node's own promise jobs: losing them hangs callers
// or the connection (measured in docs/interrupt.md).
//
// How. Every v8::MicrotaskQueue is an i::MicrotaskQueue whose pending jobs sit in a ring buffer
// described by four fields (size_, capacity_, start_, ring_buffer_). The builtin that runs the
// queue reloads those fields before each job, and the GC visits every queue of the isolate as
// strong roots. So: swap the four fields of the running queue with those of a private, empty queue
// just before terminating (RunMicrotasks then finds nothing left to delete, and the GC still keeps
// the set-aside jobs alive and up to date in the private queue), and swap them back once the
// termination has been cancelled. Jobs the stopped code queued in between belong to it and are
// dropped, as V8 would have dropped them.
//
// The field offsets are not guessed: the node binary exports V8's own constants
// (v8::internal::MicrotaskQueue::kSizeOffset, ...) that its generated code uses. They are looked up
// at run time, and the layout is checked on a live queue before use; on any other build `Usable()`
// is false and callers must not terminate inside microtasks.
#pragma once
#include <v8.h>

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

class MicrotaskStash {
 public:
  // A private queue for `isolate`, if V8's layout could be found and checked.
  explicit MicrotaskStash(v8::Isolate* isolate) {
    if (!Layout().found) return;
    spare_ = v8::MicrotaskQueue::New(isolate, v8::MicrotasksPolicy::kExplicit);
    if (!SelfTest(isolate)) spare_.reset();
  }

  bool Usable() const { return spare_ != nullptr; }

  // Move every job pending in `running` (the queue whose job is being stopped) aside.
  void Stash(v8::MicrotaskQueue* running) { Swap(running, spare_.get()); }

  // Put the set-aside jobs back into `running`, and forget what was queued there since Stash.
  void Restore(v8::MicrotaskQueue* running) {
    Swap(running, spare_.get());
    Field(spare_.get(), Layout().size) = 0;
    Field(spare_.get(), Layout().start) = 0;
  }

 private:
  struct Offsets {
    bool found = false;
    size_t size = 0, capacity = 0, start = 0, ring = 0;
  };

  static const Offsets& Layout() {
    static const Offsets offsets = [] {
      Offsets o;
      const size_t* size = Lookup("_ZN2v88internal14MicrotaskQueue11kSizeOffsetE");
      const size_t* capacity = Lookup("_ZN2v88internal14MicrotaskQueue15kCapacityOffsetE");
      const size_t* start = Lookup("_ZN2v88internal14MicrotaskQueue12kStartOffsetE");
      const size_t* ring = Lookup("_ZN2v88internal14MicrotaskQueue17kRingBufferOffsetE");
      if (!size || !capacity || !start || !ring) return o;
      o = {true, *size, *capacity, *start, *ring};
      // Four distinct word-aligned fields just past the vtable pointer, or not the layout we know.
      for (size_t f : {o.size, o.capacity, o.start, o.ring}) {
        if (f % sizeof(intptr_t) != 0 || f < sizeof(void*) || f > 64) o.found = false;
      }
      if (o.size == o.capacity || o.size == o.start || o.size == o.ring || o.capacity == o.start ||
          o.capacity == o.ring || o.start == o.ring) {
        o.found = false;
      }
      return o;
    }();
    return offsets;
  }

  static const size_t* Lookup(const char* symbol) {
    return static_cast<const size_t*>(dlsym(RTLD_DEFAULT, symbol));
  }

  static intptr_t& Field(v8::MicrotaskQueue* q, size_t offset) {
    return *reinterpret_cast<intptr_t*>(reinterpret_cast<char*>(q) + offset);
  }

  static void Swap(v8::MicrotaskQueue* a, v8::MicrotaskQueue* b) {
    const Offsets& o = Layout();
    for (size_t f : {o.size, o.capacity, o.start, o.ring}) std::swap(Field(a, f), Field(b, f));
  }

  // Queue one job through the public API, check the fields say so, move it out and back, run it.
  bool SelfTest(v8::Isolate* isolate) {
    const Offsets& o = Layout();
    std::unique_ptr<v8::MicrotaskQueue> probe =
        v8::MicrotaskQueue::New(isolate, v8::MicrotasksPolicy::kExplicit);
    int ran = 0;
    probe->EnqueueMicrotask(isolate, [](void* data) { ++*static_cast<int*>(data); }, &ran);
    intptr_t capacity = Field(probe.get(), o.capacity);
    if (Field(probe.get(), o.size) != 1 || capacity < 1 || (capacity & (capacity - 1)) != 0 ||
        Field(probe.get(), o.ring) == 0) {
      return false;
    }
    Swap(probe.get(), spare_.get());
    bool moved = Field(probe.get(), o.size) == 0 && Field(spare_.get(), o.size) == 1;
    Swap(probe.get(), spare_.get());
    probe->PerformCheckpoint(isolate);
    return moved && ran == 1 && Field(probe.get(), o.size) == 0;
  }

  std::unique_ptr<v8::MicrotaskQueue> spare_;
};
