import { createRequire } from 'node:module';
import { coded } from './errors.js';

/**
 * The native addon (native/segment.cc), loaded once. It only maps, unmaps and unlinks; every check
 * and every message a user reads is made in TypeScript before or after calling it. Its errors carry
 * the errno name as `code` (ENOSPC, EEXIST, ENOENT, ...).
 */
export interface NativeSegments {
  /** Create, size, reserve (posix_fallocate) and map a new segment. The name is still linked. */
  create(size: number): { name: string; buffer: ArrayBuffer };
  /** Map an existing segment by name. */
  open(name: string, size: number): ArrayBuffer;
  /** Map `length` bytes of an open file from byte `offset`; read-only maps are private copies. */
  mapFd(fd: number, offset: number, length: number, writable: boolean): ArrayBuffer;
  /** Detach the buffer and munmap now; false when it was already unmapped. */
  unmap(buffer: ArrayBuffer): boolean;
  unlink(name: string): void;
  /** Bytes free for an unprivileged user in /dev/shm. */
  shmFreeBytes(): number;
}

let loaded: NativeSegments | undefined;

/** The addon; throws a coded error naming the fix when it was never built. */
export function native(): NativeSegments {
  if (loaded) return loaded;
  // Relative to the compiled file: dist/src/native.js -> build/Release/sharedarrays.node.
  const require = createRequire(import.meta.url);
  try {
    loaded = require('../../build/Release/sharedarrays.node') as NativeSegments;
  } catch (e) {
    const err = coded(
      Error,
      'ERR_NATIVE_MISSING',
      'the sharedarrays native addon is not built (build/Release/sharedarrays.node): ' +
        'run `npm install` or `npm run build:native` in the package directory',
    );
    err.cause = e;
    throw err;
  }
  return loaded;
}
