import { coded } from './errors.js';

/**
 * A half-open arithmetic range `[start, stop)` with a step, like Python's `range` and a 0-based
 * version of Julia's `a:s:b`. Iterable, indexable with `at`, and cheap to send between processes.
 */
export class Range implements Iterable<number> {
  /** The first element (when the range is not empty). */
  readonly start: number;
  /** The bound the elements stop before (excluded): `stop - step` may be the last element. */
  readonly stop: number;
  /** The distance between neighbouring elements; never 0, negative for a falling range. */
  readonly step: number;
  /** The number of elements (0 when `stop` is not beyond `start` in the step's direction). */
  readonly length: number;

  /**
   * Throws TypeError `ERR_INVALID_ARG` when a bound or the step is not a safe integer, and
   * RangeError `ERR_INVALID_ARG` when the step is 0. `range(...)` is the short form.
   */
  constructor(start: number, stop: number, step = 1) {
    for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
      if (!Number.isSafeInteger(v)) {
        throw coded(TypeError, 'ERR_INVALID_ARG', `range ${name} must be a safe integer, got ${String(v)}`);
      }
    }
    if (step === 0) throw coded(RangeError, 'ERR_INVALID_ARG', 'range step must not be zero');
    this.start = start;
    this.stop = stop;
    this.step = step;
    this.length = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  }

  /** The k-th element (0-based); throws RangeError past the end. */
  at(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k >= this.length) {
      throw coded(RangeError, 'ERR_INDEX_OUT_OF_RANGE', `index ${k} is out of range for ${this.toString()} (length ${this.length})`);
    }
    return this.start + k * this.step;
  }

  /** Last element, or undefined when empty. */
  get last(): number | undefined {
    return this.length === 0 ? undefined : this.start + (this.length - 1) * this.step;
  }

  /** Whether the range has no element. */
  get isEmpty(): boolean {
    return this.length === 0;
  }

  /** Whether `v` is one of the elements (false for a non-integer). */
  includes(v: number): boolean {
    if (!Number.isInteger(v) || this.length === 0) return false;
    const off = v - this.start;
    if (off % this.step !== 0) return false;
    const k = off / this.step;
    return k >= 0 && k < this.length;
  }

  /** Elements `[from, to)` of this range, as a range. */
  slice(from: number, to: number = this.length): Range {
    const a = Math.max(0, Math.min(from, this.length));
    const b = Math.max(a, Math.min(to, this.length));
    return new Range(this.start + a * this.step, this.start + b * this.step, this.step);
  }

  /** The elements in order, from `start`. */
  *[Symbol.iterator](): Iterator<number> {
    const { start, step, length } = this;
    for (let k = 0; k < length; k++) yield start + k * step;
  }

  /** The elements as an array. */
  toArray(): number[] {
    return Array.from(this);
  }

  /**
   * Whether both ranges hold the same elements in the same order (so every empty range equals
   * every other, and a one-element range ignores its step).
   */
  equals(other: Range): boolean {
    if (this.length !== other.length) return false;
    if (this.length === 0) return true;
    return this.start === other.start && (this.length === 1 || this.step === other.step);
  }

  /** `range(start, stop)`, with the step when it is not 1. */
  toString(): string {
    return this.step === 1 ? `range(${this.start}, ${this.stop})` : `range(${this.start}, ${this.stop}, ${this.step})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** `range(start, stop, step?)`: the half-open range `[start, stop)`. `range(n)` is `[0, n)`. */
export function range(start: number, stop?: number, step?: number): Range {
  return stop === undefined ? new Range(0, start, 1) : new Range(start, stop, step ?? 1);
}

/** The empty range. */
export const emptyRange: Range = new Range(0, 0);
