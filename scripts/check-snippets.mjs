#!/usr/bin/env node
// Type-check what a user copies: every ```ts block of README.md and every program in examples/,
// compiled with `--strict` against the package's published types (the package.json "exports" of
// this repository, i.e. dist/src/index.d.ts; run `npm run build:ts` first), as a separate
// project that reaches the package through node_modules/sharedarrays the way an installed copy
// does. Prints each error at its README line or example file and exits 1 on any error.
//
// README blocks:
// - each block is its own ES module (top-level await is allowed);
// - a block with no `import` statement gets every export of the package in scope (the README's
//   later blocks continue the first one and do not repeat its import);
// - a block that is deliberately not standalone (it uses a name the README defines in prose)
//   is preceded by the marker, alone on a line before the fence (blank lines may separate them):
//       <!-- typecheck-prelude: declare function rand2(...dims: number[]): number[][]; -->
//   The marker's text is TypeScript put before the block; GitHub does not render the comment.
// Examples: each examples/**/*.ts is copied with its imports of this repository's sources
// rewritten: `../src/index.js` becomes 'sharedarrays', other files outside examples/ their
// compiled declarations in dist/. The examples' own tsconfig build checks them against src/ too.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const PRELUDE = /^<!--\s*typecheck-prelude:([\s\S]*?)-->\s*$/;

/** The ```ts blocks of a markdown file: code, the 1-based line of its first code line, prelude. */
function tsBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  let prelude = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const marker = PRELUDE.exec(line);
    if (marker) {
      prelude = marker[1].trim();
      continue;
    }
    const fence = /^(```+)\s*(\S*)/.exec(line);
    if (!fence) {
      if (line !== '') prelude = '';
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence[1]) && l.trim().replace(/`/g, '') === '');
    if (end === -1) throw new Error(`README.md:${i + 1}: unclosed code fence`);
    if (fence[2] === 'ts' || fence[2] === 'typescript') {
      blocks.push({ code: lines.slice(i + 1, end).join('\n'), line: i + 2, prelude });
    }
    prelude = '';
    i = end;
  }
  return blocks;
}

/** Every export name of the package's entry declarations, values and types. */
function packageExports(entry) {
  const program = ts.createProgram([entry], { strict: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(entry));
  return checker.getExportsOfModule(symbol).map((s) => s.name).sort();
}

function listTs(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

const entry = join(root, 'dist/src/index.d.ts');
try {
  readFileSync(entry);
} catch {
  console.error('check-snippets: dist/src/index.d.ts is missing: run `npm run build:ts` first');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'sharedarrays-snippets-'));
try {
  writeFileSync(join(work, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(root, join(work, 'node_modules/sharedarrays'), 'dir');

  // Where each compiled file came from, to report errors at the source line.
  const origin = new Map(); // file -> { source, lineOffset }
  const exportsList = packageExports(entry);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = tsBlocks(readme);
  mkdirSync(join(work, 'readme'));
  for (const b of blocks) {
    const head = [];
    if (b.prelude) head.push(b.prelude);
    if (!/^\s*import\s/m.test(b.code)) head.push(`import { ${exportsList.join(', ')} } from 'sharedarrays';`);
    head.push('export {};');
    const file = join(work, 'readme', `line-${b.line}.ts`);
    writeFileSync(file, `${head.join('\n')}\n${b.code}\n`);
    origin.set(file, { source: 'README.md', lineOffset: b.line - 1 - head.length });
  }

  const examplesDir = join(root, 'examples');
  const examples = listTs(examplesDir);
  for (const src of examples) {
    const rel = relative(examplesDir, src);
    const dest = join(work, 'examples', rel);
    mkdirSync(dirname(dest), { recursive: true });
    const text = readFileSync(src, 'utf8').replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\2/g, (all, lead, q, spec) => {
      const target = resolve(dirname(src), spec);
      if (!relative(examplesDir, target).startsWith('..')) return all;
      if (target === join(root, 'src/index.js')) return `${lead}${q}sharedarrays${q}`;
      return `${lead}${q}${join(root, 'dist', relative(root, target))}${q}`;
    });
    writeFileSync(dest, text);
    origin.set(dest, { source: join('examples', rel), lineOffset: 0 });
  }
  cpSync(join(examplesDir, 'README.md'), join(work, 'examples/README.md'));

  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    skipLibCheck: false,
  };
  const program = ts.createProgram([...origin.keys()], options);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) {
      console.error(`error TS${d.code}: ${message}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const o = origin.get(resolve(d.file.fileName));
    const where = o ? `${o.source}:${line + 1 + o.lineOffset}` : `${d.file.fileName}:${line + 1}`;
    console.error(`${where}: error TS${d.code}: ${message}`);
  }
  console.log(`check-snippets: ${blocks.length} README blocks, ${examples.length} example files, ${diagnostics.length} errors`);
  process.exitCode = diagnostics.length === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
