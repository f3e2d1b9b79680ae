#!/usr/bin/env node
// Reads the report files that AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
// wrote during scripts/test-native-asan.sh (log_path: one file per process that had something to
// say), and fails (exit 1) on:
// - any AddressSanitizer error (only the addon is instrumented; the interceptors also check the
//   libc calls of every process) and any undefined behaviour;
// - any leak allocated by the addon: the first frame above the allocator that is not in libc or
//   libstdc++ is the addon's, or is Node-API's implementation (napi_*, v8impl::) called by the
//   addon, e.g. a reference it never deletes.
// Node and V8 free much of their memory only at exit or never; their leaks are ignored, also
// when the addon's call is further down the stack (V8 growing its own tables while it serves a
// call). Leak checks that LeakSanitizer itself could not complete ("fatal error": its tracer
// crashed) are counted and listed.
// The run sets symbolize=0 (symbolizing every frame makes a worker's exit outlast rmprocs'
// grace period), so frames are symbolized here with addr2line, where needed.
// Usage: sanitizer-reports.mjs <log directory> <addon .node path>
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [dir, addon] = process.argv.slice(2);
if (!dir || !addon) {
  console.error('usage: sanitizer-reports.mjs <log directory> <addon .node path>');
  process.exit(2);
}

const FRAME = /^\s*#\d+ 0x[0-9a-f]+\s+(?:in .*?)?\((\/[^()]+?)\+(0x[0-9a-f]+)\)/;
const names = new Map(); // "module+offset" -> function name (addr2line)

/** Function names of `frames` ({module, offset}), asking addr2line once per module. */
function symbolize(frames) {
  const byModule = new Map();
  for (const f of frames) {
    if (names.has(`${f.module}+${f.offset}`)) continue;
    byModule.set(f.module, [...(byModule.get(f.module) ?? []), f.offset]);
  }
  for (const [module, offsets] of byModule) {
    let out = [];
    try {
      out = execFileSync('addr2line', ['-Cfpe', module, ...offsets], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n');
    } catch {
      // No symbols to be had: the frame keeps module+offset.
    }
    for (const [i, o] of offsets.entries()) names.set(`${module}+${o}`, out[i] ?? '??');
  }
}

const framesOf = (text) =>
  text
    .split('\n')
    .map((line) => FRAME.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ module: m[1], offset: m[2] }));

/** The report with every frame of the addon and of Node named. */
function readable(text) {
  symbolize(framesOf(text).filter((f) => f.module === addon || basename(f.module) === 'node'));
  return text.replace(new RegExp(FRAME.source.slice(1), 'gm'), (all, module, offset) => {
    const name = names.get(`${module}+${offset}`);
    return name && name !== '??' ? `${all} ${name}` : all;
  });
}

const runtimeLibrary = (module) => /\/(libasan|libubsan|libstdc\+\+|libc|libgcc_s|libm)\.so/.test(module);

/** Whether the addon allocated this leaked block (see the header). */
function allocatedByAddon(frames) {
  const candidates = frames.filter((f) => !runtimeLibrary(f.module));
  if (!candidates.some((f) => f.module === addon)) return false;
  symbolize(candidates.filter((f) => basename(f.module) === 'node'));
  for (const f of candidates) {
    if (f.module === addon) return true;
    const name = names.get(`${f.module}+${f.offset}`) ?? '';
    if (!/^napi_|v8impl::/.test(name)) return false;
  }
  return false;
}

const findings = [];
const lsanFailures = [];
let ignoredLeaks = 0;
let leakReports = 0;
let loadedAddon = 0;
const files = readdirSync(dir).sort();
for (const name of files) {
  const text = readFileSync(join(dir, name), 'utf8');
  if (/ERROR: AddressSanitizer|runtime error:|ERROR: UndefinedBehaviorSanitizer/.test(text)) {
    findings.push(`${name}:\n${readable(text)}`);
    continue;
  }
  if (/LeakSanitizer has encountered a fatal error/.test(text)) lsanFailures.push(`${name}: ${text.split('\n')[0]}`);
  if (/ERROR: LeakSanitizer: detected memory leaks/.test(text)) leakReports++;
  if (text.includes(`(${addon}+`)) loadedAddon++;
  // Records: "Direct|Indirect leak of N byte(s) in M object(s) allocated from:" and their frames.
  for (const record of text.split(/\n(?=(?:Direct|Indirect) leak of )/).filter((r) => /^(Direct|Indirect) leak of /.test(r))) {
    const body = record.split('\n\n')[0];
    if (allocatedByAddon(framesOf(body))) findings.push(`${name}:\n${readable(body)}`);
    else ignoredLeaks++;
  }
}

for (const f of findings) console.error(`\n${f}`);
if (lsanFailures.length > 0) {
  console.log(`sanitizer-reports: LeakSanitizer could not complete its check in ${lsanFailures.length} processes:`);
  for (const f of lsanFailures) console.log(`  ${f}`);
}
console.log(
  `sanitizer-reports: ${findings.length} findings in the addon; ${leakReports} processes reported leaks ` +
    `(${loadedAddon} of them with the addon in a stack), ${ignoredLeaks} records allocated by Node/V8 (ignored)`,
);
process.exitCode = findings.length === 0 ? 0 : 1;
