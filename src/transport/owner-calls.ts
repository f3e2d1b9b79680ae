import { coded } from '../core/errors.js';
import { decodeArgs, encodeArgs, type HandOvers } from './codec.js';
import { send } from './connections.js';
import type { Msg, RRID } from './messages.js';
import { replyError, replyValue } from './reply.js';
import { nextRequestId, type ReplyReader, request } from './requests.js';

/**
 * Acting on an object that lives on another process (Distributed.jl's `call_on_owner`): the one
 * way every remote object is operated on — a Future's value, a RemoteChannel's channel, a
 * WorkerPool, a participant's SharedArray mapping. An operation is a function of the
 * owner-operation table the runtime installs (src/runtime.ts); it travels as its index in that
 * table, which is the same in every process, and runs on the target process as
 * `op(from, rr, ...args)` where `rr` names the object and `from` is the calling process.
 * Arguments are short (numbers travel without the serializer) and the answer is a reply like a
 * call's, so an operation costs one small message each way.
 */
export type OwnerOp = (from: number, rr: RRID, ...args: never[]) => unknown;

let ops: readonly OwnerOp[] = [];
let indices = new Map<OwnerOp, number>();

/** Install the owner-operation table (the runtime does, once per process, in the same order everywhere). */
export function configureOwnerOps(table: readonly OwnerOp[]): void {
  ops = table;
  indices = new Map(table.map((op, i) => [op, i]));
}

function indexOf(op: OwnerOp): number {
  const i = indices.get(op);
  if (i === undefined) throw coded(Error, 'ERR_PROTOCOL', `${op.name || 'an operation'} is not in the owner-operation table`);
  return i;
}

/**
 * Run `op` on process `pid` for the object `rr` and read its answer with `read`. The hand-overs of
 * handles and functions among the arguments (reference counts, what `pid` is believed to hold)
 * apply once the message has encoded, as a call's do (remote/calls.ts): an operation too large to
 * send leaves no belief behind that the peer holds a function it never received.
 */
export function callOn<T>(pid: number, op: OwnerOp, rr: RRID, args: readonly unknown[], read: ReplyReader<T>, keepAlive = true): Promise<T> {
  const handOvers: HandOvers = [];
  const msg = { kind: 'owner', reqId: nextRequestId(), rr, op: indexOf(op), args: encodeArgs(args, { peer: pid }, 'operation arguments', handOvers) } as const;
  return request(pid, msg, read, keepAlive, handOvers);
}

/** Run `op` on process `pid` for the object `rr`, expecting no answer (hand-overs as for callOn). */
export function sendOn(pid: number, op: OwnerOp, rr: RRID, args: readonly unknown[]): void {
  const handOvers: HandOvers = [];
  send(pid, { kind: 'owner', reqId: 0, rr, op: indexOf(op), args: encodeArgs(args, { peer: pid }, 'operation arguments', handOvers) }, handOvers);
}

/** Serve an owner operation another process asked for; answer it when it carries a request id. */
export function serveOwnerCall(from: number, m: Extract<Msg, { kind: 'owner' }>): void {
  const answer = m.reqId !== 0;
  const fail = (e: unknown): void => {
    if (answer) replyError(from, m.reqId, e);
    else process.stderr.write(`sharedarrays: operation from process ${from} failed: ${(e as Error)?.message ?? String(e)}\n`);
  };
  let result: unknown;
  const op = ops[m.op];
  try {
    if (!op) throw coded(Error, 'ERR_PROTOCOL', `process ${from} asked for operation #${m.op}, which does not exist`);
    result = op(from, m.rr, ...(decodeArgs(m.args, { peer: from }) as never[]));
  } catch (e) {
    return fail(e);
  }
  if (result instanceof Promise) {
    result.then((v) => answer && replyValue(from, m.reqId, v, op!.name), fail);
  } else if (answer) {
    replyValue(from, m.reqId, result, op!.name);
  }
}
