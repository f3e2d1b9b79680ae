// everywhere: functions and modules on every process, explicit targets, errors collected in a
// CompositeException ordered by pid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { whoAmI, callsSoFar } from './fixtures/runtime-module.mjs';

const { addprocs, rmprocs, workers, procs, myid, remotecallFetch, everywhere, CompositeException, RemoteException } = sa;
const g = globalThis as Record<string, unknown>;

let a = 0;
let b = 0;
beforeAll(async () => {
  [a, b] = (await addprocs(2)) as [number, number];
});
afterAll(removeAllWorkers);

describe('everywhere(f)', () => {
  it('runs on every process, the master included', async () => {
    await everywhere(() => void ((globalThis as Record<string, unknown>).definedEverywhere = myid() * 10));
    expect(g.definedEverywhere).toBe(10);
    for (const p of [a, b]) expect(await remotecallFetch(() => (globalThis as Record<string, unknown>).definedEverywhere, p)).toBe(p * 10);
  });

  it('runs only on the given procs, once per mention', async () => {
    await everywhere(() => void ((globalThis as Record<string, unknown>).onlyHere = ((globalThis as Record<string, unknown>).onlyHere as number ?? 0) + 1), { procs: [a, a] });
    expect(await remotecallFetch(() => (globalThis as Record<string, unknown>).onlyHere, a)).toBe(2);
    expect(await remotecallFetch(() => (globalThis as Record<string, unknown>).onlyHere, b)).toBeUndefined();
    expect(g.onlyHere).toBeUndefined();
    await expect(everywhere(() => 1, { procs: [0] })).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG' });
  });

  it('runs each listed occurrence, this process included (julia#22589)', async () => {
    await everywhere(() => void ((globalThis as Record<string, unknown>).runs = ((globalThis as Record<string, unknown>).runs as number ?? 0) + 1), { procs: [1, a, 1, 1, a] });
    expect(g.runs).toBe(3);
    expect(await remotecallFetch(() => (globalThis as Record<string, unknown>).runs, a)).toBe(2);
  });

  it('collects errors in a CompositeException ordered by pid, each a RemoteException', async () => {
    const e = await everywhere(() => {
      if (myid() !== workers()[0]) throw new Error(`failed on ${myid()}`);
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CompositeException);
    expect(e).toBeInstanceOf(AggregateError);
    const errs = (e as AggregateError).errors as sa.RemoteException[];
    expect(errs.map((x) => x.pid)).toEqual([1, b]);
    for (const x of errs) {
      expect(x).toBeInstanceOf(RemoteException);
      expect(x.cause.message).toBe(`failed on ${x.pid}`);
    }
    expect((e as Error).message).toContain('failed on 1');
    // Ordered by pid whatever the list order.
    const e2 = await everywhere(() => {
      throw new Error(`x${myid()}`);
    }, { procs: [b, 1, a] }).catch((x: unknown) => x as AggregateError);
    expect((e2 as AggregateError).errors.map((x: { pid: number }) => x.pid)).toEqual([1, a, b]);
  });
});

describe('everywhere(specifier)', () => {
  it('loads a module on every process; its exports travel by reference and use module state', async () => {
    await everywhere('./test/fixtures/runtime-module.mjs'); // relative to process.cwd()
    expect(await remotecallFetch(whoAmI, a)).toEqual({ pid: a, secret: 'module-local', calls: 1 });
    expect(await remotecallFetch(whoAmI, a)).toEqual({ pid: a, secret: 'module-local', calls: 2 });
    expect(await remotecallFetch(whoAmI, b)).toEqual({ pid: b, secret: 'module-local', calls: 1 });
    expect(await remotecallFetch(callsSoFar, a)).toBe(2);
    // A worker sends it on to another worker by reference too.
    expect(await remotecallFetch((f: typeof whoAmI, p: number) => remotecallFetch(f, p), a, whoAmI, b)).toMatchObject({ pid: b, calls: 2 });
  });

  it('a process added later does not have it: the error names the fix', async () => {
    await everywhere(new URL('./fixtures/runtime-module.mjs', import.meta.url));
    const [c] = await addprocs(1);
    const e = await remotecallFetch(whoAmI, c!).catch((x: unknown) => x as sa.RemoteException);
    expect(e).toBeInstanceOf(RemoteException);
    expect((e as sa.RemoteException).cause).toBeInstanceOf(ReferenceError);
    expect((e as Error).message).toContain('everywhere');
    await everywhere('./test/fixtures/runtime-module.mjs', { procs: [c!] });
    expect(await remotecallFetch(whoAmI, c!)).toMatchObject({ pid: c, calls: 1 });
    await rmprocs(c!);
    expect(procs()).toEqual([1, a, b]);
  });

  it('a module that cannot be loaded fails everywhere, in pid order', async () => {
    const e = await everywhere('./test/fixtures/does-not-exist.mjs').catch((x: unknown) => x as AggregateError);
    expect(e).toBeInstanceOf(CompositeException);
    expect((e as AggregateError).errors.map((x: { pid: number }) => x.pid)).toEqual([1, a, b]);
    await expect(everywhere('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});
