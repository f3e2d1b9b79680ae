#!/usr/bin/env bash
# What a new user meets, checked in CI: `npm pack` the package (prepack builds the linux-x64
# prebuild and the API reference), look at the tarball's contents (and that every relative import
# of its JavaScript has its file in it), install it into a fresh
# project with no compiler, make or Python on PATH (so only the prebuilt addon can work), then
# from that project: require() from CommonJS, import from ESM, typecheck a small program under
# --strict with moduleResolution node10, nodenext and bundler, and run a 2-worker program (addprocs,
# a SharedArray written by both workers, distributed, rmprocs) whose workers must have mapped the
# prebuilt addon, one of the shipped examples (dist/examples/), and the `sharedarrays` command.
# Then the source fallback: the same tarball installed with --build-from-source
# compiles from its shipped native/ and binding.gyp. Checks that nothing is left running and
# nothing is left in /dev/shm.
# Needs the repository installed (`npm ci`): TypeScript and @types/node come from its node_modules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/sharedarrays-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "check-package: FAIL: $*" >&2; exit 1; }
step() { echo "check-package: [$((SECONDS - started))s] $*"; }

shm_before=$(ls /dev/shm | sort)

step "npm pack"
(cd "$root" && npm pack --pack-destination "$work" --loglevel=warn >"$work/pack.log" 2>&1) || { cat "$work/pack.log"; fail "npm pack"; }
tarball=$(ls "$work"/sharedarrays-*.tgz)
tar tzf "$tarball" | sed 's|^package/||' | sort >"$work/contents"
for f in package.json README.md LICENSE binding.gyp native/addon.cc native/parts.h \
  prebuilds/linux-x64/sharedarrays.glibc.node dist/src/index.js dist/src/index.d.ts \
  dist/src/worker.js dist/examples/10-shared-arrays-init.js examples/README.md \
  examples/JULIA-MAPPING.md docs/reference/index.html; do
  grep -qxF "$f" "$work/contents" || fail "the tarball lacks $f"
done
if grep -E '^(build|test|src|scripts|node_modules)/' "$work/contents"; then fail "the tarball ships files it should not (above)"; fi
step "tarball: $(wc -l <"$work/contents") files, $(du -k "$tarball" | cut -f1) KiB"

# A PATH with node and npm only; compilers, make and Python are stand-ins that record their use.
bin="$work/bin"
mkdir -p "$bin"
for tool in node npm npx sh; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
for tool in cc c++ gcc g++ clang clang++ make python python3; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 127\n' "$tool" "$work/compiler-used" >"$bin/$tool"
  chmod +x "$bin/$tool"
done
# npm 11 skips dependencies' install scripts unless the project allows them (allowScripts, keyed
# by the spec: a tarball's is file:<path>); the projects here allow ours, so that the install
# script runs as under npm 10 and must find the prebuild by itself.
project="{ \"name\": \"app\", \"private\": true, \"allowScripts\": { \"file:$tarball\": true } }"
install=(npm install --no-audit --no-fund --prefer-offline "$tarball")
app="$work/app"
mkdir -p "$app"
echo "$project" >"$app/package.json"

step "npm install the tarball (no compiler on PATH)"
(cd "$app" && env -u npm_config_nodedir PATH="$bin" "${install[@]}" >"$work/install.log" 2>&1) ||
  { cat "$work/install.log"; fail "npm install of the tarball"; }
[ -e "$work/compiler-used" ] && { cat "$work/compiler-used"; fail "install ran a compiler or build tool: the prebuild was not used"; }
pkg="$app/node_modules/sharedarrays"
[ -e "$pkg/build" ] && fail "install built the addon from source ($pkg/build exists)"
echo "check-package: what npm install printed ($(wc -l <"$work/install.log") lines):"
sed 's/^/    | /' "$work/install.log"

run() { (cd "$app" && PATH="$bin" "$@"); }

