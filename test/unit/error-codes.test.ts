// Every error code the package raises is declared in ErrorCode and documented in docs/errors.md,
// and the document lists no code that does not exist.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((e) => {
    const p = join(dir, e);
    return statSync(join(root, p)).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const declared = new Set([...read('src/core/errors.ts').matchAll(/\|\s*'(ERR_[A-Z_]+)'/g)].map((m) => m[1]!));
const used = new Set(sources('src').flatMap((f) => [...read(f).matchAll(/'(ERR_[A-Z_]+)'/g)].map((m) => m[1]!)));
const documented = new Set([...read('docs/errors.md').matchAll(/^\| `(ERR_[A-Z_]+)`/gm)].map((m) => m[1]!));

describe('error codes', () => {
  it('every code used in src/ is declared in ErrorCode', () => {
    expect([...used].filter((c) => !declared.has(c))).toEqual([]);
  });
  it('every declared code is documented with its meaning and fix', () => {
    expect([...declared].filter((c) => !documented.has(c))).toEqual([]);
  });
  it('the document lists only codes that exist', () => {
    expect([...documented].filter((c) => !declared.has(c))).toEqual([]);
  });
});
