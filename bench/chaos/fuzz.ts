import v8 from 'node:v8';
import { addprocs, myid, remotecallFetch, rmprocs, workers } from '../../src/index.js';
import { workerInfo } from '../../src/core/process-table.js';
import { functionRef } from '../../src/remote/function-shipping.js';
import { encodeMsg, type Msg } from '../../src/transport/messages.js';
import { EMPTY_PAYLOAD, PayloadKind } from '../../src/transport/payload.js';
import type { FakePeer } from '../../test/helpers/fake-peer.mjs';
import { between, type Random } from './random.js';

/**
 * Fuzzed frames from an authenticated peer (bench/chaos.ts, part 4): a peer that speaks the real
 * handshake (test/helpers/fake-peer.mjs) and poses as the lower of two workers sends `frames`
 * frames to the higher one, in batches: well-formed messages of every kind with random fields
 * (what an authenticated peer may send, and what only the master may), the same with a few random
 * bytes changed, random bodies, truncated bodies, and now and then a frame whose length header
 * lies (the worker must drop that connection; the peer then connects again). After each batch the
 * peer pings the worker (an owner operation): no answer means the connection was dropped (or waits
 * for bytes a lying header promised), and the peer connects again; every 50 frames the master makes
 * a call to the worker. Counted: the worker's deaths (or hangs: no answer to its master within
 * `deadlineMs`), and its memory growth, measured after a full GC: its JS heap from the first
 * frames to the end (what the worker keeps), and its RSS over the second half of the run (the
 * allocator and V8 grow their reserves with the first thousands of connections, then level off).
 */
export interface FuzzOptions {
  frames: number;
  batch: number;
  deadlineMs: number;
  /** Growth (heap over the run, RSS over its second half) above which the run counts as a failure. */
  maxGrowthMiB: number;
  random: Random;
}

export interface FuzzResult {
  frames: number;
  deaths: number;
  /** Times the worker dropped the peer's connection (expected for frames that break the stream). */
  drops: number;
  /** The worker's memory after the first frames, half way, and at the end (MiB, after a GC). */
  start: Memory;
  middle: Memory;
  end: Memory;
  growthFailed: boolean;
  details: string[];
}

const { fakePeer } = (await import(new URL('../../../test/helpers/fake-peer.mjs', import.meta.url).href)) as typeof import('../../test/helpers/fake-peer.mjs');

const numbers = (xs: number[]): { kind: PayloadKind; bytes: Uint8Array } => ({ kind: PayloadKind.Numbers, bytes: new Uint8Array(new Float64Array(xs).buffer) });
const serialized = (v: unknown): { kind: PayloadKind; bytes: Uint8Array } => ({ kind: PayloadKind.V8, bytes: new Uint8Array(v8.serialize(v)) });

/**
 * Calls' functions as the runtime encodes them (each the call's target: kept by the worker under
 * its id). Never noted as held by anyone (their hand-overs are dropped), so every call defines its
 * function again; with five functions the worker's tables stay small.
 */
const fuzzFunctions: Function[] = [(x: number) => x + 1, (x: number) => x * 2, (x: number) => -x, (x: number) => [x], (x: number) => ({ x })];
const definitions = fuzzFunctions.map((f) => functionRef(f, 0, []));
const sqrt = functionRef(Math.sqrt, 0, []);

/** A well-formed message of a random kind. Function ids stay few, so the worker's tables stay small. */
function message(r: Random, from: number): Msg {
  const host = { key: 'fuzz', name: 'fuzz' };
  const peers = [{ pid: between(r, 0, 9), address: 'nowhere:1', ospid: between(r, 0, 1e6), host: 'fuzz', hostname: 'fuzz' }];
  const id = between(r, 0, 1 << 30);
  const rr = { whence: between(r, 0, 6), id: between(r, 0, 6) };
  switch (between(r, 0, 14)) {
    case 0: {
      const d = definitions[between(r, 0, definitions.length)]!;
      return { kind: 'call', reqId: id, mode: 0, rr: null, fnId: d.fnId, fnDef: d.fnDef, args: serialized([r()]) };
    }
    case 1:
      return { kind: 'call', reqId: 0, mode: 3, rr: null, fnId: definitions[between(r, 0, definitions.length)]!.fnId, fnDef: null, args: numbers([r()]) };
    case 2:
      return { kind: 'call', reqId: id, mode: 0, rr: null, fnId: sqrt.fnId, fnDef: sqrt.fnDef, args: numbers([r() * 100]) };
    case 3:
      return { kind: 'result', reqId: id, ok: r() < 0.5, value: serialized({ a: r() }) };
    case 4:
      return { kind: 'owner', reqId: id, rr, op: between(r, 0, 40), args: numbers([r(), r()]) };
    case 5:
      return { kind: 'clients', deltas: [rr.whence, rr.id, from, r() < 0.5 ? 1 : -1] };
    case 6:
      return { kind: 'forget', fnIds: [between(r, 1, 8)] };
    case 7:
      return { kind: 'join', pid: between(r, 2, 9), topology: 'all_to_all', lazy: true, peers, master: host };
    case 8:
      return { kind: 'joinAck', ospid: id, host };
    case 9:
      return { kind: 'peers', peers, removed: [between(r, 1, 9)] };
    case 10:
      return { kind: 'requestConnect', from, to: between(r, 1, 9) };
    case 11:
      return { kind: 'connectTo', pid: between(r, 1, 9) };
    case 12:
      return { kind: 'interrupt', id };
    default:
      return { kind: 'exit' };
  }
}

