// Errors: RemoteException with pid, cause and the remote stack, through every call form, remote and
// local; remoteDo errors printed remotely.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sa from 'sharedarrays';
import { removeAllWorkers } from './helpers/cluster.js';
import { waitFor } from './helpers/wait.js';

const { addprocs, myid, remotecall, remotecallFetch, remotecallWait, remoteDo, spawnat, capture, RemoteException } = sa;
type RemoteExc = sa.RemoteException;

let w = 0;
beforeAll(async () => {
  [w] = (await addprocs(1)) as [number];
});
afterAll(removeAllWorkers);

function failingOnWorker(): never {
  throw new Error('foobar');
}

async function caught(p: Promise<unknown>): Promise<RemoteExc> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RemoteException);
  return e as RemoteExc;
}

describe('RemoteException', () => {
  for (const where of ['remote', 'local'] as const) {
    it(`${where}: every call form raises it, with pid, cause and the remote stack`, async () => {
      const pid = where === 'remote' ? w : myid();
      const forms: [string, () => Promise<unknown>][] = [
        ['remotecallFetch', () => remotecallFetch(failingOnWorker, pid)],
        ['remotecallWait', () => remotecallWait(failingOnWorker, pid)],
        ['remotecall + fetch', () => remotecall(failingOnWorker, pid).fetch()],
        ['remotecall + wait', () => remotecall(failingOnWorker, pid).wait()],
        ['spawnat + fetch', () => spawnat(pid, failingOnWorker).fetch()],
        ['async rejection', () => remotecallFetch(capture({ failingOnWorker }, async () => failingOnWorker()), pid)],
      ];
      for (const [, call] of forms) {
        const e = await caught(call());
        expect(e.pid).toBe(pid);
        expect(e.code).toBe('ERR_REMOTE');
        expect(e.name).toBe('RemoteException');
        expect(e.message.startsWith(`On worker ${pid}:`)).toBe(true);
        expect(e.message).toContain('foobar');
        expect(e.cause).toBeInstanceOf(Error);
        expect(e.cause.name).toBe('Error');
        expect(e.cause.message).toBe('foobar');
        expect(e.cause.stack).toContain('failingOnWorker');
        // The printed stack shows the remote frames.
        expect(e.stack).toContain('failingOnWorker');
      }
    });
  }

  it('keeps the remote class name, built-in class, code, and non-Error throws', async () => {
    const t = await caught(remotecallFetch(() => (null as unknown as { x: number }).x, w));
    expect(t.cause).toBeInstanceOf(TypeError);
    const custom = await caught(
      remotecallFetch(() => {
        class DomainError extends Error {
          override name = 'DomainError';
          code = 'E_DOMAIN';
        }
        throw new DomainError('sqrt was called with a negative real argument');
      }, w),
    );
    expect(custom.cause.name).toBe('DomainError');
    expect((custom.cause as Error & { code?: string }).code).toBe('E_DOMAIN');
    expect(custom.message).toBe(`On worker ${w}:\nDomainError: sqrt was called with a negative real argument`);
    const str = await caught(
      remotecallFetch(() => {
        throw 'a string';
      }, w),
    );
    expect(str.cause.message).toContain('a string');
    // A free name the worker lacks (Julia's UndefVarError): a ReferenceError that names the fix.
    const undef = await caught(remotecallFetch(() => (undefinedOnWorker as () => number)(), w));
    expect(undef.cause).toBeInstanceOf(ReferenceError);
    expect(undef.cause.message).toContain('undefinedOnWorker');
    expect(undef.cause.message).toMatch(/everywhere|capture/);
    // ...and the connection serves on.
    expect(await remotecallFetch(() => myid(), w)).toBe(w);
  });

  it('remoteDo errors are printed on the worker (and reach the master as worker output)', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      remoteDo(() => {
        throw new Error('remoteDo failure 1234');
      }, w);
      await waitFor(() => out.mock.calls.some((c) => String(c[0]).includes('remoteDo failure 1234')), { what: 'the forwarded error' });
      const line = out.mock.calls.map((c) => String(c[0])).find((s) => s.includes(`From worker ${w}:`) && s.includes('Error in remoteDo'));
      expect(line).toBeDefined();
    } finally {
      out.mockRestore();
    }
    expect(await remotecallFetch(() => myid(), w)).toBe(w);
  });

  it('a stray unhandled rejection in user code is printed on the worker, which serves on', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      remoteDo(() => {
        void Promise.reject(new Error('stray 5678'));
      }, w);
      await waitFor(() => out.mock.calls.some((c) => String(c[0]).includes('stray 5678')), { what: 'the printed rejection' });
    } finally {
      out.mockRestore();
    }
    expect(await remotecallFetch(() => myid(), w)).toBe(w);
  });
});
declare const undefinedOnWorker: unknown;
