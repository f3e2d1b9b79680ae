import { coded } from '../core/errors.js';

/**
 * What an interrupt writes into a worker's lifeline: the byte `I` and the interrupt's id as a
 * little-endian u32. The same id travels as the `interrupt` marker message on the master's
 * connection to the worker, behind every call sent before it; the worker's addon reads the record
 * (native/process.cc) and the pair says exactly which calls the interrupt cancels. Whoever holds
 * the lifeline writes the record: the master for its local workers, a host agent for the workers
 * of its host (cluster/host-agent.ts), a user's cluster manager through `WorkerConfig.interruptRecord`.
 */
export const INTERRUPT_RECORD_BYTES = 5;
const TAG = 0x49; // 'I'

/** The record of interrupt `id` (a u32). */
export function interruptRecord(id: number): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) throw coded(TypeError, 'ERR_INVALID_ARG', `interruptRecord: id must be a u32, got ${String(id)}`);
  const record = Buffer.alloc(INTERRUPT_RECORD_BYTES);
  record[0] = TAG;
  record.writeUInt32LE(id, 1);
  return record;
}

/** The id an interrupt record carries; throws ERR_INVALID_ARG when `record` is not one. */
export function interruptIdOf(record: Uint8Array): number {
  if (!(record instanceof Uint8Array) || record.length !== INTERRUPT_RECORD_BYTES || record[0] !== TAG) {
    throw coded(TypeError, 'ERR_INVALID_ARG', 'not an interrupt record (5 bytes: I and a u32 id)');
  }
  return Buffer.from(record.buffer, record.byteOffset, record.length).readUInt32LE(1);
}
