import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedArray } from 'sharedarrays';

const dir = mkdtempSync(join(tmpdir(), 'sharedarrays-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, name);
const int32s = (path: string): number[] => {
  const b = readFileSync(path);
  return [...new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length))];
};

describe('SharedArray.fromFile', () => {
  it('maps an existing file (default mode r+) and writes reach the file', async () => {
    const path = file('ints.bin');
    writeFileSync(path, new Int32Array(Array.from({ length: 30 }, (_, i) => i + 1)));
    const S = await SharedArray.fromFile(path, 'int32', [6, 5]);
    expect(S.get(0, 1)).toBe(7);
    expect(S.get(5, 4)).toBe(30);
    S.set(0, 0, 100);
    await S.close();
    expect(int32s(path)[0]).toBe(100);
    expect(statSync(path).size).toBe(120);
  });

  it('creates a new file (default mode w+), sized, with init written through', async () => {
    const path = file('new.bin');
    const S = await SharedArray.fromFile(path, 'int32', [3, 4], { init: (A) => {
        for (let i = 0; i < A.data.length; i++) A.data[i] = i * 2;
      },
    });
    await S.close();
    expect(int32s(path)).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
  });

  it('w+ truncates an existing file', async () => {
    const path = file('trunc.bin');
    writeFileSync(path, Buffer.alloc(1000, 9));
    const S = await SharedArray.fromFile(path, 'uint8', 10, { mode: 'w+' });
    expect([...S.data]).toEqual(Array(10).fill(0));
    await S.close();
    expect(statSync(path).size).toBe(10);
  });

  it('a+ with an offset extends the file and leaves the bytes before the offset alone', async () => {
    const path = file('append.bin');
    writeFileSync(path, Buffer.alloc(4, 1));
    const S = await SharedArray.fromFile(path, 'uint8', [5, 6], { offset: 4, mode: 'a+', init: (A) => A.data.fill(2) });
    await S.close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(34);
    expect([...bytes.subarray(0, 4)]).toEqual([1, 1, 1, 1]);
    expect(bytes.subarray(4).every((b) => b === 2)).toBe(true);
  });

  it('reads through an unaligned offset into the middle of a file', async () => {
    const path = file('offset.bin');
    writeFileSync(path, Buffer.from(Array.from({ length: 9000 }, (_, i) => i % 251)));
    const S = await SharedArray.fromFile(path, 'uint8', 10, { offset: 4099, mode: 'r' });
    expect([...S.data]).toEqual(Array.from({ length: 10 }, (_, i) => (4099 + i) % 251));
    await S.close();
  });

  it('mode r reads, refuses set, never writes the file and never extends it', async () => {
    const path = file('ro.bin');
    writeFileSync(path, new Int32Array([5, 6, 7, 8]));
    const S = await SharedArray.fromFile(path, 'int32', 4, { mode: 'r' });
    expect(S.get(3)).toBe(8);
    expect(() => S.set(0, 1)).toThrow(expect.objectContaining({ code: 'ERR_READ_ONLY' }));
    S.data[0] = 99; // a private copy: allowed, harmless, not in the file
    await S.close();
    expect(int32s(path)).toEqual([5, 6, 7, 8]);
    await expect(SharedArray.fromFile(path, 'int32', 5, { mode: 'r' })).rejects.toMatchObject({
      code: 'ERR_FILE',
      message: expect.stringMatching(/has 16 bytes, but the array needs 20/),
    });
    expect(statSync(path).size).toBe(16);
  });

  it('rejects bad paths, modes and combinations with codes', async () => {
    const keep = await SharedArray.create('int32', 3, { init: (A) => A.data.fill(4) });
    await expect(SharedArray.fromFile('data.bin', 'int32', 3)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: expect.stringMatching(/"data.bin" is not an absolute path; try path.resolve\("data.bin"\)/),
    });
    await expect(SharedArray.fromFile(file('m.bin'), 'int32', 3, { mode: 'w' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: 'mode must be one of r, r+, w+, a+; got "w"',
    });
    await expect(SharedArray.fromFile(file('i.bin'), 'int32', 3, { mode: 'r', init: () => {} })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: expect.stringContaining('cannot initialize an unwritable array (mode = r)'),
    });
    await expect(SharedArray.fromFile(file('missing.bin'), 'int32', 3, { mode: 'r' })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(SharedArray.fromFile(file('missing.bin'), 'int32', 3, { mode: 'r+' })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(SharedArray.fromFile(dir, 'int32', 3, { mode: 'r+' })).rejects.toMatchObject({
      code: 'EISDIR',
      message: expect.stringContaining(`cannot open ${dir} (mode r+) for a SharedArray`),
    });
    await expect(SharedArray.fromFile(file('o.bin'), 'int32', 3, { offset: -4 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(SharedArray.fromFile(file('d.bin'), 'nope' as never, 3)).rejects.toMatchObject({ code: 'ERR_INVALID_DTYPE' });
    expect([...keep.data]).toEqual([4, 4, 4]);
    await keep.close();
  });

  it('handles zero-length arrays without mapping, still creating the file', async () => {
    const path = file('empty.bin');
    const S = await SharedArray.fromFile(path, 'float64', [0, 4]);
    expect(S.length).toBe(0);
    expect(statSync(path).size).toBe(0);
    await S.close();
  });

  it('maps exactly 4 GiB of a sparse file, and refuses one byte more with ERR_SHM_TOO_LARGE', async () => {
    const path = file('sparse.bin');
    const S = await SharedArray.fromFile(path, 'uint8', 2 ** 32, { mode: 'w+' });
    S.set(2 ** 32 - 1, 7);
    expect(S.get(2 ** 32 - 1)).toBe(7);
    await S.close();
    await expect(SharedArray.fromFile(path, 'uint8', 2 ** 32 + 1)).rejects.toMatchObject({
      code: 'ERR_SHM_TOO_LARGE',
      message: expect.stringContaining('more than the 4294967296 bytes (4 GiB) one mapping can hold'),
    });
  });
});
