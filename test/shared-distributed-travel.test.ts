// SharedArray across processes, travel: the one object per process and family, round trips to the
// creator, reshape'd arrays, non-participants, Futures and RemoteChannels, file-backed arrays on
// workers. Worker state is kept in worker globals (globalThis.__name) between calls to compare
// identity.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';

const { addprocs, myid, remotecallFetch, localindices, indexpids, SharedArray, RemoteChannel, Channel, Future } = sa;
type SA<D extends sa.DType> = sa.SharedArray<D>;
type G = Record<string, unknown>;

let ws: number[] = [];
let dir = '';
beforeAll(async () => {
  ws = await addprocs(3);
  dir = mkdtempSync(join(tmpdir(), 'sa-dist-'));
});
afterAll(async () => {
  await removeAllWorkers();
  rmSync(dir, { recursive: true, force: true });
});

// On the worker: keep A under `name` (shipped as is: it uses only its arguments).
const keep = (A: unknown, name: string): void => {
  (globalThis as G)[name] = A;
};
// On the worker: is A the very object kept under `name` by an earlier call?
const sameAs = (A: unknown, name: string): boolean => (globalThis as G)[name] === A;

describe('one object per process', () => {
  it('a participant gets the same object on every arrival; the creator gets its own back', async () => {
    const S = await SharedArray.create('float64', 6, { pids: [ws[0]!, ws[1]!] });
    const w = ws[0]!;
    await remotecallFetch((A: unknown) => {
      (globalThis as G).__first = A;
    }, w, S);
    expect(await remotecallFetch((A: unknown) => (globalThis as G).__first === A, w, S)).toBe(true);
    expect(await remotecallFetch((A: SA<'float64'>) => A, w, S)).toBe(S);
    // The object kept from creation time (init's argument) is the same one, too.
    expect(await remotecallFetch((A: SA<'float64'>) => [A.isMapped, A.isClosed], w, S)).toEqual([true, false]);
    // An array created on a worker, returned to the master and sent back to that worker.
    const made = await remotecallFetch(async () => {
      const A = await SharedArray.create('int32', [2, 2], { pids: [1, myid()], init: (B: SA<'int32'>) => B.data.fill(myid(), localindices(B).start, localindices(B).stop) });
      (globalThis as G).__made = A;
      return A;
    }, w);
    expect([...made.data].sort()).toEqual([1, 1, w, w]);
    expect(made.pids).toEqual([1, w]);
    expect(await remotecallFetch((A: unknown) => (globalThis as G).__made === A, w, made)).toBe(true);
    await remotecallFetch(() => ((globalThis as G).__made as SA<'int32'>).close(), w);
    await S.close();
  });

  it('arrival through a Future: put on a worker, fetched on the master, is the creator\'s object', async () => {
    const S = await SharedArray.create('int16', 4);
    const fut = new Future<SA<'int16'>>();
    await remotecallFetch((f: sa.Future<unknown>, A: unknown) => f.put(A).then(() => undefined), ws[1]!, fut, S);
    expect(await fut.fetch()).toBe(S);
    await S.close();
  });

  it('arrival through a Future that already holds the array: the participant gets its own object', async () => {
    // The master's Future is set (it caches its value), so it travels with the value inline.
    const S = await SharedArray.create('int16', 4);
    const fut = new Future<SA<'int16'>>();
    await fut.put(S);
    const seen = await remotecallFetch(async (f: sa.Future<unknown>, A: unknown) => {
      const B = (await f.fetch()) as SA<'int16'>;
      return { same: B === A, isSharedArray: B instanceof SharedArray };
    }, ws[2]!, fut, S);
    expect(seen).toEqual({ same: true, isSharedArray: true });
    await S.close();
  });

  it('arrival through a RemoteChannel on a non-participant: the taker gets its own object', async () => {
    const [p, q, outsider] = ws as [number, number, number];
    const S = await SharedArray.create('float32', 5, { pids: [p, q], init: (A: SA<'float32'>) => A.data.fill(myid(), localindices(A).start, localindices(A).stop) });
    const ch = await RemoteChannel.create<SA<'float32'>>(() => new Channel(4), outsider);
    await remotecallFetch(keep, q, S, '__viaChannel');
    // The master puts; the channel's store (the outsider) holds an unmapped array; q takes it.
    await ch.put(S);
    expect(
      await remotecallFetch(async (c: sa.RemoteChannel<unknown>) => {
        const A = await c.take();
        return A === (globalThis as G).__viaChannel;
      }, q, ch),
    ).toBe(true);
    // p puts, the master takes: the creator's own object.
    await remotecallFetch((c: sa.RemoteChannel<unknown>, A: unknown) => c.put(A).then(() => undefined), p, ch, S);
    expect(await ch.take()).toBe(S);
    // And the outsider, taking for itself, sees it unmapped.
    await ch.put(S);
    expect(
      await remotecallFetch(async (c: sa.RemoteChannel<unknown>) => {
        const A = (await c.take()) as SA<'float32'>;
        return [A.isMapped, indexpids(A), localindices(A).length, A.pids];
      }, outsider, ch),
    ).toEqual([false, -1, 0, [p, q]]);
    await S.close();
  });
});

