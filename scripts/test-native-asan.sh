#!/usr/bin/env bash
# The native code under AddressSanitizer and UndefinedBehaviorSanitizer: builds the addon's
# sanitizer build (native/CMakeLists.txt, cmake-js), proves on a deliberately faulty addon
# (scripts/asan/canary.cc) that every kind of report fails the run, then runs the test files that
# exercise native code against the sanitizer build and fails on any report
# (scripts/sanitizer-reports.mjs decides).
#
# - Every Node process of the run (vitest, its test processes, the workers they start) gets the
#   sanitizer runtimes preloaded (LD_PRELOAD: Node itself is not instrumented, and ASan must be
#   the first library loaded) and SHAREDARRAYS_ADDON pointing at the sanitizer build; workers
#   inherit both with the environment.
# - ASan and LeakSanitizer reports go to files (log_path), one per process, so none is lost in a
#   test's captured output; UBSan ignores log_path and writes to stderr, so the run's output is
#   kept with them. Memory errors and undefined behaviour abort the process that hits them. Leak checks run at
#   each process's exit and do not change its exit code (LSAN_OPTIONS=exitcode=0): the reports
#   decide. symbolize=0 keeps those checks fast enough for a worker to finish its own before
#   rmprocs' grace period ends; the reports are symbolized afterwards. The quarantine (freed
#   memory kept poisoned to catch use-after-free) is 64 MiB instead of 256 per process, since a
#   run has a dozen processes at a time.
# - scripts/asan/vitest.config.ts: the suite's integration project plus what leak checks need in
#   test processes (see there).
# SANITIZER_REPORTS=<dir> keeps the report files there.
#
# Which tests: the file name patterns below, in this one place. A test file whose name matches
# joins without edits; name new native-exercising test files so that one matches. test/unit/ is
# pure JavaScript (no addon, no processes) and has nothing to sanitize. Patterns no file matches
# yet (features still on their way) are listed in the output, not failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

native_patterns=(
  'test/shared-*.test.ts'       # segments, mappings, their lifetime and GC finalizers, fromFile, views
  'test/native-*.test.ts'       # the addon's own functions: interruptible calls, where it loads from
  'test/interrupt*.test.ts'     # interrupt(): the control pipe's `I` stops a running call
  'test/master-kill*.test.ts'   # the control-pipe watch: workers exit with their master
  'test/worker-death*.test.ts'  # workers that die while mapped and watched
  'test/hostile-peer*.test.ts'  # bad input reaching a worker that runs the control watch
  'test/threads-*.test.ts'      # threads: futex wait/notify, barriers, atomics, threadcall
  'test/ops-*.test.ts'          # array operations over SharedArray memory and views
  'test/darray-*.test.ts'       # distributed arrays
)
native_tests=()
unmatched=()
for pattern in "${native_patterns[@]}"; do
  mapfile -t matched < <(compgen -G "$pattern" || true)
  [ ${#matched[@]} -gt 0 ] || unmatched+=("$pattern")
  native_tests+=("${matched[@]}")
done
mapfile -t native_tests < <(printf '%s\n' "${native_tests[@]}" | sort -u)
[ ${#native_tests[@]} -gt 0 ] || { echo "test-native-asan: no test file matches the patterns" >&2; exit 1; }
[ ${#unmatched[@]} -eq 0 ] || echo "test-native-asan: no test file matches yet: ${unmatched[*]}"

started=$SECONDS
echo "test-native-asan: building the sanitizer build (native/CMakeLists.txt)"
npm run --silent build:native-asan >"$root/build-asan.log" 2>&1 || { cat "$root/build-asan.log"; exit 1; }
rm -f "$root/build-asan.log"
addon="$root/build/asan/Debug/sharedarrays.node"
canary="$root/build/asan/Debug/sanitizer_canary.node"
for f in "$addon" "$canary"; do [ -f "$f" ] || { echo "test-native-asan: $f was not built" >&2; exit 1; }; done

cxx=${CXX:-c++}
preload="$($cxx -print-file-name=libasan.so) $($cxx -print-file-name=libubsan.so)"
for lib in $preload; do [ -f "$lib" ] || { echo "test-native-asan: no sanitizer runtime at $lib" >&2; exit 1; }; done

if [ -n "${SANITIZER_REPORTS:-}" ]; then
  logs=$SANITIZER_REPORTS
  rm -rf "$logs"
  mkdir -p "$logs"
else
  logs=$(mktemp -d "${TMPDIR:-/tmp}/sharedarrays-asan.XXXXXX")
  trap 'rm -rf "$logs"' EXIT
fi

# Run "$@" with the sanitizer runtimes, writing reports into directory $1.
sanitized() {
  local reports=$1
  shift
  env LD_PRELOAD="$preload" \
    SHAREDARRAYS_ADDON="$addon" \
    ASAN_OPTIONS="detect_leaks=1:symbolize=0:quarantine_size_mb=64:log_path=$reports/asan" \
    LSAN_OPTIONS="exitcode=0" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan" \
    "$@"
}

echo "test-native-asan: the canary (a leak, a leaked reference, a use after free, undefined behaviour) must fail"
for fn in leakMalloc leakReference useAfterFree signedOverflow; do
  mkdir -p "$logs/canary-$fn"
  sanitized "$logs/canary-$fn" node --jitless -e "require('$canary').$fn()" >/dev/null 2>"$logs/canary-$fn/stderr" || true
  if node scripts/sanitizer-reports.mjs "$logs/canary-$fn" "$canary" >"$logs/canary-$fn.out" 2>&1; then
    cat "$logs/canary-$fn.out"
    echo "test-native-asan: the canary's $fn was not reported: the run could not fail" >&2
    exit 1
  fi
done

echo "test-native-asan: ${#native_tests[@]} test files: ${native_tests[*]}"
status=0
mkdir -p "$logs/suite"
sanitized "$logs/suite" npx vitest run --config scripts/asan/vitest.config.ts "${native_tests[@]}" 2>&1 | tee "$logs/suite/output" || status=$?
node scripts/sanitizer-reports.mjs "$logs/suite" "$addon" || status=1
echo "test-native-asan: $((SECONDS - started))s, exit $status"
exit $status
