/**
 * Julia's `Threads.Atomic{T}` operations on one element of an integer SharedArray (or an integer
 * typed array), correct between threads and between processes on this host.
 *
 * JavaScript's Atomics do the arithmetic: V8 compiles them to the processor's atomic
 * instructions whatever the buffer, and a SharedArray's memory is one physical mapping shared by
 * every process, so they are atomic across processes too (test/threads-atomics.test.ts counts
 * 1e6 increments from 2 processes × 2 threads; bench/threads.ts measures them). Only waiting
 * needs the addon: Atomics.wait refuses non-shared buffers and V8 wakes waiters in one process
 * only, so atomicWait/atomicNotify use the kernel's futex (native/futex.cc).
 */
import { coded } from '../core/errors.js';
import type { DType, Element, TypedArrayOf } from '../shared/dtype.js';
import { SharedArray } from '../shared/shared-array.js';
import { interruptPoint, native } from '../native.js';

/** The element types atomics work on: the integer dtypes (not float, not uint8clamped). */
export type IntegerDType = 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'bigint64' | 'biguint64';

/** An integer SharedArray, or a typed array of an integer dtype (e.g. over a SharedArrayBuffer). */
export type AtomicArray<D extends IntegerDType> = SharedArray<D> | TypedArrayOf<D>;

type IntegerView = TypedArrayOf<IntegerDType>;
type NumberView = Exclude<IntegerView, BigInt64Array | BigUint64Array>;

const integerViews: Function[] = [Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, BigInt64Array, BigUint64Array];

/** The typed array to operate on, with the index and the array checked. */
function target(op: string, S: unknown, i: unknown): IntegerView {
  let a: unknown = S;
  if (S instanceof SharedArray) {
    a = S.data; // throws ERR_ARRAY_CLOSED once closed
    if (!S.isMapped) {
      throw coded(RangeError, 'ERR_NOT_MAPPED', `${op}: this SharedArray is not mapped in this process (not a participant: pids ${S.pids.join(', ')})`);
    }
  }
  if (!ArrayBuffer.isView(a) || !integerViews.includes(a.constructor)) {
    const what = S instanceof SharedArray ? `a ${(S as SharedArray<DType>).dtype} SharedArray` : describe(S);
    throw coded(TypeError, 'ERR_INVALID_DTYPE', `${op} needs an integer SharedArray (int8, int16, int32, uint8, uint16, uint32, bigint64, biguint64), got ${what}`);
  }
  const view = a as IntegerView;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= view.length) {
    throw coded(RangeError, 'ERR_INDEX_OUT_OF_RANGE', `${op}: index ${String(i)} is out of range [0, ${view.length}) (atomics take a linear index: S.index(i, j))`);
  }
  return view;
}

function describe(x: unknown): string {
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  return x === null ? 'null' : typeof x === 'object' ? `an instance of ${(x as object).constructor?.name ?? 'Object'}` : `a ${typeof x}`;
}

function isBig(a: IntegerView): a is BigInt64Array | BigUint64Array {
  return a instanceof BigInt64Array || a instanceof BigUint64Array;
}

/** The value, checked against the array's kind: a bigint for 64-bit arrays, a safe integer otherwise. */
function operand(op: string, a: IntegerView, v: unknown, name = 'value'): never {
  if (isBig(a)) {
    if (typeof v !== 'bigint') throw coded(TypeError, 'ERR_INVALID_VALUE', `${op}: ${name} must be a bigint for a ${a.constructor.name} (write ${String(v)}n), got ${typeof v}`);
  } else if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw coded(TypeError, 'ERR_INVALID_VALUE', `${op}: ${name} must be an integer number, got ${typeof v === 'bigint' ? `${v}n` : String(v)}`);
  }
  return v as never;
}

/** Atomically `S[i] += v`; returns the old value. Wraps around at the type's bounds, as the hardware does. */
export function atomicAdd<D extends IntegerDType>(S: AtomicArray<D>, i: number, v: Element<D>): Element<D> {
  const a = target('atomicAdd', S, i);
  return Atomics.add(a as NumberView, i, operand('atomicAdd', a, v)) as Element<D>;
}

/** Atomically `S[i] -= v`; returns the old value. */
export function atomicSub<D extends IntegerDType>(S: AtomicArray<D>, i: number, v: Element<D>): Element<D> {
  const a = target('atomicSub', S, i);
  return Atomics.sub(a as NumberView, i, operand('atomicSub', a, v)) as Element<D>;
}

/** Atomically `S[i] = v`; returns the old value. */
export function atomicXchg<D extends IntegerDType>(S: AtomicArray<D>, i: number, v: Element<D>): Element<D> {
  const a = target('atomicXchg', S, i);
  return Atomics.exchange(a as NumberView, i, operand('atomicXchg', a, v)) as Element<D>;
}

/**
 * Compare and swap: if `S[i]` equals `expected`, set it to `v`. Returns the value found, so the
 * swap happened exactly when the result equals `expected` (Julia's `atomic_cas!`).
 */
export function atomicCas<D extends IntegerDType>(S: AtomicArray<D>, i: number, expected: Element<D>, v: Element<D>): Element<D> {
  const a = target('atomicCas', S, i);
  return Atomics.compareExchange(a as NumberView, i, operand('atomicCas', a, expected, 'expected'), operand('atomicCas', a, v)) as Element<D>;
}

