// Runtime work shared by several calls outlives the one that happened to start it, when an interrupt
// cancels that call (core/call-scope.ts): a cancelled call's code never runs again, so nothing
// other callers need may wait on it. On one worker: a Future it owns fetched by a call that is then
// interrupted; a Channel whose waiting taker or putter is interrupted; a WorkerPool (and pmap over
// it) whose worker was taken by a call that is interrupted while it holds it, or while its batch
// runs there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { dialAndWait, fetchAgain, fetchShared, makeShared, newChannel, pmapBatchGated, pmapGated, poolGated, poolWho, putShared, putValue, spinAfterSaying, takeShared, takeValue, whoIs } from './fixtures/interrupt-shared.mjs';
import { removeAllWorkers } from './helpers/cluster.js';

const { addprocs, everywhere, interrupt, remotecallFetch, RemoteChannel, Channel, take, put, isready } = sa;

let w = 0;
let v = 0;
let future: sa.Future<number>;
beforeAll(async () => {
  [w, v] = (await addprocs(2)) as [number, number];
  await everywhere('./test/fixtures/interrupt-shared.mjs');
  future = await remotecallFetch(makeShared, w, [v]);
});
afterAll(removeAllWorkers);

const channel = <T>(): Promise<sa.RemoteChannel<T>> => RemoteChannel.create<T>(() => new Channel<T>(8));

/** The call failed as an interrupted call does. */
async function interrupted(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toMatchObject({ pid: w, cause: { code: 'ERR_INTERRUPTED' } });
}

/** Start `f(log, ...)` on w, wait until it says it waits, interrupt it; it fails as interrupted. */
async function interruptWhileWaiting(f: (log: sa.RemoteChannel<string>, ...rest: never[]) => Promise<unknown>, said: string, ...rest: unknown[]): Promise<sa.RemoteChannel<string>> {
  const log = await channel<string>();
  const p = remotecallFetch(f as (...a: unknown[]) => Promise<unknown>, w, log, ...rest);
  expect(await take(log)).toBe(said);
  await interrupt(w);
  await interrupted(p);
  return log;
}

describe('after an interrupt, what the cancelled call shared still serves the others', () => {
  it('a connection an interrupted call started to dial is made, and serves later calls', async () => {
    // v spins, so it cannot answer w's handshake: w's first call to v waits in the dial.
    const logV = await channel<string>();
    const spinning = remotecallFetch(spinAfterSaying, v, logV);
    expect(await take(logV)).toBe('spinning');
    const log = await interruptWhileWaiting(dialAndWait, 'dialing', v);
    await interrupt(v);
    await expect(spinning).rejects.toMatchObject({ pid: v, cause: { code: 'ERR_INTERRUPTED' } });
    // v answers the handshake now; the dial, which every later call to v waits on, completes.
    expect(await remotecallFetch(whoIs, w, v)).toBe(v);
    expect(await isready(log)).toBe(false);
  });

  it('a Future fetched first by an interrupted call: later fetches get the value', async () => {
    const log = await interruptWhileWaiting(fetchShared, 'fetching');
    await future.put(42); // from the master: the worker's own handle never saw the value
    expect(await remotecallFetch(fetchAgain, w)).toBe(42);
    expect(await isready(log)).toBe(false); // the interrupted call itself never resumed
  });

  it('a Channel never hands a value to an interrupted taker', async () => {
    await remotecallFetch(newChannel, w);
    const log = await interruptWhileWaiting(takeShared, 'taking');
    const putting = remotecallFetch(putValue, w, 'value');
    expect(await remotecallFetch(takeValue, w)).toBe('value');
    expect(await putting).toBe(true);
    expect(await isready(log)).toBe(false);
  });

  it("a Channel drops an interrupted putter's value", async () => {
    await remotecallFetch(newChannel, w);
    const log = await interruptWhileWaiting(putShared, 'putting', 'dropped');
    const taking = remotecallFetch(takeValue, w);
    expect(await remotecallFetch(putValue, w, 'later')).toBe(true);
    expect(await taking).toBe('later');
    expect(await isready(log)).toBe(false);
  });

  it("a pool's worker goes back when the interrupted call's remote call ends", async () => {
    const gate = await channel<number>();
    const log = await interruptWhileWaiting(poolGated, 'pooled', gate);
    await put(gate, 1); // the call on the pool's worker ends now
    expect(await remotecallFetch(poolWho, w)).toBe(v);
    expect(await isready(log)).toBe(false);
    gate.finalize();
  });

  it('a pool worker a cancelled call was still waiting for is given back when it comes', async () => {
    const gate = await channel<number>();
    const log = await channel<string>();
    const holding = remotecallFetch(poolGated, w, log, gate); // takes the pool's one worker
    expect(await take(log)).toBe('pooled');
    const waiting = remotecallFetch(poolWho, w); // waits for it
    expect(await remotecallFetch(() => 1, w)).toBe(1); // both calls are in flight on w by now
    await interrupt(w);
    await Promise.all([interrupted(holding), interrupted(waiting)]);
    await put(gate, 1); // the worker comes back, and is offered to the cancelled waiter first
    expect(await remotecallFetch(poolWho, w)).toBe(v);
    gate.finalize();
  });

  it('pmap interrupted while it holds a pool worker (pulling its items) gives it back', async () => {
    const gate = await channel<number>();
    const log = await interruptWhileWaiting(pmapGated, 'pulling', gate);
    expect(await remotecallFetch(poolWho, w)).toBe(v);
    expect(await isready(log)).toBe(false);
    gate.finalize();
  });

  it("pmap interrupted while its batch runs on the pool's worker: the worker goes back when the batch ends", async () => {
    const gate = await channel<number>();
    const log = await interruptWhileWaiting(pmapBatchGated, 'in a batch', gate);
    await put(gate, 1); // the batch ends now; its results settle for a call that is gone
    expect(await remotecallFetch(poolWho, w)).toBe(v);
    expect(await isready(log)).toBe(false);
    gate.finalize();
  });
});
