import { onCancelled } from '../core/call-scope.js';
import { coded } from '../core/errors.js';
import { checkElement, dtypeInfo, type DType, type Element, type TypedArrayOf } from './dtype.js';
import { distribute, type Family, newFamily, participants, releaseEverywhere, releaseWhenUnused, rememberSibling } from './family.js';
import { fileRequest, type FileOptions, mapFile } from './file.js';
import { showArray, summary } from './inspect.js';
import { formatDims, lengthOf, linearIndex, normalizeDims } from './layout.js';
import { makeParts, partPlan } from './parts.js';
import { checkMappable, createSegment, type Mapping } from './segment.js';
import { type SharedArrayView, type ViewIndex, viewOf } from './view.js';

// Generic so that `init` sees the array's own dtype; `SharedArrayOptions` alone is the contract's
// form, whose init takes an array of any dtype.
/** Options of {@link SharedArray.create} and {@link SharedArray.fromFile}. */
// biome-ignore lint/suspicious/noExplicitAny: the contract's SharedArrayOptions is SharedArray<any>.
export interface SharedArrayOptions<D extends DType = any> {
  /** Runs on every participant, in parallel, once the memory exists; `create` waits for all of them. */
  init?: (S: SharedArray<D>) => unknown;
  /** The participating processes (default: the processes on this host, without pid 1 when there are workers). */
  pids?: number[];
}

// A SharedArray dropped without close() still counts as a user of its mapping; this tells the
// mapping so that closing the remaining reshape siblings can unmap it.
const lost = new FinalizationRegistry<Mapping>((mapping) => mapping.forget());

/**
 * An N-d array in shared memory (or a mapped file), column-major, 0-based, mapped in every
 * participating process. `data` is the zero-copy typed view; `get`/`set` are bounds-checked.
 */
export class SharedArray<D extends DType> {
  /** The element type. */
  readonly dtype: D;
  /** The size of each dimension, first dimension first (column-major). */
  readonly dims: readonly number[];
  /** The number of elements: the product of `dims`. */
  readonly length: number;
  /** The participating processes: those that map the memory, in the order that splits the work. */
  readonly pids: readonly number[];
  #view: TypedArrayOf<D> | null;
  readonly #mapping: Mapping | null;
  readonly #family: Family;

  /** @internal An array over a mapping that arrived from another process (shared-array-handle.ts). */
  static attach<D extends DType>(dtype: D, dims: readonly number[], pids: readonly number[], mapping: Mapping | null, family: Family): SharedArray<D> {
    return new SharedArray(dtype, dims, pids, mapping, family);
  }

  /** @internal The array's family: its memory's name, participants and lifetime (family.ts). */
  get family(): Family {
    return this.#family;
  }

  private constructor(dtype: D, dims: readonly number[], pids: readonly number[], mapping: Mapping | null, family: Family) {
    this.dtype = dtype;
    this.dims = dims;
    this.length = lengthOf(dims);
    this.pids = pids;
    this.#family = family;
    this.#mapping = mapping?.acquire() ?? null;
    // Not mapped here (a non-participant): an empty view, and element access says why.
    const mappedLength = mapping || this.length === 0 ? this.length : 0;
    this.#view = dtypeInfo(dtype).view(mapping?.buffer ?? new ArrayBuffer(0), 0, mappedLength) as TypedArrayOf<D>;
    if (mapping) lost.register(this, mapping, this);
  }

  /**
   * A new array in POSIX shared memory, mapped by every participant; `init(S)` runs on each of
   * them in parallel and `create` resolves once all have finished. Zero-length arrays use none. A
   * large array over several participants is made of parts that each participant reserves at the
   * same time (parts.ts), mapped side by side: one buffer all the same.
   */
  static async create<D extends DType>(dtype: D, dims: number | number[], opts: SharedArrayOptions<D> = {}): Promise<SharedArray<D>> {
    const info = dtypeInfo(dtype);
    const shape = normalizeDims(dims);
    const pids = participants(opts.pids);
    const init = initOption<D>(opts.init);
    const bytes = lengthOf(shape) * info.bytes;
    if (bytes === 0) return distribute(new SharedArray(dtype, shape, pids, null, newFamily(bytes, null, null)), init);
    const plan = partPlan(lengthOf(shape), info.bytes, pids);
    if (plan) {
      checkMappable(bytes, 'a shared array');
      const made = await makeParts(plan);
      const family = newFamily(bytes, made.parts, null);
      releaseWhenUnused(made.mapping, family);
      try {
        return await distribute(new SharedArray(dtype, shape, pids, made.mapping, family), init);
      } finally {
        // Every participant has mapped the parts (or failed): later handles must not point at them.
        family.share = null;
        await made.stop();
      }
    }
    const segment = createSegment(bytes);
    const family = newFamily(bytes, [segment.source], null);
    releaseWhenUnused(segment.mapping, family);
    const stopSharing = (): void => {
      // Participants have mapped it (or failed): later handles must not point at this descriptor.
      family.share = null;
      segment.stopSharing();
    };
    // A call an interrupt cancels never reaches the finally below: its cleanup closes the descriptor.
    const disarm = onCancelled(stopSharing);
    try {
      return await distribute(new SharedArray(dtype, shape, pids, segment.mapping, family), init);
    } finally {
      disarm();
      stopSharing();
    }
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
    const bytes = lengthOf(shape) * info.bytes;
    const mapping = mapFile(req, bytes);
    const family = newFamily(bytes, null, req);
    if (mapping) releaseWhenUnused(mapping, family);
    return distribute(new SharedArray(dtype, shape, pids, mapping, family), init);
  }

