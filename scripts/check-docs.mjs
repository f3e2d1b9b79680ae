#!/usr/bin/env node
// The API reference's gate, run in CI:
// 1. TypeDoc (typedoc.json) over the package's entry point with its validation on and warnings
//    as errors: every export and every public member has a doc comment, every type a signature
//    names is itself exported, and every {@link} resolves. Nothing is written (--emit none);
//    `npm run docs` writes docs/reference/.
// 2. No file the package is built or shipped from points readers at `API.md`: the package has
//    no such file (the reference is generated from the doc comments).
// Exits 1 listing every finding.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = resolve(fileURLToPath(import.meta.url), '../..');
let failed = false;

const typedoc = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--treatWarningsAsErrors'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
});
const findings = `${typedoc.stdout}${typedoc.stderr}`
  .split('\n')
  .filter((l) => /\[(warning|error)\]/.test(l) && !/Found \d+ errors/.test(l));
if (typedoc.status !== 0) {
  failed = true;
  console.error(`check-docs: TypeDoc validation failed (${findings.length} findings):`);
  for (const l of findings) console.error(`  ${stripVTControlCharacters(l)}`);
  if (findings.length === 0) console.error(typedoc.stdout, typedoc.stderr);
}

// The sources of what the package ships (dist/ is compiled from src/, bench/ and examples/).
const shippedSources = ['src', 'bench', 'examples', 'native', 'docs', 'README.md'];
const skip = new Set([join(root, 'docs/reference'), join(root, 'bench/results')]);
function* files(path) {
  if (skip.has(path)) return;
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    yield path;
    return;
  }
  for (const e of entries) yield* files(join(path, e.name));
}
const mentions = [];
for (const top of shippedSources) {
  for (const file of files(join(root, top))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.includes('API.md')) mentions.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
  }
}
if (mentions.length > 0) {
  failed = true;
  console.error(`check-docs: ${mentions.length} mentions of API.md, a file the package does not have:`);
  for (const m of mentions) console.error(`  ${m}`);
}

console.log(`check-docs: ${failed ? 'FAILED' : 'every export documented, no API.md mentions'}`);
process.exitCode = failed ? 1 : 0;
