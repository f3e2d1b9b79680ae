import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import { allProcs, workers } from '../core/process-table.js';
import { Range } from '../core/range.js';
import { RemoteRef, type RefRecord } from '../refs/remote-ref.js';
import { newRRID } from '../refs/rrid.js';
import { addHeld } from '../refs/store.js';
import { assertShippable } from '../remote/function-shipping.js';
import { type DType, dtypeInfo, type Element, type TypedArrayOf } from '../shared/dtype.js';
import { showArray, summary } from '../shared/inspect.js';
import { formatDims, lengthOf, linearIndex, normalizeDims } from '../shared/layout.js';
import type { CodecContext, HandleType } from '../transport/codec.js';
import type { RRID } from '../transport/messages.js';
import { sendOn } from '../transport/owner-calls.js';
import { type BlockFill, showRanges } from './block-init.js';
import { blockCreate, blockDrop, blockForEach, blockGet, blockMap, blockReduce, blockSum } from './block-ops.js';
import { dropBlock, findBlock } from './block-store.js';
import { strides } from './box.js';
import { blockNumber, type Grid, gridOf, pieceOf, planGrid } from './grid.js';
import { onOwner } from './on-owner.js';
import { readSelection, selectionFor } from './read.js';
import { settleAll } from './settle.js';

/** Where a DArray's blocks are and what they hold; the same in every process. */
export interface Layout<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly pids: readonly number[];
  readonly grid: Grid;
}

/** Options of DArray.create and the `d...` constructors. */
export interface DArrayOptions<D extends DType = DType> {
  /** The owners, one block each (default: the workers, at most as many as the longest dimension). */
  procs?: number[];
  /** Pieces per dimension; their product is the number of procs (default: a balanced grid). */
  dist?: number[];
  /** The element type (default float64). */
  dtype?: D;
}

/**
 * A distributed array (DistributedArrays.jl's DArray): an N-d array whose index space is cut
 * into blocks, block `k` (ranges `indices[k]`) stored by process `pids[k]` in its own memory.
 * Reading (`get`, `slice`, `toArray`) fetches only the blocks it touches, one request per block;
 * whole-array operations (`map`, `reduce`, `sum`, `forEachBlock`) run on the owners, in
 * parallel. The handle travels to other processes like a Future, and the blocks live while any
 * process holds one: the creator counts the holders (refs/store.ts) and frees every block when
 * the last is gone — or at once on `close()`.
 */
export class DArray<D extends DType = DType> extends RemoteRef {
  /** The element type. */
  readonly dtype: D;
  /** The size of each dimension, first dimension first (column-major). */
  readonly dims: readonly number[];
  /** The number of elements: the product of `dims`. */
  readonly length: number;
  /** `pids[k]` owns block `k`. */
  readonly pids: readonly number[];
  /** Every block's index ranges (0-based, half-open), one Range per dimension. */
  readonly indices: readonly (readonly Range[])[];
  /** Each dimension's cut points: block edges from 0 to the dimension's length. */
  readonly cuts: readonly (readonly number[])[];
  readonly #grid: Grid;
  #closed = false;

  private constructor(rr: RRID, layout: Layout<D>) {
    // The holders are counted on the creator (rr.whence): that is the reference's "owner".
    super(rr.whence, rr);
    this.dtype = layout.dtype;
    this.dims = layout.dims;
    this.length = lengthOf(layout.dims);
    this.pids = layout.pids;
    this.#grid = layout.grid;
    this.indices = layout.grid.indices;
    this.cuts = layout.grid.cuts;
  }

