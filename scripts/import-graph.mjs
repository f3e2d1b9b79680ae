#!/usr/bin/env node
// The import graph of the compiled package (dist/src): what depends on what, by layer, and whether
// it has cycles. Type-only imports are erased by the compiler, so this is the graph that runs.
//   node scripts/import-graph.mjs           cycles between files and between folders; exit 1 if any
//   node scripts/import-graph.mjs --layers  also print which folder imports which
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv.find((a) => a.endsWith('dist/src')) ?? 'dist/src');
const files = [];
(function walk(dir) {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (e.endsWith('.js')) files.push(p);
  }
})(root);

/** A file's unit: its first-level folder under src/, or the file itself at the top. */
const folderOf = (f) => {
  const rel = path.relative(root, f).split(path.sep);
  return rel.length > 1 ? rel[0] : rel[0].replace(/\.js$/, '');
};

const imports = new Map();
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  const deps = new Set();
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    deps.add(path.resolve(path.dirname(f), m[1] ?? m[2] ?? m[3]));
  }
  imports.set(f, [...deps].filter((d) => imports.has(d) || files.includes(d)));
}

/** Strongly connected components with more than one member (or a self-loop): the cycles. */
function cycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const strong = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do { w = stack.pop(); on.delete(w); c.push(w); } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(c);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

const folders = new Map();
for (const [f, deps] of imports) {
  const a = folderOf(f);
  if (!folders.has(a)) folders.set(a, new Set());
  for (const d of deps) if (folderOf(d) !== a) folders.get(a).add(folderOf(d));
}
const folderGraph = new Map([...folders].map(([k, v]) => [k, [...v]]));

if (process.argv.includes('--layers')) {
  for (const [a, deps] of [...folderGraph].sort()) console.log(`${a.padEnd(10)} -> ${deps.sort().join(', ') || '(nothing)'}`);
}
const fileCycles = cycles(imports);
const folderCycles = cycles(folderGraph);
for (const c of fileCycles) console.log(`file cycle: ${c.map((f) => path.relative(root, f)).join(' <-> ')}`);
for (const c of folderCycles) console.log(`folder cycle: ${c.join(' <-> ')}`);
console.log(`${files.length} files, ${fileCycles.length} file cycles, ${folderCycles.length} folder cycles`);
process.exit(fileCycles.length + folderCycles.length > 0 ? 1 : 0);