/**
 * One fuzzed frame: well-formed, mutated, random, truncated, or (rarely) with a lying length.
 * `waits` when the length promises more bytes than come: the worker then rightly waits for them.
 */
function frame(r: Random, from: number): { bytes: Buffer; waits: boolean } {
  const roll = r();
  const good = encodeMsg(message(r, from));
  if (roll < 0.5) return { bytes: good, waits: false };
  if (roll < 0.8) {
    for (let k = between(r, 1, 5); k > 0; k--) good[between(r, 4, good.length)] = between(r, 0, 256);
    // A changed length header may now promise more than the frame holds.
    return { bytes: good, waits: good.readUInt32LE(0) > good.length - 4 };
  }
  if (roll < 0.9) {
    const body = Buffer.alloc(between(r, 1, 200));
    for (let k = 0; k < body.length; k++) body[k] = between(r, 0, 256);
    body[0] = between(r, 0, 16);
    return { bytes: withLength(body), waits: false };
  }
  if (roll < 0.98) return { bytes: withLength(good.subarray(4, 4 + between(r, 1, good.length - 4))), waits: false };
  const lying = Buffer.from(good);
  const huge = r() < 0.5;
  lying.writeUInt32LE(huge ? between(r, 1 << 28, 2 ** 32) : good.length + between(r, 1, 64), 0);
  return { bytes: lying, waits: !huge };
}

function withLength(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  body.copy(out, 4);
  return out;
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))]).finally(() => clearTimeout(timer));
}

/** A worker's resident set and JS heap in use, MiB. */
export interface Memory {
  rss: number;
  heap: number;
}

/** The worker's memory after a full GC (workers here run with --expose-gc). */
const memory = (w: number): Promise<Memory> =>
  remotecallFetch(() => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
  }, w);

export async function fuzzFrames(opts: FuzzOptions): Promise<FuzzResult> {
  const none = { rss: 0, heap: 0 };
  const r: FuzzResult = { frames: 0, deaths: 0, drops: 0, start: none, middle: none, end: none, growthFailed: false, details: [] };
  let [low, w] = (await addprocs(2, { execArgv: ['--expose-gc'] })) as [number, number];
  let peer: FakePeer | null = null;
  let nextPing = 1;
  /** The peer's answer to a ping: the worker has read everything sent before it. */
  const pinged = async (p: FakePeer): Promise<boolean> => {
    const reqId = 0x7000_0000 + nextPing++;
    p.socket.write(encodeMsg({ kind: 'owner', reqId, rr: { whence: 0, id: 0 }, op: 0, args: EMPTY_PAYLOAD }));
    const answered = new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        p.socket.off('data', check);
        p.socket.off('close', closed);
        resolve(ok);
      };
      // After the fake peer's own listener, which decodes into `received`.
      const check = (): void => void (p.received.some((m) => m.kind === 'result' && m.reqId === reqId) && done(true));
      const closed = (): void => done(false);
      p.socket.on('data', check);
      p.socket.on('close', closed);
      if (p.socket.destroyed) done(false);
    });
    // Not long: a lying length header leaves the worker waiting for bytes that never come.
    return (await withDeadline(answered, Math.min(opts.deadlineMs, 1500))) === true;
  };
  try {
    for (let sent = 0; sent < opts.frames; ) {
      if (!peer || peer.socket.destroyed) peer = await fakePeer(workerInfo(w)!.address, low);
      let waits = false;
      for (let k = 0; k < opts.batch && sent < opts.frames && !waits; k++, sent++) {
        const f = frame(opts.random, low);
        peer.socket.write(f.bytes);
        waits = f.waits;
      }
      r.frames = sent;
      if (waits || !(await pinged(peer))) {
        // Dropped (a frame broke the stream), or the stream is waiting for bytes a lying header
        // promised: connect again.
        r.drops++;
        peer.socket.destroy();
        peer = null;
      }
      // The master checks on the worker now and then (every reconnect already shows it alive).
      if (sent % 50 !== 0 && sent < opts.frames) continue;
      const alive = await withDeadline(
        remotecallFetch(() => myid(), w).catch(() => 0),
        opts.deadlineMs,
      );
      if (alive !== w) {
        r.deaths++;
        r.details.push(`after ${sent} frames, worker ${w} ${alive === 'late' ? 'did not answer its master' : 'was lost'}`);
        await rmprocs(workers().filter((p) => p === low || p === w), { waitfor: 10 }).catch(() => undefined);
        [low, w] = (await addprocs(2, { execArgv: ['--expose-gc'] })) as [number, number];
        peer = null;
        continue;
      }
      if (r.start === none) r.start = await memory(w);
      if (r.middle === none && sent >= opts.frames / 2) r.middle = await memory(w);
    }
    r.end = await memory(w);
    r.growthFailed = r.end.heap - r.start.heap > opts.maxGrowthMiB || r.end.rss - r.middle.rss > opts.maxGrowthMiB;
  } finally {
    peer?.socket.destroy();
    await rmprocs(workers().filter((p) => p === low || p === w)).catch(() => undefined);
  }
  return r;
}