  /** The whole array as a typed array over the shared memory (no copy); empty where not mapped. */
  get data(): TypedArrayOf<D> {
    return this.#live();
  }

  /** Column-major linear index of `idx` (one index: already linear), bounds-checked. */
  index(...idx: number[]): number {
    this.#mapped();
    return linearIndex(this.dims, this.length, idx);
  }

  /**
   * The element at `idx` (0-based, one index per dimension, or one linear index). Throws
   * RangeError `ERR_INDEX_OUT_OF_RANGE` outside the array, `ERR_ARRAY_CLOSED` after close and
   * `ERR_NOT_MAPPED` on a process that is not a participant.
   */
  get(...idx: number[]): Element<D> {
    const view = this.#mapped();
    return view[linearIndex(this.dims, this.length, idx)] as Element<D>;
  }

  /** `S.set(i, j, value)`: the indices, then the value. */
  set(...idxThenValue: [...number[], Element<D>]): void {
    const view = this.#mapped();
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
    const sibling = new SharedArray(this.dtype, shape, this.pids, this.#mapping, this.#family);
    // Known to the family: it comes back as itself, and a release by the creator closes it too.
    rememberSibling(sibling);
    return sibling;
  }

  /**
   * A zero-copy view (Julia's `view(S, ...)`): one index per dimension, each a `Range` (any
   * step), a number (drops that dimension) or `':'` (all of it). It reads and writes this array's
   * memory, and travels to other processes as a view.
   */
  view(...idx: ViewIndex[]): SharedArrayView<D> {
    this.#live();
    return viewOf(this, idx);
  }

  /**
   * Release the array (Julia's finalize). On its creator, once no reshape sibling is open, every
   * participant's mapping is released too; later use anywhere throws. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#view === null) return;
    this.#view = null;
    if (!this.#mapping) return;
    lost.unregister(this);
    if (this.#mapping.release()) await releaseEverywhere(this.#family);
  }

  /** `close()`, for `await using S = await SharedArray.create(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Mapped in this process (participants and the creator); false for other processes. */
  get isMapped(): boolean {
    return this.#mapping !== null || this.length === 0;
  }

  /** Whether `close()` was called here (or the creator released the array everywhere). */
  get isClosed(): boolean {
    return this.#view === null;
  }

  /** False for an array over a file opened read-only (mode `r`): `set` and the array operations refuse to write it. */
  get isWritable(): boolean {
    return this.#mapping?.writable ?? true;
  }

  /** `3×4 SharedArray{int32,2}`: what the array is, for messages and template strings. */
  toString(): string {
    return summary(`SharedArray{${this.dtype},${this.dims.length}}`, this.dims);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const typeName = `SharedArray{${this.dtype},${this.dims.length}}`;
    const view = this.#view;
    if (view === null) return `${summary(typeName, this.dims)} (closed)`;
    if (!this.isMapped) return `${summary(typeName, this.dims)} (not mapped in this process; participants: ${this.pids.join(', ')})`;
    return showArray(typeName, this.dtype, this.dims, (k) => view[k] as number | bigint);
  }

  #live(): TypedArrayOf<D> {
    if (this.#view === null) {
      throw coded(Error, 'ERR_ARRAY_CLOSED', `this ${summary(`SharedArray{${this.dtype},${this.dims.length}}`, this.dims)} is closed; it cannot be used after close()`);
    }
    return this.#view;
  }

  #mapped(): TypedArrayOf<D> {
    const view = this.#live();
    if (!this.isMapped) {
      throw coded(
        RangeError,
        'ERR_NOT_MAPPED',
        `this ${summary(`SharedArray{${this.dtype},${this.dims.length}}`, this.dims)} is not mapped in this process: it is not a participant (pids ${this.pids.join(', ')}); ` +
          'pass it to a participant, or create it with this process in `pids`',
      );
    }
    return view;
  }
}

/** The backing typed array of a SharedArray; anything else unchanged. */
export function sdata<D extends DType>(x: SharedArray<D>): TypedArrayOf<D>;
export function sdata<T>(x: T): T;
export function sdata(x: unknown): unknown {
  return x instanceof SharedArray ? x.data : x;
}

function initOption<D extends DType>(init: unknown): SharedArrayOptions<D>['init'] {
  if (init === undefined || typeof init === 'function') return init as SharedArrayOptions<D>['init'];
  throw coded(TypeError, 'ERR_INVALID_ARG', `init must be a function (S) => ..., got ${typeof init}`);
}