describe("reshape'd arrays travel with their dims (G12)", () => {
  it('reshaped on the master, seen on a worker with the new dims and the same memory', async () => {
    const S = await SharedArray.create('int32', [4, 6], { init: (A: SA<'int32'>) => {
        for (const i of localindices(A)) A.data[i] = i;
      },
    });
    const R = S.reshape([2, 12]);
    const w = ws[0]!;
    expect(await remotecallFetch((A: SA<'int32'>) => [A.dims, A.get(1, 11), A.length], w, R)).toEqual([[2, 12], 23, 24]);
    expect(await remotecallFetch((A: SA<'int32'>) => A.dims, w, S)).toEqual([4, 6]);
    // The same object on every arrival, per shape; and the creator's own reshape comes back.
    await remotecallFetch(keep, w, R, '__reshaped');
    expect(await remotecallFetch(sameAs, w, R, '__reshaped')).toBe(true);
    expect(await remotecallFetch((A: unknown) => A, w, R)).toBe(R);
    expect(await remotecallFetch((A: unknown) => A, w, S)).toBe(S);
    // Writes through the reshape on the worker show in the original on the master.
    await remotecallFetch((A: SA<'int32'>) => A.set(0, 0, -5), w, R);
    expect(S.get(0, 0)).toBe(-5);
    await R.close();
    await S.close();
  });

  it('reshaped on a worker and returned: a SharedArray of the new dims over the same memory', async () => {
    const S = await SharedArray.create('float64', [100, 60], { init: (A: SA<'float64'>) => A.data.fill(1) });
    const R = await remotecallFetch((A: SA<'float64'>) => A.reshape([6000]), ws[1]!, S);
    expect(R).toBeInstanceOf(SharedArray);
    expect(R.dims).toEqual([6000]);
    R.set(5999, 4);
    expect(S.get(99, 59)).toBe(4);
    await R.close();
    await S.close();
  });
});

