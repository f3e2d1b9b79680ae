import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, statfsSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { coded } from '../core/errors.js';
import { native } from '../native.js';
import { Mapping, checkMappable, formatBytes } from './segment.js';

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
 * long enough), reserve the array's bytes on the filesystem (writable modes), and map that range.
 * Null for zero bytes: nothing to map, though the file is still created or sized as its mode says.
 * When the filesystem cannot hold the array, throws ENOSPC and leaves the file as it was (a file
 * this call created is removed).
 */
export function mapFile(req: FileRequest, bytes: number): Mapping | null {
  checkMappable(bytes, 'a file-backed array');
  const { path, mode, offset } = req;
  const existed = mode === 'r' || mode === 'r+' || existsSync(path);
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
    if (mode !== 'r') reserve(fd, req, bytes, () => undo(fd, path, size, existed));
    return new Mapping(native().mapFd(fd, offset, bytes, mode !== 'r'), mode !== 'r');
  } finally {
    // The mapping keeps the file's pages; the descriptor is not needed once mmap returned.
    closeSync(fd);
  }
}

/**
 * Have the filesystem allocate the array's bytes now. ftruncate only makes a sparse file: on a full
 * filesystem the first write through the mapping would kill the process with SIGBUS.
 */
function reserve(fd: number, req: FileRequest, bytes: number, undoOnFailure: () => void): void {
  try {
    native().reserveFile(fd, req.offset, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Not a file that can be reserved (a device, a filesystem without allocation): map as before.
    if (code === 'ENODEV' || code === 'ESPIPE' || code === 'EOPNOTSUPP') return;
    undoOnFailure();
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw fsError(e, `reserve ${formatBytes(bytes)} in ${req.path}`);
    let free: number | undefined;
    try {
      const s = statfsSync(dirname(req.path));
      free = s.bavail * s.bsize;
    } catch {
      // Gone meanwhile: say what was needed only.
    }
    const room = free === undefined ? '' : `, its filesystem has ${formatBytes(free)} free`;
    const limit = code === 'EDQUOT' ? 'your disk quota' : 'the filesystem';
    throw coded(
      Error,
      'ERR_FILE',
      `not enough space for ${req.path}: the array needs ${formatBytes(bytes)} at byte ${req.offset}${room}; ` +
        `free some space or put the file where ${limit} has room`,
      { code, needed: bytes, free, cause: e },
    );
  }
}

/** A failed open leaves the file as it found it: its old size, or no file if this open made it. */
function undo(fd: number, path: string, size: number, existed: boolean): void {
  try {
    if (existed) ftruncateSync(fd, size);
    else unlinkSync(path);
  } catch {
    // Best effort: the error about the space is the one to report.
  }
}

// Node's fs errors already say what went wrong; add what we were doing, and keep the errno name as
// the code (ENOENT, EACCES, ...) as the native layer does.
function fsCall<T>(f: () => T, doing: string): T {
  try {
    return f();
  } catch (e) {
    throw fsError(e, doing);
  }
}

function fsError(e: unknown, doing: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err.code !== 'string') return e;
  const out = coded(Error, 'ERR_FILE', `cannot ${doing} for a SharedArray: ${err.message}`, { code: err.code });
  out.cause = e;
  return out;
}
