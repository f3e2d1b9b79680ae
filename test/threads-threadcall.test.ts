// threadcall (Julia's @threadcall): C functions of shared libraries run on libuv's pool while the
// event loop keeps running; bad library, symbol, type and argument errors are coded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { threadcall } from 'sharedarrays';

const libc = 'libc.so.6';
const dir = mkdtempSync(join(tmpdir(), 'sa-threadcall-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('threadcall on libc', () => {
  it('calls functions with integer, string and floating-point arguments and results', async () => {
    expect(await threadcall(libc, 'abs', 'int', ['int'], -42)).toBe(42);
    expect(await threadcall(libc, 'strlen', 'size_t', ['str'], 'sharedarrays')).toBe(12);
    expect(await threadcall('libm.so.6', 'pow', 'double', ['double', 'double'], 2, 10)).toBe(1024);
    expect(await threadcall(libc, 'getpid', 'int', [])).toBe(process.pid);
    expect(await threadcall(libc, 'srand', 'void', ['unsigned int'], 1)).toBeUndefined();
  });

  it('runs on another thread: the event loop goes on while the call blocks', async () => {
    // open() on a FIFO blocks until a writer opens it. The writer is opened here, by the event
    // loop, after the call started: were the call on this thread, it would wait for ever.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const O_RDONLY = 0;
    let settled = false;
    const opened = threadcall(libc, 'open', 'int', ['str', 'int'], fifo, O_RDONLY).finally(() => (settled = true));
    // A turn of the event loop while the call is blocked in open(): it cannot have finished.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    writeFileSync(fifo, 'x'); // opens the FIFO for writing: the reader's open() returns
    const fd = (await opened) as number;
    expect(fd).toBeGreaterThan(2);
    expect(await threadcall(libc, 'close', 'int', ['int'], fd)).toBe(0);
  });

  it('runs calls concurrently on the pool: one waits for another to finish', async () => {
    // Two reader opens on one FIFO and one writer open: both readers return only once the
    // writer's open (also a threadcall) has run, so they must be in flight together.
    const fifo = join(dir, 'fifo2');
    execFileSync('mkfifo', [fifo]);
    const readers = [0, 1].map(() => threadcall(libc, 'open', 'int', ['str', 'int'], fifo, 0));
    const O_WRONLY = 1;
    const writer = threadcall(libc, 'open', 'int', ['str', 'int'], fifo, O_WRONLY);
    const fds = (await Promise.all([...readers, writer])) as number[];
    expect(fds.every((fd) => fd > 2)).toBe(true);
    for (const fd of fds) expect(await threadcall(libc, 'close', 'int', ['int'], fd)).toBe(0);
  });
});

describe('errors', () => {
  it('a library that cannot be loaded is ERR_FFI_LIBRARY, naming it and the fix', async () => {
    await expect(threadcall('libdoesnotexist.so.9', 'f', 'int', [])).rejects.toMatchObject({
      code: 'ERR_FFI_LIBRARY',
      message: expect.stringContaining('libdoesnotexist.so.9'),
    });
  });

  it('a missing symbol is ERR_FFI_SYMBOL', async () => {
    await expect(threadcall(libc, 'no_such_function_here', 'int', [])).rejects.toMatchObject({
      code: 'ERR_FFI_SYMBOL',
      message: expect.stringContaining('no_such_function_here'),
    });
  });

  it('an unknown type name is ERR_FFI_TYPE', async () => {
    await expect(threadcall(libc, 'abs', 'integer', ['int'], 1)).rejects.toMatchObject({ code: 'ERR_FFI_TYPE', message: expect.stringContaining('integer') });
    await expect(threadcall(libc, 'abs', 'int', ['in t'], 1)).rejects.toMatchObject({ code: 'ERR_FFI_TYPE' });
  });

  it('bad arguments are ERR_INVALID_ARG: their number, their kind, and the call itself', async () => {
    await expect(threadcall(libc, 'abs', 'int', ['int'])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('takes 1 argument') });
    await expect(threadcall(libc, 'abs', 'int', ['int'], 'seven')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('abs') });
    await expect(threadcall('', 'abs', 'int', ['int'], 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(threadcall(libc, '', 'int', [], 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(threadcall(libc, 'abs', 'int', 'int' as unknown as string[], 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});
