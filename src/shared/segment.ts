import { constants } from 'node:buffer';
import { coded, type CodedError } from '../errors.js';
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
  /** The segment's name while it may still be linked; undefined for file mappings. */
  readonly segname: string | undefined;
  readonly writable: boolean;
  #users = 0;

  constructor(buffer: ArrayBuffer, segname: string | undefined, writable: boolean) {
    this.buffer = buffer;
    this.segname = segname;
    this.writable = writable;
  }

  acquire(): this {
    this.#users++;
    return this;
  }

  /** An explicit close by one user; the last one unmaps (the buffer is detached, never dangling). */
  release(): void {
    if (--this.#users === 0) native().unmap(this.buffer);
  }

  /**
   * A user was garbage-collected without closing. Only count it: views of the buffer may still be
   * alive (a user may hold `S.data`), and the buffer's finalizer unmaps once they are gone.
   */
  forget(): void {
    this.#users--;
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
 * Create a segment of `bytes` (reserved up front, so too big a request fails here and not with a
 * later SIGBUS), run `whileLinked(name)` while other processes can still open it by name, then
 * unlink it whatever happens: from then on the memory lives exactly as long as its mappings.
 */
export async function createSegment(bytes: number, whileLinked?: (name: string) => Promise<void>): Promise<Mapping> {
  checkMappable(bytes, 'a shared array');
  let created: { name: string; buffer: ArrayBuffer };
  try {
    created = native().create(bytes);
  } catch (e) {
    throw translate(e, bytes);
  }
  const mapping = new Mapping(created.buffer, created.name, true);
  try {
    await whileLinked?.(created.name);
  } catch (e) {
    native().unmap(created.buffer);
    throw e;
  } finally {
    native().unlink(created.name);
  }
  return mapping;
}

function translate(e: unknown, bytes: number): unknown {
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