step "every relative import in the installed package's JavaScript resolves inside it"
cat >"$work/imports.mjs" <<'EOF'
// Relative specifiers in import/export statements, import(), and new URL(...) (import.meta.url's).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
const pkg = process.argv[2];
const missing = [];
for (const e of readdirSync(join(pkg, 'dist'), { withFileTypes: true, recursive: true })) {
  if (!e.isFile() || !e.name.endsWith('.js')) continue;
  const file = join(e.parentPath, e.name);
  // Without comments, which may quote import lines (block comments, and lines that are comments).
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g)) {
    const target = resolve(dirname(file), m[2]);
    if (!existsSync(target)) missing.push(`${file.slice(pkg.length + 1)} -> ${m[2]}`);
  }
}
if (missing.length > 0) {
  console.error(`relative imports with no file in the package (add them to package.json "files"):\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
EOF
node "$work/imports.mjs" "$pkg" || fail "the package misses files its own code imports"

step "require() from CommonJS"
cat >"$app/use.cjs" <<'EOF'
const sa = require('sharedarrays');
const { addprocs, SharedArray, distributed, range } = sa;
for (const f of [addprocs, SharedArray.create, distributed, range]) if (typeof f !== 'function') throw new Error('missing export');
const resolved = require('node-gyp-build').path(require('node:path').dirname(require.resolve('sharedarrays/package.json')));
if (!resolved.includes('/prebuilds/linux-x64/')) throw new Error(`the addon resolves to ${resolved}, not the prebuild`);
console.log(`cjs ok: ${Object.keys(sa).length} exports; addon ${resolved.slice(resolved.indexOf('prebuilds/'))}`);
EOF
run node use.cjs 2>"$work/cjs.err" || { cat "$work/cjs.err"; fail "require('sharedarrays')"; }
[ -s "$work/cjs.err" ] && { cat "$work/cjs.err"; fail "require('sharedarrays') printed to stderr"; }

step "import from ESM, a 2-worker program"
cat >"$app/smoke.mjs" <<'EOF'
import { readFileSync } from 'node:fs';
import { addprocs, capture, distributed, localindices, myid, range, remotecallFetch, rmprocs, SharedArray, threadcall, workers } from 'sharedarrays';

const pids = await addprocs(2);
const S = await SharedArray.create('int32', [4, 2], {
  init: (S) => { for (const i of localindices(S)) S.data[i] = myid(); },
});
const owners = [...S.data];
if (owners.join() !== '2,2,2,2,3,3,3,3') throw new Error(`init by both workers: ${owners}`);
await distributed(range(0, 8), capture({ S }, (i) => { S.data[i] *= 10; }));
if ([...S.data].join() !== '20,20,20,20,30,30,30,30') throw new Error(`distributed write: ${[...S.data]}`);
const total = await distributed(range(0, 1000), (i) => (i % 2 === 0 ? 1 : 0), (a, b) => a + b);
if (total !== 500) throw new Error(`reduction: ${total}`);
for (const p of pids) {
  const ospid = await remotecallFetch(() => process.pid, p);
  const maps = readFileSync(`/proc/${ospid}/maps`, 'utf8');
  if (!maps.includes('/node_modules/sharedarrays/prebuilds/linux-x64/sharedarrays.glibc.node')) throw new Error(`worker ${p} did not map the prebuilt addon`);
}
await S.close();
await rmprocs(workers());
// threadcall's foreign-function library (koffi) works though npm skipped its install script.
if ((await threadcall('libc.so.6', 'abs', 'int', ['int'], -7)) !== 7) throw new Error('threadcall abs(-7)');
console.log(`esm ok: workers ${pids.join(', ')} wrote the SharedArray, mapped the prebuild, and were removed; threadcall works`);
EOF
run node smoke.mjs 2>"$work/esm.err" || { cat "$work/esm.err"; fail "the 2-worker program"; }
[ -s "$work/esm.err" ] && { cat "$work/esm.err"; fail "the 2-worker program printed to stderr"; }

step "an example shipped in the package runs from it"
run node node_modules/sharedarrays/dist/examples/10-shared-arrays-init.js >"$work/example.out" 2>&1 ||
  { cat "$work/example.out"; fail "dist/examples/10-shared-arrays-init.js"; }
grep -q 'SharedArray{int32,2}' "$work/example.out" || { cat "$work/example.out"; fail "the example printed no SharedArray"; }
left=$(pgrep -f "$app/node_modules/sharedarrays" || true)
[ -n "$left" ] && fail "processes left running: $left"

step "the sharedarrays command (package.json bin), -p 2"
cat >"$app/script.mjs" <<'EOF'
import { rmprocs, workers } from 'sharedarrays';
console.log(`workers ${workers().join(',')}`);
await rmprocs(workers());
EOF
run npx --no-install sharedarrays -p 2 script.mjs >"$work/bin.out" 2>&1 || { cat "$work/bin.out"; fail "npx sharedarrays -p 2 script.mjs"; }
grep -qx 'workers 2,3' "$work/bin.out" || { cat "$work/bin.out"; fail "the sharedarrays command did not start 2 workers"; }

step "TypeScript, --strict, moduleResolution node10, nodenext and bundler"
tsc="$root/node_modules/typescript/bin/tsc"
types="$root/node_modules/@types"
program='
const pids: number[] = await addprocs(2);
const S = await SharedArray.create("float64", [3, 4], {
  init: (S) => { for (const i of localindices(S)) S.data[i] = myid(); },
});
const x: Float64Array = S.data;
const heads = await distributed(range(0, 100), () => (Math.random() < 0.5 ? 1 : 0), (a, b) => a + b);
await distributed(range(0, 12), capture({ S }, (i) => { S.data[i] *= 10; }));
const squares: number[] = await pmap((v: number) => v * v, [1, 2, 3]);
const f = remotecall((a: number, b: number) => a + b, pids[0]!, 1, 2);
const sum: number = await fetch(f);
const c = await RemoteChannel.create(() => new Channel<string>(4), pids[0]);
await c.put("hi");
console.log(x.length, heads.toFixed(0), squares, sum, await c.take());
await S.close();
await rmprocs(workers());'
imports='import { addprocs, capture, Channel, distributed, fetch, localindices, myid, pmap, range, remotecall, RemoteChannel, rmprocs, SharedArray, workers } from "sharedarrays";'
mkdir -p "$app/ts-node10" "$app/ts-nodenext"
printf '%s\nasync function main(): Promise<void> {%s\n}\nvoid main();\n' "$imports" "$program" >"$app/ts-node10/main.ts"
cat >"$app/ts-node10/tsconfig.json" <<EOF
{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "commonjs",
  "moduleResolution": "node10", "types": ["node"], "typeRoots": ["$types"] }, "files": ["main.ts"] }
EOF
printf '%s\n%s\n' "$imports" "$program" >"$app/ts-nodenext/main.ts"
echo '{ "type": "module" }' >"$app/ts-nodenext/package.json"
cat >"$app/ts-nodenext/tsconfig.json" <<EOF
{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "nodenext",
  "moduleResolution": "nodenext", "types": ["node"], "typeRoots": ["$types"] }, "files": ["main.ts"] }
EOF
mkdir -p "$app/ts-bundler"
cp "$app/ts-nodenext/main.ts" "$app/ts-nodenext/package.json" "$app/ts-bundler/"
cat >"$app/ts-bundler/tsconfig.json" <<EOF
{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "esnext",
  "moduleResolution": "bundler", "types": ["node"], "typeRoots": ["$types"] }, "files": ["main.ts"] }
EOF
for dir in ts-node10 ts-nodenext ts-bundler; do
  run node "$tsc" -p "$dir/tsconfig.json" || fail "the $dir program does not typecheck"
done

step "the source build from the tarball (npm install --build-from-source, compiler on PATH)"
src_app="$work/src-app"
mkdir -p "$src_app"
echo "$project" >"$src_app/package.json"
(cd "$src_app" && "${install[@]}" --build-from-source >"$work/src-install.log" 2>&1) ||
  { cat "$work/src-install.log"; fail "npm install --build-from-source"; }
cat >"$src_app/use.mjs" <<'EOF'
import { createRequire } from 'node:module';
import { SharedArray } from 'sharedarrays';
const require = createRequire(import.meta.url);
const resolved = require('node-gyp-build').path('node_modules/sharedarrays');
if (!resolved.endsWith('node_modules/sharedarrays/build/Release/sharedarrays.node')) throw new Error(`the addon resolves to ${resolved}`);
const S = await SharedArray.create('float64', [4], { init: (S) => S.data.fill(1.5) });
if (S.data.reduce((a, b) => a + b) !== 6) throw new Error('the source-built addon does not map memory');
await S.close();
console.log('source build ok: build/Release/sharedarrays.node');
EOF
(cd "$src_app" && node use.mjs) || fail "the source-built package"

shm_after=$(ls /dev/shm | sort)
[ "$shm_before" = "$shm_after" ] || fail "/dev/shm changed: $(comm -13 <(echo "$shm_before") <(echo "$shm_after"))"
step "ok in $((SECONDS - started))s"
