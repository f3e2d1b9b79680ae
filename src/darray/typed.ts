import { type DType, dtypeInfo, type TypedArrayOf } from '../shared/dtype.js';

/** A new zero-filled typed array of `dtype` with `n` elements. */
export function allocate<D extends DType>(dtype: D, n: number): TypedArrayOf<D> {
  const info = dtypeInfo(dtype);
  return info.view(new ArrayBuffer(n * info.bytes), 0, n) as TypedArrayOf<D>;
}

const byConstructor = new Map<Function, DType>([
  [Float64Array, 'float64'],
  [Float32Array, 'float32'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [Uint8Array, 'uint8'],
  [Uint16Array, 'uint16'],
  [Uint32Array, 'uint32'],
  [Uint8ClampedArray, 'uint8clamped'],
  [BigInt64Array, 'bigint64'],
  [BigUint64Array, 'biguint64'],
]);

/** The dtype of a typed array (a Node Buffer counts as uint8); undefined for anything else. */
export function dtypeOfArray(a: unknown): DType | undefined {
  if (!ArrayBuffer.isView(a) || a instanceof DataView) return undefined;
  return byConstructor.get((a as object).constructor) ?? (a instanceof Uint8Array ? 'uint8' : undefined);
}

/** Whether `a` is a typed array of exactly `dtype` that owns its whole buffer (safe to keep as a block). */
export function ownsBufferAs(a: unknown, dtype: DType): boolean {
  // The exact class: a Buffer is a Uint8Array too, but often a view into Node's shared pool.
  if (!ArrayBuffer.isView(a) || byConstructor.get(a.constructor) !== dtype) return false;
  const v = a as ArrayBufferView;
  return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer;
}
