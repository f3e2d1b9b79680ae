/**
 * The encoded form of a value or an argument list inside a message: a kind that says how to read
 * the bytes, and the bytes. The kinds let the commonest payloads skip the serializer entirely.
 */
export const enum PayloadKind {
  /** `undefined`, or an empty argument list: no bytes at all. */
  None = 0,
  /** One float64 (a number result: the common case of pmap and distributed). */
  Number = 1,
  /** v8-serialized, no references inside. */
  V8 = 2,
  /** v8-serialized, holds reference records to revive. */
  V8Refs = 3,
  /** An argument list of numbers only, as float64s (owner operations, chunk bounds). */
  Numbers = 4,
  /** A small plain value in the compact form (compact.ts), no references inside. */
  Compact = 5,
  /** The compact form, holding reference records to revive. */
  CompactRefs = 6,
}

/** The highest kind a payload may have (anything above it in a message is a protocol error). */
export const MAX_PAYLOAD_KIND: number = PayloadKind.CompactRefs;

export interface Payload {
  kind: PayloadKind;
  bytes: Uint8Array;
}

export const EMPTY_PAYLOAD: Payload = { kind: PayloadKind.None, bytes: new Uint8Array(0) };
