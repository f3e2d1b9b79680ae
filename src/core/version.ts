import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * This package's version, as its package.json says: processes of one cluster must run the same
 * version, and the connection handshake checks it (a worker on another machine may have another
 * install). Read once, on first use.
 */
export function packageVersion(): string {
  return (version ??= readVersion());
}
let version: string | undefined;

function readVersion(): string {
  // Found by walking up from this file: it runs from dist/src/core/ or, in unit tests, src/core/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sharedarrays' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here: keep walking up.
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