  /**
   * A new DArray of `dims` whose block with index ranges `I` is made by `init(I)` on its owner
   * (in parallel, never on this process unless it is an owner): a typed array of the block's
   * elements, column-major, or one value filling it; `init` may be async. `init` travels like a
   * remotecall's function (`capture` brings values along).
   */
  static async create<D extends DType = 'float64'>(
    init: (I: Range[]) => TypedArrayOf<D> | Element<D> | ArrayLike<Element<D>> | Promise<TypedArrayOf<D> | Element<D> | ArrayLike<Element<D>>>,
    dims: number | number[],
    opts: DArrayOptions<D> = {},
  ): Promise<DArray<D>> {
    assertShippable(init, 'init');
    const layout = layoutFor<D>(dims, opts);
    return DArray.build(layout, (N, k, I) => onOwner(N, k, blockCreate, [layout.dtype, bounds(I), init]));
  }

  /** @internal A new DArray whose blocks are made with the built-in filling `fill`. */
  static filled<D extends DType>(layout: Layout<D>, fill: BlockFill): Promise<DArray<D>> {
    return DArray.build(layout, (N, k, I) => onOwner(N, k, blockCreate, [layout.dtype, bounds(I), fill]));
  }

  /**
   * @internal Make the blocks of a new DArray N of `layout` (block k, with ranges I, by
   * `make(N, k, I)`: an operation on its owner), then count it here. If any block fails, the
   * others are freed and the first failure (by block) is thrown.
   */
  static async build<D extends DType>(layout: Layout<D>, make: (N: DArray<D>, k: number, I: readonly Range[]) => Promise<unknown>): Promise<DArray<D>> {
    const N = new DArray(newRRID(), layout);
    try {
      await settleAll(layout.grid.indices.map((I, k) => make(N, k, I)));
    } catch (e) {
      dropEverywhere(N.rr, layout.pids);
      throw e;
    }
    addHeld(N.rr, myid(), releaser(N.rr, layout.pids));
    N.track(1);
    return N;
  }

