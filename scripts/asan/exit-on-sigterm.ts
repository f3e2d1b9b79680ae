// Loaded into each test process of the sanitizer run (scripts/asan/vitest.config.ts): vitest
// stops its test processes with SIGTERM; exiting instead of dying by the signal lets
// LeakSanitizer check the process at exit.
process.once('SIGTERM', () => process.exit(0));
