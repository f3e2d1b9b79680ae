import { constants } from 'node:buffer';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { coded, type CodedError } from '../core/errors.js';
import { native } from '../native.js';

/**
 * One mapping of shared memory (or of a file) in this process, and its lifetime. A process maps
 * each segment once and builds every typed view from the one ArrayBuffer (V8 aborts when two
 * backing stores share an address). Several SharedArray objects (reshape siblings) may share a
 * mapping; the explicit `release` of the last one unmaps it at once, and otherwise the
 * ArrayBuffer's own native finalizer unmaps it when the last view is garbage-collected.
 */
export class Mapping {
  readonly buffer: ArrayBuffer;
  readonly writable: boolean;
  #users = 0;
  /** Called once no SharedArray object uses the mapping any more (closed or collected). */
  onUnused: (() => void) | null = null;

  constructor(buffer: ArrayBuffer, writable: boolean) {
    this.buffer = buffer;
    this.writable = writable;
  }

  acquire(): this {
    this.#users++;
    return this;
  }

  /**
   * An explicit close by one user; the last one unmaps (the buffer is detached, never dangling)
   * and gets `true`: it is then the caller's to finish the release (see SharedArray.close).
   */
  release(): boolean {
    if (--this.#users > 0) return false;
    native().unmap(this.buffer);
    return true;
  }

  /**
   * A user was garbage-collected without closing. Only count it: views of the buffer may still be
   * alive (a user may hold `S.data`), and the buffer's finalizer unmaps once they are gone.
   */
  forget(): void {
    if (--this.#users === 0) this.onUnused?.();
  }
}

/**
 * The memory of `buffer` as worker threads receive it, when `buffer` is a mapping's (S.data's
 * buffer, whatever view of it a user holds): a SharedArrayBuffer over a second mapping of the same
 * pages, one per mapping (native/segment.cc keeps it with the mapping and lets go of its pages
 * when the memory is released). Null for any other buffer, which travels as a copy.
 */
export function threadShareOf(buffer: ArrayBufferLike): SharedArrayBuffer | null {
  if (buffer instanceof SharedArrayBuffer) return null;
  switch (native().mappingKind(buffer)) {
    case 'none':
      return null;
    case 'unmapped':
      throw coded(Error, 'ERR_ARRAY_CLOSED', 'this shared memory has been released (its SharedArray was closed); it cannot be sent to a thread');
    case 'private':
      throw coded(
        TypeError,
        'ERR_UNSERIALIZABLE',
        'cannot send a read-only file mapping (mode r) to a thread: it is a private copy of the file in this process; open the file with mode r+ to share it with threads',
      );
    case 'shared':
      return native().shareMapping(buffer as ArrayBuffer);
  }
}

/**
 * The largest external ArrayBuffer this Node accepts: buffer.constants.MAX_LENGTH (4 GiB on
 * Node 20). Beyond it Node refuses the buffer after the memory is mapped, so check first.
 */
export const MAX_MAPPING_BYTES: number = constants.MAX_LENGTH;

export function checkMappable(bytes: number, what: string): void {
  if (bytes > MAX_MAPPING_BYTES) {
    throw coded(
      RangeError,
      'ERR_SHM_TOO_LARGE',
      `${what} needs ${bytes} bytes (${formatBytes(bytes)}), more than the ${MAX_MAPPING_BYTES} bytes ` +
        `(${formatBytes(MAX_MAPPING_BYTES)}) one mapping can hold on this Node.js (buffer.constants.MAX_LENGTH); ` +
        'use several smaller arrays',
    );
  }
}

/**
 * Where another process on this host can open a segment while its creator shares it, and which
 * file it must find there (device and inode): a process of another machine or PID namespace
 * could open some other process's descriptor of the same number.
 */
export interface ShareSource {
  ospid: number;
  fd: number;
  dev: number;
  ino: number;
}

/** A segment being shared, and its size: one array's memory is one segment, or several side by side. */
export interface SharedPart extends ShareSource {
  bytes: number;
}

/**
 * Create a segment of `bytes` (reserved up front, so too big a request fails here and not with a
 * later SIGBUS). Its name is unlinked the instant it exists: no crash of any process, not even
 * `kill -9` of the creator mid-way, can leave a file in /dev/shm. Other processes map it through
 * the creator's open descriptor until `stopSharing()` closes it; from then on the memory lives
 * exactly as long as its mappings.
 */
export function createSegment(bytes: number): { mapping: Mapping; source: SharedPart; stopSharing(): void } {
  checkMappable(bytes, 'a shared array');
  let created: { name: string; fd: number; buffer: ArrayBuffer };
  try {
    created = native().create(bytes);
  } catch (e) {
    throw translate(e, bytes);
  }
  return { mapping: new Mapping(created.buffer, true), ...sharing(created.fd, bytes) };
}

/**
 * Create a segment of `bytes` as one part of a larger array, reserved here (so that participants
 * reserve their parts at the same time) but not mapped: every process maps all the parts side by
 * side (openParts). Shared, and unlinked, as createSegment's.
 */
export function createPart(bytes: number): { source: SharedPart; stopSharing(): void } {
  let fd: number;
  try {
    fd = native().createPart(bytes);
  } catch (e) {
    throw translate(e, bytes);
  }
  return sharing(fd, bytes);
}

function sharing(fd: number, bytes: number): { source: SharedPart; stopSharing(): void } {
  let open = true;
  const st = fstatSync(fd);
  return {
    source: { ospid: process.pid, fd, dev: st.dev, ino: st.ino, bytes },
    stopSharing() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/**
 * Fail up front when /dev/shm cannot hold `bytes` (an array made of parts asks before any part
 * exists, so that none has to be taken back).
 */
export function checkShmSpace(bytes: number): void {
  const free = native().shmFreeBytes();
  if (free < bytes) throw translate(Object.assign(new Error('not enough space in /dev/shm'), { code: 'ENOSPC', free }), bytes);
}

/** Map a segment another process is sharing (see createSegment). */
export function openShared(source: ShareSource, bytes: number): Mapping {
  const fd = openSource(source);
  try {
    return new Mapping(native().mapFd(fd, 0, bytes, true), true);
  } finally {
    closeSync(fd);
  }
}

/** Map the parts of one array (see createPart), side by side, as one mapping. */
export function openParts(parts: readonly SharedPart[]): Mapping {
  checkMappable(parts.reduce((a, p) => a + p.bytes, 0), 'a shared array');
  const fds: number[] = [];
  try {
    for (const p of parts) fds.push(openSource(p));
    const sizes = parts.map((p) => p.bytes);
    return new Mapping(native().mapParts(fds, sizes), true);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Open a segment another process is sharing, checking that it is the file it names. */
function openSource(source: ShareSource): number {
  const path = `/proc/${source.ospid}/fd/${source.fd}`;
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw coded(Error, 'ERR_NOT_MAPPED', `cannot map the shared array from process ${source.ospid} (${path}): ${err.message}; participants must run on the creator's host as the same user`, {
      cause: e,
    });
  }
  const st = fstatSync(fd);
  if (st.dev !== source.dev || st.ino !== source.ino) {
    closeSync(fd);
    throw coded(
      Error,
      'ERR_NOT_SAME_HOST',
      `cannot map the shared array from process ${source.ospid}: ${path} is another file here; participants must run on the creator's machine`,
    );
  }
  return fd;
}

/** A reservation's ENOSPC as ERR_SHM_NOSPACE, saying what is free and what `bytes` needed; other errors unchanged. */
export function translate(e: unknown, bytes: number): unknown {
  const err = e as Partial<CodedError> & { free?: number };
  if (err.code !== 'ENOSPC') return e;
  const free = err.free ?? native().shmFreeBytes();
  const out = coded(
    Error,
    'ERR_SHM_NOSPACE',
    `not enough shared memory: /dev/shm has ${formatBytes(free)} free, ${formatBytes(bytes)} needed ` +
      '(raise it, e.g. docker --shm-size, or use SharedArray.fromFile)',
    { free, needed: bytes },
  );
  out.cause = e;
  return out;
}

/** Bytes in binary units as people say them: `60 MiB`, `1 GiB`, `1.5 KiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  while (u < units.length - 1 && n >= 1024 ** (u + 1)) u++;
  const v = n / 1024 ** u;
  const shown = Number.isInteger(v) ? String(v) : v.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[u]}`;
}