/** Atomically `S[i] = max(S[i], v)`; returns the old value. */
export function atomicMax<D extends IntegerDType>(S: AtomicArray<D>, i: number, v: Element<D>): Element<D> {
  const a = target('atomicMax', S, i);
  // biome-ignore lint/complexity/useMathMinMax: the values may be bigints, which Math.max refuses.
  return update(a, i, operand('atomicMax', a, v), (old, x) => (x > old ? x : old)) as Element<D>;
}

/** Atomically `S[i] = min(S[i], v)`; returns the old value. */
export function atomicMin<D extends IntegerDType>(S: AtomicArray<D>, i: number, v: Element<D>): Element<D> {
  const a = target('atomicMin', S, i);
  // biome-ignore lint/complexity/useMathMinMax: the values may be bigints, which Math.min refuses.
  return update(a, i, operand('atomicMin', a, v), (old, x) => (x < old ? x : old)) as Element<D>;
}

/** The element, read atomically (never torn, ordered with the other atomics). */
export function atomicLoad<D extends IntegerDType>(S: AtomicArray<D>, i: number): Element<D> {
  return Atomics.load(target('atomicLoad', S, i) as NumberView, i) as Element<D>;
}

/** Write the element atomically; returns `v`. */
export function atomicStore<D extends IntegerDType>(S: AtomicArray<D>, i: number, v: Element<D>): Element<D> {
  const a = target('atomicStore', S, i);
  Atomics.store(a as NumberView, i, operand('atomicStore', a, v));
  return v;
}

/**
 * A read-modify-write the hardware has no instruction for, as a compare-and-swap loop. `x` is
 * first stored into the element's type (as Atomics.add would wrap it), so comparisons are made
 * between values of the same type.
 */
function update<T extends number | bigint>(a: IntegerView, i: number, x: T, f: (old: T, x: T) => T): T {
  const scratch = scratchFor(a) as unknown as T[];
  scratch[0] = x;
  const v = scratch[0] as T;
  const view = a as unknown as Int32Array;
  let old = Atomics.load(view, i) as T;
  for (;;) {
    const next = f(old, v);
    if (next === old) return old;
    const seen = Atomics.compareExchange(view, i, old as number, next as number) as T;
    if (seen === old) return old;
    old = seen;
  }
}

const scratches = new Map<Function, IntegerView>();
function scratchFor(a: IntegerView): IntegerView {
  let s = scratches.get(a.constructor);
  if (!s) scratches.set(a.constructor, (s = new (a.constructor as new (n: number) => IntegerView)(1)));
  return s;
}

/** What atomicWait saw: woken by atomicNotify, the value already differed, or the timeout passed. */
export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

function int32Target(op: string, S: unknown, i: unknown): Int32Array {
  const a = target(op, S, i);
  if (!(a instanceof Int32Array)) {
    throw coded(TypeError, 'ERR_INVALID_DTYPE', `${op} needs an int32 SharedArray (the kernel's futex word is 32 bits), got ${describe(a)}`);
  }
  return a;
}

/** A blocked wait returns to JavaScript this often, so that `interrupt()` can stop it there (interruptPoint). */
const WAIT_SLICE_MS = 50;

/**
 * Block this thread while `S[i] === expected`, until `atomicNotify(S, i)` from any thread of any
 * process, or `timeoutMs` (default: no limit, as Atomics.wait). Returns 'not-equal' at once when
 * the value differs. 'ok' may also mean that the value changed without a notify, or rarely a
 * spurious wake-up: re-check the value in a loop, as with Atomics.wait. It blocks the event loop
 * of the thread that calls it; on a worker, `interrupt()` stops it within 50 ms.
 */
export function atomicWait(S: AtomicArray<'int32'>, i: number, expected: number, timeoutMs: number = Infinity): WaitResult {
  const a = int32Target('atomicWait', S, i);
  if (typeof expected !== 'number' || !Number.isInteger(expected) || expected < -0x8000_0000 || expected > 0x7fff_ffff) {
    throw coded(TypeError, 'ERR_INVALID_VALUE', `atomicWait: expected must be an int32 integer, got ${String(expected)}`);
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `atomicWait: timeoutMs must be a number >= 0 (or Infinity), got ${String(timeoutMs)}`);
  }
  const { futexWait } = native();
  const deadline = performance.now() + timeoutMs;
  for (let first = true; ; first = false) {
    const r = futexWait(a, i, expected, Math.min(WAIT_SLICE_MS, Math.max(0, deadline - performance.now())));
    if (r === 0) return 'ok';
    if (r === 1) return first ? 'not-equal' : 'ok'; // changed while we slept between slices
    if (performance.now() >= deadline) return 'timed-out';
    interruptPoint(); // between slices: an interrupt that cancelled the calling call stops it here
  }
}

/**
 * Wake up to `count` (default: all) threads blocked in atomicWait on `S[i]`, in any process.
 * Returns how many were woken. Waiters in V8's own Atomics.wait are not among them: use atomicWait.
 */
export function atomicNotify(S: AtomicArray<'int32'>, i: number, count: number = Infinity): number {
  const a = int32Target('atomicNotify', S, i);
  if (typeof count !== 'number' || !(count >= 0) || (!Number.isInteger(count) && count !== Infinity)) {
    throw coded(RangeError, 'ERR_INVALID_ARG', `atomicNotify: count must be a whole number >= 0 (or Infinity), got ${String(count)}`);
  }
  return native().futexWake(a, i, count);
}