describe('non-participants', () => {
  it('get an unmapped array: indexpids -1, empty localindices, element access throws', async () => {
    const [p, outsider] = [ws[0]!, ws[2]!];
    const S = await SharedArray.create('float64', 11, { pids: [1, p] });
    const seen = await remotecallFetch((A: SA<'float64'>) => {
      const attempt = (f: () => unknown): [string, string | undefined] => {
        try {
          f();
          return ['ok', undefined];
        } catch (e) {
          return [(e as Error).name, (e as { code?: string }).code];
        }
      };
      return {
        isMapped: A.isMapped,
        indexpids: indexpids(A),
        local: localindices(A).length,
        dataLength: A.data.length,
        length: A.length,
        get: attempt(() => A.get(0)),
        set: attempt(() => A.set(0, 1)),
        index: attempt(() => A.index(0)),
        mentions: (() => {
          try {
            A.get(0);
          } catch (e) {
            return /not a participant/.test((e as Error).message);
          }
          return false;
        })(),
      };
    }, outsider, S);
    expect(seen).toEqual({
      isMapped: false,
      indexpids: -1,
      local: 0,
      dataLength: 0,
      length: 11,
      get: ['RangeError', 'ERR_NOT_MAPPED'],
      set: ['RangeError', 'ERR_NOT_MAPPED'],
      index: ['RangeError', 'ERR_NOT_MAPPED'],
      mentions: true,
    });
    // Passing through the outsider does not lose the array: sent on to a participant, it is mapped.
    expect(
      await remotecallFetch((A: SA<'float64'>, to: number) => remotecallFetch((B: SA<'float64'>) => [B.isMapped, indexpids(B)], to, A), outsider, S, p),
    ).toEqual([true, 1]);
    await S.close();
  });
});

describe('a closed array cannot travel', () => {
  it('sending it rejects with ERR_ARRAY_CLOSED on the calling side', async () => {
    const S = await SharedArray.create('uint8', 3);
    await S.close();
    await expect(remotecallFetch((A: unknown) => A, ws[0]!, S)).rejects.toMatchObject({ code: 'ERR_ARRAY_CLOSED' });
  });
});

describe('file-backed arrays on workers', () => {
  it('workers see the content of an existing file; writes reach the file', async () => {
    const path = join(dir, 'existing.bin');
    writeFileSync(path, Buffer.from(Int32Array.from({ length: 30 }, (_, i) => i + 1).buffer));
    const S = await SharedArray.fromFile(path, 'int32', [6, 5]);
    expect(S.pids).toEqual(ws);
    for (const w of ws) {
      expect(await remotecallFetch((A: SA<'int32'>) => [A.get(5, 4), A.data.reduce((a, b) => a + b, 0)], w, S)).toEqual([30, 465]);
    }
    await remotecallFetch((A: SA<'int32'>) => A.set(0, 0, -1), ws[1]!, S);
    await S.close();
    const bytes = readFileSync(path);
    expect(new Int32Array(bytes.buffer, bytes.byteOffset, 30)[0]).toBe(-1);
  });

  it('init on workers writes a new file; the data persists after close', async () => {
    const path = join(dir, 'new.bin');
    const S = await SharedArray.fromFile(path, 'int32', [6, 5], {
      init: (A: SA<'int32'>) => {
        for (const i of localindices(A)) A.data[i] = myid() * 100 + i;
      },
    });
    const expected = Array.from({ length: 30 }, (_, i) => (i < 10 ? ws[0]! : i < 20 ? ws[1]! : ws[2]!) * 100 + i);
    expect([...S.data]).toEqual(expected);
    await S.close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(120);
    expect([...new Int32Array(bytes.buffer, bytes.byteOffset, 30)]).toEqual(expected);
    // Opened again (mode r+ by default now that it exists), workers see the persisted data.
    const again = await SharedArray.fromFile(path, 'int32', [6, 5], { pids: [ws[2]!] });
    expect(await remotecallFetch((A: SA<'int32'>) => A.get(5, 4), ws[2]!, again)).toBe(expected[29]);
    await again.close();
  });

  it('an offset and mode a+ keep the bytes before it', async () => {
    const path = join(dir, 'append.bin');
    writeFileSync(path, Buffer.from([1, 1, 1, 1]));
    const S = await SharedArray.fromFile(path, 'uint8', [5, 6], { offset: 4, mode: 'a+', init: (A: SA<'uint8'>) => A.data.fill(2, localindices(A).start, localindices(A).stop) });
    await S.close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(34);
    expect([...bytes.subarray(0, 4)]).toEqual([1, 1, 1, 1]);
    expect([...bytes.subarray(4)].every((b) => b === 2)).toBe(true);
  });
});