  /** @internal The layout, for a DArray of the same shape and owners. */
  get layout(): Layout<D> {
    return { dtype: this.dtype, dims: this.dims, pids: this.pids, grid: this.#grid };
  }

  /** One element: `D.get(i, j, ...)` (one index per dimension) or `D.get(k)` (linear, column-major). */
  async get(...idx: number[]): Promise<Element<D>> {
    this.#live('get');
    // One linear index or one per dimension, checked as for any array; then as coordinates.
    const linear = linearIndex(this.dims, this.length, idx);
    const at = strides(this.dims).map((s, d) => Math.floor(linear / s) % (this.dims[d] as number));
    const b = blockNumber(
      this.#grid.dist,
      at.map((i, d) => pieceOf(this.cuts[d] as readonly number[], i)),
    );
    const I = this.indices[b] as readonly Range[];
    const inBlock = strides(I.map((r) => r.length)).reduce((sum, s, d) => sum + ((at[d] as number) - (I[d] as Range).start) * s, 0);
    return onOwner<Element<D>>(this, b, blockGet, [inBlock]);
  }

  /**
   * The elements at the selection — per dimension a Range (ascending) or one index — column-major
   * in a new typed array. Only the blocks it touches are asked, one request each.
   */
  async slice(...idx: (Range | number)[]): Promise<TypedArrayOf<D>> {
    this.#live('slice');
    return readSelection(this, selectionFor(this.dims, idx));
  }

  /** Every element, gathered here (Julia's `convert(Array, D)`), column-major. */
  async toArray(): Promise<TypedArrayOf<D>> {
    this.#live('toArray');
    return readSelection(
      this,
      this.dims.map((n) => new Range(0, n)),
    );
  }

  /**
   * A new DArray, same layout, holding `f(x)` for each element `x` (of `dtype`, default this
   * one's), computed by each owner on its block. `f` travels once per owner.
   */
  async map<E extends DType = D>(f: (x: Element<D>) => number | bigint, opts: { dtype?: E } = {}): Promise<DArray<E>> {
    this.#live('map');
    assertShippable(f, 'f');
    const dtype = (opts.dtype ?? this.dtype) as E;
    dtypeInfo(dtype);
    // Block k of the new array is made by the owner of block k of this one: the same process.
    return DArray.build({ ...this.layout, dtype }, (N, k) => onOwner(this, k, blockMap, [N.whence, N.id, dtype, f]));
  }

  /**
   * The elements combined with `op` (associative: each owner reduces its block, then the blocks'
   * results are combined here in block order). `init`, if given, starts the combination here
   * (once) and is the answer for an empty array, which otherwise is an error.
   */
  reduce(op: (a: Element<D>, b: Element<D>) => Element<D>, ...init: [] | [Element<D>]): Promise<Element<D>> {
    return this.mapreduce((x) => x, op, ...init) as Promise<Element<D>>;
  }

  /** `f` of each element, combined with `op` (see reduce); both travel once per owner. */
  async mapreduce<T>(f: (x: Element<D>) => T, op: (a: T, b: T) => T, ...init: [] | [T]): Promise<T> {
    this.#live('mapreduce');
    assertShippable(f, 'f');
    assertShippable(op, 'op');
    const parts = await settleAll(this.pids.map((_, k) => onOwner<T[]>(this, k, blockReduce, [f, op])));
    const values = parts.flat();
    if (init.length > 0) return values.reduce(op, init[0] as T);
    if (values.length === 0) {
      throw coded(TypeError, 'ERR_INVALID_ARG', `cannot reduce an empty ${formatDims(this.dims)} DArray without an initial value: pass one, D.reduce(op, init)`);
    }
    return values.reduce(op);
  }

  /** The sum of every element (0, or 0n for 64-bit integers, when empty), summed by the owners. */
  async sum(): Promise<Element<D>> {
    this.#live('sum');
    const parts = await settleAll(this.pids.map((_, k) => onOwner<number | bigint>(this, k, blockSum, [])));
    if (dtypeInfo(this.dtype).bigint) return (parts as bigint[]).reduce((a, b) => a + b, 0n) as Element<D>;
    return (parts as number[]).reduce((a, b) => a + b, 0) as Element<D>;
  }

  /**
   * Run `f(block, I)` on every owner, in parallel, with its block (a typed array it may write)
   * and the block's index ranges; resolves when all are done. `f` travels once per owner.
   */
  async forEachBlock(f: (block: TypedArrayOf<D>, I: Range[]) => unknown): Promise<void> {
    this.#live('forEachBlock');
    assertShippable(f, 'f');
    await settleAll(this.pids.map((_, k) => onOwner(this, k, blockForEach, [f])));
  }

  /** Free every block now, on every owner (whoever else holds a handle); later use throws. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.isFinalized) return;
    // An owner that has exited has nothing left to free.
    await Promise.allSettled(this.pids.map((_, k) => onOwner(this, k, blockDrop, [])));
    this.finalize();
  }

  /** Whether `close()` was called on this handle. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** The elements, fetched and printed as `util.inspect` prints an array held here. */
  async show(): Promise<string> {
    const data = await this.toArray();
    return showArray(this.#typeName(), this.dtype, this.dims, (k) => data[k] as number | bigint);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const head = `${summary(this.#typeName(), this.dims)} over ${this.#owners()}`;
    if (this.#closed) return `${head} (closed)`;
    // Everything is here: print the values, as for any array. Otherwise they would have to be
    // fetched, and inspect cannot wait: print where each block lives (D.show() prints values).
    const only = this.pids.length === 1 && this.pids[0] === myid() ? findBlock(this.rr) : undefined;
    if (only) {
      const text = showArray(this.#typeName(), this.dtype, this.dims, (k) => only.data[k] as number | bigint);
      return head + text.slice(summary(this.#typeName(), this.dims).length);
    }
    const rows = this.indices.map((I, k) => ` block ${k} ${showRanges(I)} on ${this.pids[k] === 1 ? 'process 1' : `worker ${this.pids[k]}`}`);
    return [`${head}:`, ...rows].join('\n');
  }

  #typeName(): string {
    return `DArray{${this.dtype},${this.dims.length}}`;
  }

  #owners(): string {
    const n = this.pids.length;
    if (this.pids.includes(1)) return `${n} process${n === 1 ? '' : 'es'}`;
    return `${n} worker${n === 1 ? '' : 's'}`;
  }

  #live(what: string): void {
    if (this.#closed) {
      throw coded(Error, 'ERR_ARRAY_CLOSED', `${what}: this ${formatDims(this.dims)} DArray is closed; it cannot be used after close()`);
    }
    this.assertLive(what);
  }

  /** @internal This process's block (for localpart), checked to be usable. */
  localBlock(): TypedArrayOf<D> | undefined {
    this.#live('localpart');
    return findBlock(this.rr)?.data as TypedArrayOf<D> | undefined;
  }

  /** @internal */
  static encodeHandle(D: DArray): DArrayRecord {
    D.#live('send');
    return { ...D.record(), dtype: D.dtype, dims: D.dims, pids: D.pids, dist: D.#grid.dist };
  }

  /** @internal Counted once the message carrying it has encoded. */
  static handOver(D: DArray, ctx: CodecContext): void {
    D.countHandOver(ctx.peer);
  }

  /** @internal */
  static decodeHandle(d: DArrayRecord): DArray {
    dtypeInfo(d.dtype);
    const dims = normalizeDims(d.dims);
    const layout: Layout = { dtype: d.dtype, dims, pids: Object.freeze([...d.pids]), grid: gridOf(dims, d.dist) };
    return RemoteRef.arriveRecord(d, (_where, rr) => new DArray(rr, layout));
  }
}

/** What a DArray travels as: the reference, and the layout every process needs to read it. */
interface DArrayRecord extends RefRecord {
  dtype: DType;
  dims: readonly number[];
  pids: readonly number[];
  dist: readonly number[];
}

/** How a DArray travels between processes (listed in the runtime's handle-type table). */
export const darrayHandleType: HandleType<DArray> = {
  tag: 'darr',
  classes: [DArray],
  encode: (D) => DArray.encodeHandle(D),
  handOver: (D, ctx) => DArray.handOver(D, ctx),
  decode: (d) => DArray.decodeHandle(d as DArrayRecord),
  referable: true,
};

/** The layout of a new DArray, checked: dims, dtype, owners (live processes) and grid. */
export function layoutFor<D extends DType>(dims: unknown, opts: DArrayOptions<D>): Layout<D> {
  if (typeof opts !== 'object' || opts === null) throw coded(TypeError, 'ERR_INVALID_ARG', 'the options must be an object { procs, dist, dtype }');
  const dtype = (opts.dtype ?? 'float64') as D;
  dtypeInfo(dtype);
  const shape = normalizeDims(dims);
  const { pids, grid } = planGrid(shape, opts.procs, opts.dist, workers());
  const live = new Set(allProcs());
  const unknown = pids.find((p) => !live.has(p));
  if (unknown !== undefined) {
    throw coded(RangeError, 'ERR_NO_SUCH_PROCESS', `procs: process ${unknown} is not a live process of this cluster (processes: ${[...live].join(', ')})`);
  }
  return { dtype, dims: shape, pids, grid };
}

/** A block's ranges as the numbers they travel as. */
function bounds(I: readonly Range[]): number[] {
  return I.flatMap((r) => [r.start, r.stop]);
}

/**
 * What frees the blocks once no process holds the DArray. Made out here: a closure made inside
 * `build` would share its scope with the ones that use the new DArray, so the store would keep
 * the DArray alive, and it would never be collected.
 */
function releaser(rr: RRID, pids: readonly number[]): () => void {
  return () => dropEverywhere(rr, pids);
}

/** Free every block of `rr`, without waiting (an owner that has exited has nothing to free). */
function dropEverywhere(rr: RRID, pids: readonly number[]): void {
  for (const p of pids) {
    if (p === myid()) {
      dropBlock(rr);
      continue;
    }
    try {
      sendOn(p, blockDrop, rr, []);
    } catch {
      // Gone, and its block with it.
    }
  }
}
