import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { coded } from '../core/errors.js';
import { native } from '../native.js';
import { Mapping, checkMappable } from './segment.js';

/**
 * How a file-backed array opens its file (Julia's modes): `r` read-only (the file must be long
 * enough; writes throw `ERR_READ_ONLY`), `r+` read-write, `w+` read-write and truncated first,
 * `a+` read-write and created when missing. The writable modes extend a short file.
 */
export type FileMode = 'r' | 'r+' | 'w+' | 'a+';

/** Where the array lies in its file, and how the file is opened ({@link SharedArray.fromFile}). */
export interface FileOptions {
  /** The byte offset of the first element in the file (default 0). */
  offset?: number;
  /** How to open the file (default `r+` when it exists, else `w+`). */
  mode?: FileMode;
}

const openFlags: Record<FileMode, string | number> = {
  r: 'r',
  'r+': 'r+',
  'w+': 'w+',
  // Read-write and created when missing; not O_APPEND, which would mean nothing to a mapping.
  'a+': constants.O_RDWR | constants.O_CREAT,
};

export interface FileRequest {
  path: string;
  mode: FileMode;
  offset: number;
}

/** Validate path, offset and mode (default `r+` when the file exists, else `w+`). */
export function fileRequest(path: unknown, opts: FileOptions, hasInit: boolean): FileRequest {
  if (typeof path !== 'string' || !isAbsolute(path)) {
    throw coded(
      TypeError,
      'ERR_INVALID_ARG',
      `${JSON.stringify(path) ?? String(path)} is not an absolute path; try path.resolve(${JSON.stringify(path) ?? ''})`,
    );
  }
  const offset = opts.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `offset must be a non-negative integer, got ${String(offset)}`);
  }
  const mode = opts.mode ?? (existsSync(path) ? 'r+' : 'w+');
  if (!Object.hasOwn(openFlags, mode)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `mode must be one of r, r+, w+, a+; got ${JSON.stringify(mode)}`);
  }
  if (hasInit && mode === 'r') {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'cannot initialize an unwritable array (mode = r); open it with r+');
  }
  return { path, mode, offset };
}

/**
 * Open the file, size it to hold `bytes` after the offset (never for `r`, which must already be
 * long enough), and map that byte range. Null for zero bytes: nothing to map, though the file is
 * still created or sized as its mode says.
 */
export function mapFile(req: FileRequest, bytes: number): Mapping | null {
  checkMappable(bytes, 'a file-backed array');
  const { path, mode, offset } = req;
  const fd = fsCall(() => openSync(path, openFlags[mode], 0o644), `open ${path} (mode ${mode})`);
  try {
    const needed = offset + bytes;
    const size = fsCall(() => fstatSync(fd).size, `stat ${path}`);
    if (size < needed) {
      if (mode === 'r') {
        throw coded(
          RangeError,
          'ERR_FILE',
          `${path} has ${size} bytes, but the array needs ${needed} (offset ${offset} + ${bytes}); ` +
            'open it with r+ or a+ to extend it',
        );
      }
      fsCall(() => ftruncateSync(fd, needed), `extend ${path} to ${needed} bytes`);
    }
    if (bytes === 0) return null;
    return new Mapping(native().mapFd(fd, offset, bytes, mode !== 'r'), mode !== 'r');
  } finally {
    // The mapping keeps the file's pages; the descriptor is not needed once mmap returned.
    closeSync(fd);
  }
}

// Node's fs errors already say what went wrong; add what we were doing, and keep the errno name as
// the code (ENOENT, EACCES, ...) as the native layer does.
function fsCall<T>(f: () => T, doing: string): T {
  try {
    return f();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code !== 'string') throw e;
    const out = coded(Error, 'ERR_FILE', `cannot ${doing} for a SharedArray: ${err.message}`, { code: err.code });
    out.cause = e;
    throw out;
  }
}
