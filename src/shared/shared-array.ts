import { coded } from '../errors.js';
import { myid } from '../cluster/identity.js';
import { checkElement, dtypeInfo, type DType, type Element, type TypedArrayOf } from './dtype.js';
import { formatDims, lengthOf, linearIndex, normalizeDims } from './layout.js';
import { createSegment, type Mapping } from './segment.js';
import { fileRequest, mapFile, type FileOptions } from './file.js';
import { showArray, summary } from './inspect.js';

// Generic so that `init` sees the array's own dtype; `SharedArrayOptions` alone is the contract's form.
export interface SharedArrayOptions<D extends DType = any> {
  /** Runs on every participant once the memory exists; `create` waits for it and rejects with its error. */
  init?: (S: SharedArray<D>) => unknown;
  /** The participating processes (default: this one). */
  pids?: number[];
}

// A SharedArray dropped without close() still counts as a user of its mapping; this tells the
// mapping so that closing the remaining reshape siblings can unmap it.
const lost = new FinalizationRegistry<Mapping>((mapping) => mapping.forget());

/**
 * An N-d array in shared memory (or a mapped file), column-major, 0-based. `data` is the zero-copy
 * typed view; `get`/`set` are the bounds-checked accessors.
 */
export class SharedArray<D extends DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly length: number;
  readonly pids: readonly number[];
  #view: TypedArrayOf<D> | null;
  readonly #mapping: Mapping | null;

  private constructor(dtype: D, dims: readonly number[], pids: readonly number[], mapping: Mapping | null) {
    this.dtype = dtype;
    this.dims = dims;
    this.length = lengthOf(dims);
    this.pids = pids;
    this.#mapping = mapping?.acquire() ?? null;
    const buffer = mapping?.buffer ?? new ArrayBuffer(0);
    this.#view = dtypeInfo(dtype).view(buffer, 0, this.length) as TypedArrayOf<D>;
    if (mapping) lost.register(this, mapping, this);
  }

  /** A new array in POSIX shared memory; zero-length arrays use none. */
  static async create<D extends DType>(dtype: D, dims: number | number[], opts: SharedArrayOptions<D> = {}): Promise<SharedArray<D>> {
    const info = dtypeInfo(dtype);
    const shape = normalizeDims(dims);
    const pids = participants(opts.pids);
    const init = initOption<D>(opts.init);
    const length = lengthOf(shape);
    const mapping = length === 0 ? null : await createSegment(length * info.bytes);
    return initialized(new SharedArray(dtype, shape, pids, mapping), init);
  }

  /** An array over bytes [offset, offset + size) of a file; writes reach the file (except mode `r`). */
  static async fromFile<D extends DType>(
    path: string,
    dtype: D,
    dims: number | number[],
    opts: SharedArrayOptions<D> & FileOptions = {},
  ): Promise<SharedArray<D>> {
    const info = dtypeInfo(dtype);
    const shape = normalizeDims(dims);
    const pids = participants(opts.pids);
    const init = initOption<D>(opts.init);
    const req = fileRequest(path, opts, init !== undefined);
    const mapping = mapFile(req, lengthOf(shape) * info.bytes);
    return initialized(new SharedArray(dtype, shape, pids, mapping), init);
  }

  /** The whole array as a typed array over the shared memory (no copy). */
  get data(): TypedArrayOf<D> {
    return this.#live();
  }

  /** Column-major linear index of `idx` (one index: already linear), bounds-checked. */
  index(...idx: number[]): number {
    this.#live();
    return linearIndex(this.dims, this.length, idx);
  }

  get(...idx: number[]): Element<D> {
    const view = this.#live();
    return view[linearIndex(this.dims, this.length, idx)] as Element<D>;
  }

  /** `S.set(i, j, value)`: the indices, then the value. */
  set(...idxThenValue: [...number[], Element<D>]): void {
    const view = this.#live();
    if (idxThenValue.length < 2) {
      throw coded(TypeError, 'ERR_INVALID_ARG', 'set expects one or more indices followed by a value: S.set(i, j, value)');
    }
    const value = idxThenValue[idxThenValue.length - 1];
    const k = linearIndex(this.dims, this.length, idxThenValue, idxThenValue.length - 1);
    checkElement(this.dtype, value);
    if (this.#mapping && !this.#mapping.writable) {
      throw coded(TypeError, 'ERR_READ_ONLY', 'this array was opened read-only (mode r); open its file with r+ to write');
    }
    (view as unknown as Record<number, unknown>)[k] = value;
  }

  /** The same memory seen with other dims (same number of elements); a new object. */
  reshape(dims: number | number[]): SharedArray<D> {
    this.#live();
    const shape = normalizeDims(dims);
    const length = lengthOf(shape);
    if (length !== this.length) {
      throw coded(
        RangeError,
        'ERR_INVALID_DIMS',
        `cannot reshape a ${formatDims(this.dims)} array (${this.length} elements) to ${formatDims(shape)} (${length} elements)`,
      );
    }
    return new SharedArray(this.dtype, shape, this.pids, this.#mapping);
  }

  /** Release this array's hold on the memory (unmapped once no reshape sibling is open). Idempotent. */
  async close(): Promise<void> {
    if (this.#view === null) return;
    this.#view = null;
    if (this.#mapping) {
      lost.unregister(this);
      this.#mapping.release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const typeName = `SharedArray{${this.dtype},${this.dims.length}}`;
    const view = this.#view;
    if (view === null) return `${summary(typeName, this.dims)} (closed)`;
    return showArray(typeName, this.dtype, this.dims, (k) => view[k] as number | bigint);
  }

  #live(): TypedArrayOf<D> {
    if (this.#view === null) {
      throw coded(Error, 'ERR_ARRAY_CLOSED', `this ${formatDims(this.dims)} SharedArray is closed; it cannot be used after close()`);
    }
    return this.#view;
  }
}

/** The backing typed array of a SharedArray; anything else unchanged. */
export function sdata<D extends DType>(x: SharedArray<D>): TypedArrayOf<D>;
export function sdata<T>(x: T): T;
export function sdata(x: unknown): unknown {
  return x instanceof SharedArray ? x.data : x;
}

// Participants are fixed at creation. Until worker processes exist only this one can take part.
function participants(pids: unknown): readonly number[] {
  if (pids === undefined || (Array.isArray(pids) && pids.length === 0)) return Object.freeze([myid()]);
  if (!Array.isArray(pids) || !pids.every((p) => Number.isSafeInteger(p) && p > 0)) {
    throw coded(TypeError, 'ERR_INVALID_ARG', `pids must be an array of process ids, got ${String(pids)}`);
  }
  const unknown = pids.find((p) => p !== myid());
  if (unknown !== undefined) {
    throw coded(RangeError, 'ERR_NO_SUCH_PROCESS', `pids: process ${unknown} is not part of this cluster (known: ${myid()})`);
  }
  return Object.freeze([myid()]);
}

function initOption<D extends DType>(init: unknown): SharedArrayOptions<D>['init'] {
  if (init === undefined || typeof init === 'function') return init as SharedArrayOptions<D>['init'];
  throw coded(TypeError, 'ERR_INVALID_ARG', `init must be a function (S) => ..., got ${typeof init}`);
}

// Run `init`; if it fails, release the memory before rejecting so nothing is left behind.
async function initialized<D extends DType>(S: SharedArray<D>, init: SharedArrayOptions<D>['init']): Promise<SharedArray<D>> {
  if (init === undefined) return S;
  try {
    await init(S);
  } catch (e) {
    await S.close();
    throw e;
  }
  return S;
}
