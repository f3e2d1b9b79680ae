// Every bad input to the array operations gets a coded error that names the problem, before any
// element is written: shapes, dtypes, scalars, non-arrays, closed and read-only arrays, unknown
// map functions, arity and options, integer division by zero, empty reductions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { rejection } from './helpers/rejection.js';

const { add, sub, div, axpy, map, fill, copyTo, sum, min, max, dot, norm, mean, SharedArray, range } = sa;

const err = (name: string, code: string, message?: RegExp): unknown =>
  expect.objectContaining({ name, code, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe('shapes and dtypes', () => {
  it('operands of different shapes: ERR_SHAPE_MISMATCH (RangeError), nothing written', async () => {
    const A = await SharedArray.create('float64', [3, 4]);
    const B = await SharedArray.create('float64', [4, 3]);
    expect(() => add(A, A, B)).toThrow(err('RangeError', 'ERR_SHAPE_MISMATCH', /out is 3×4 but b is 4×3/));
    expect(() => add(A, A.view(':', 0), 1)).toThrow(err('RangeError', 'ERR_SHAPE_MISMATCH', /a 3-element vector/));
    expect(() => copyTo(A, new Float64Array(11))).toThrow(err('RangeError', 'ERR_SHAPE_MISMATCH', /src has 11 elements but dst has 12/));
    expect(() => dot(new Float64Array(3), new Float64Array(4))).toThrow(err('RangeError', 'ERR_SHAPE_MISMATCH'));
    expect([...A.data].every((x) => x === 0)).toBe(true);
    // A typed array of the same length takes the shape: that is not a mismatch.
    expect(add(A, A, new Float64Array(12).fill(1))).toBe(A);
    await Promise.all([A.close(), B.close()]);
  });

  it('operands of different dtypes: ERR_DTYPE_MISMATCH (TypeError); no silent conversion', () => {
    expect(() => add(new Float64Array(2), new Float64Array(2), new Float32Array(2))).toThrow(
      err('TypeError', 'ERR_DTYPE_MISMATCH', /out is float64 but b is float32/),
    );
    expect(() => copyTo(new Int32Array(2), new Uint32Array(2))).toThrow(err('TypeError', 'ERR_DTYPE_MISMATCH'));
    expect(() => dot(new Int8Array(2), new Uint8Array(2))).toThrow(err('TypeError', 'ERR_DTYPE_MISMATCH'));
    expect(() => add(new Uint8Array(2), new Uint8ClampedArray(2), 1)).toThrow(err('TypeError', 'ERR_DTYPE_MISMATCH'));
  });

  it('more than 32 dimensions: ERR_INVALID_DIMS', async () => {
    const S = await SharedArray.create('uint8', Array(33).fill(1));
    expect(() => fill(S, 1)).toThrow(err('RangeError', 'ERR_INVALID_DIMS'));
    await S.close();
  });
});

describe('scalars', () => {
  it('the wrong kind of scalar: ERR_INVALID_VALUE (TypeError)', () => {
    expect(() => fill(new BigInt64Array(2), 1)).toThrow(err('TypeError', 'ERR_INVALID_VALUE', /write 1n/));
    expect(() => add(new Float64Array(2), new Float64Array(2), 1n)).toThrow(err('TypeError', 'ERR_INVALID_VALUE'));
    expect(() => fill(new Float64Array(2), '1' as never)).toThrow(err('TypeError', 'ERR_INVALID_VALUE'));
    expect(() => axpy(null as never, new Float64Array(2), new Float64Array(2))).toThrow(err('TypeError', 'ERR_INVALID_VALUE'));
  });

  it('a scalar the dtype cannot hold: ERR_INVALID_VALUE (RangeError), never rounded or wrapped', () => {
    const cases: [unknown, () => unknown][] = [
      [1.5, () => fill(new Int32Array(2), 1.5)],
      [300, () => add(new Int8Array(2), new Int8Array(2), 300)],
      [-1, () => sub(new Uint8Array(2), -1, new Uint8Array(2))],
      [256, () => fill(new Uint8ClampedArray(2), 256)],
      [NaN, () => fill(new Uint16Array(2), NaN)],
      [2n ** 64n, () => fill(new BigUint64Array(2), 2n ** 64n)],
      [-1n, () => fill(new BigUint64Array(2), -1n)],
      [2n ** 63n, () => axpy(2n ** 63n, new BigInt64Array(2), new BigInt64Array(2))],
    ];
    for (const [v, f] of cases) expect(f, String(v)).toThrow(err('RangeError', 'ERR_INVALID_VALUE'));
    // Floats take any number (float32 rounds it).
    expect([...fill(new Float32Array(1), 0.1)]).toEqual([Math.fround(0.1)]);
  });
});

describe('arrays that cannot be used', () => {
  it('not an array: ERR_INVALID_ARG (TypeError)', () => {
    for (const bad of [[1, 2, 3], 'abc', null, undefined, {}, new DataView(new ArrayBuffer(8)), new ArrayBuffer(8)]) {
      expect(() => add(bad as never, new Float64Array(3), 1)).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
      expect(() => sum(bad as never)).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
    }
    expect(() => add(new Float64Array(3), new Float64Array(3), 'x' as never)).toThrow(err('TypeError', 'ERR_INVALID_ARG', /b must be a number/));
    expect(() => axpy(1, 2 as never, new Float64Array(1))).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
  });

  it('a closed SharedArray, or a view of one: ERR_ARRAY_CLOSED', async () => {
    const S = await SharedArray.create('int32', [2, 2]);
    const V = S.view(':', 1);
    await S.close();
    expect(() => fill(S, 1)).toThrow(err('Error', 'ERR_ARRAY_CLOSED', /fill: x is a SharedArray \(2×2\) that is closed/));
    expect(() => sum(V)).toThrow(err('Error', 'ERR_ARRAY_CLOSED'));
    expect(await rejection(sum(S, { parallel: true }))).toMatchObject({ code: 'ERR_ARRAY_CLOSED' });
  });

  it('a read-only file array can be read, not written: ERR_READ_ONLY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-ops-'));
    try {
      const path = join(dir, 'ro.bin');
      writeFileSync(path, new Float64Array([1, 2, 3]));
      const R = await SharedArray.fromFile(path, 'float64', 3, { mode: 'r' });
      expect(sum(R)).toBe(6);
      expect(() => fill(R, 0)).toThrow(err('TypeError', 'ERR_READ_ONLY'));
      expect(() => map('neg', R.view(range(0, 2)))).toThrow(err('TypeError', 'ERR_READ_ONLY'));
      expect(() => axpy(1, new Float64Array(3), R)).toThrow(err('TypeError', 'ERR_READ_ONLY'));
      expect([...R.data]).toEqual([1, 2, 3]);
      await R.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('operation-specific errors', () => {
  it('integer division by zero: ERR_DIVIDE_BY_ZERO before anything is written', () => {
    const out = new Int16Array([7, 7, 7]);
    expect(() => div(out, new Int16Array([1, 2, 3]), new Int16Array([1, 0, 1]))).toThrow(err('RangeError', 'ERR_DIVIDE_BY_ZERO', /element 1/));
    expect([...out]).toEqual([7, 7, 7]);
    expect(() => div(out, out, 0)).toThrow(err('RangeError', 'ERR_DIVIDE_BY_ZERO'));
    expect(() => div(new BigUint64Array(1), new BigUint64Array(1), new BigUint64Array(1))).toThrow(err('RangeError', 'ERR_DIVIDE_BY_ZERO'));
    // Floats divide by zero the IEEE way.
    expect([...div(new Float64Array(2), new Float64Array([1, 0]), 0)]).toEqual([Infinity, NaN]);
  });

  it('map: an unknown function (ERR_INVALID_ARG), a float-only one on integers (ERR_INVALID_DTYPE)', () => {
    expect(() => map('cbrt' as never, new Float64Array(2))).toThrow(err('TypeError', 'ERR_INVALID_ARG', /'neg', 'abs'/));
    expect(() => map('copy' as never, new Float64Array(2))).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
    expect(() => map(Math.sqrt as never, new Float64Array(2))).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
    expect(() => map('sqrt', new Int32Array(2))).toThrow(err('TypeError', 'ERR_INVALID_DTYPE', /needs a float64 or float32 array, got int32/));
  });

  it('min and max of nothing: ERR_EMPTY', () => {
    expect(() => min(new Float64Array(0))).toThrow(err('RangeError', 'ERR_EMPTY'));
    expect(() => max(new BigInt64Array(0))).toThrow(err('RangeError', 'ERR_EMPTY'));
    expect(mean(new Float64Array(0))).toBeNaN();
    expect(norm(new Float64Array(0))).toBe(0);
  });
});

describe('arity and options', () => {
  it('too few or too many arguments: ERR_INVALID_ARG naming the signature', () => {
    expect(() => (add as (...a: unknown[]) => unknown)(new Float64Array(1), 1)).toThrow(err('TypeError', 'ERR_INVALID_ARG', /add expects \(out, a, b\)/));
    expect(() => (sum as (...a: unknown[]) => unknown)()).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
    expect(() => (fill as (...a: unknown[]) => unknown)(new Float64Array(1), 1, 2, 3)).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
  });

  it('unknown options and a non-boolean parallel: ERR_INVALID_ARG', () => {
    expect(() => sum(new Float64Array(1), { paralel: true } as never)).toThrow(err('TypeError', 'ERR_INVALID_ARG', /unknown option "paralel"/));
    expect(() => sum(new Float64Array(1), { parallel: 'yes' } as never)).toThrow(err('TypeError', 'ERR_INVALID_ARG'));
    // { parallel: false } is the serial call.
    expect(sum(new Float64Array([1, 2]), { parallel: false })).toBe(3);
  });

  it('parallel on arrays of this process only: a rejected Promise, ERR_INVALID_ARG', async () => {
    const e = await rejection(sum(new Float64Array(4), { parallel: true }));
    expect(e).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG', message: expect.stringMatching(/Float64Array of this process only/) });
  });
});

describe("the addon's own guard over layouts", () => {
  // The addon's entry points (native/ops.cc) called directly with layouts no src/ops/ caller
  // builds: each gets a RangeError with code ERR_INVALID_ARG, never a read outside the buffer, an
  // endless walk or undefined behaviour. They run in a child process with a deadline, so that a
  // regression shows as a failure (a crash or a timeout), not as a hung or crashed test process.
  it('a hostile layout: dims negative, fractional, NaN or huge, strides whose products or sums overflow', () => {
    const kernelsUrl = new URL('../dist/src/ops/kernels.js', import.meta.url).href;
    const script = `
      import { kernels, codeOf } from ${JSON.stringify(kernelsUrl)};
      const k = kernels();
      const x = new Float64Array(16).fill(1);
      const y = new Float64Array(16);
      const sum = codeOf('reduce', 'sum');
      const L = (...v) => Float64Array.from(v);
      const cases = {
        'dims 2^33+1, stride 2^31 (the reach wraps to 0)': () => k.opsReduce(sum, x, L(1, 2 ** 33 + 1, 0, 2 ** 31), 0, 2),
        'two reaches of 2^62 (their sum wraps)': () => k.opsReduce(sum, x, L(2, 3, 3, 0, 2 ** 61, 2 ** 61), 0, 2),
        'negative dims (an endless walk)': () => k.opsReduce(sum, x, L(2, -1, -1, 0, 0, -1), 0, 1),
        'a NaN dim': () => k.opsReduce(sum, x, L(1, NaN, 0, 1), 0, 1),
        'a fractional dim': () => k.opsReduce(sum, x, L(1, 2.5, 0, 1), 0, 1),
        'an infinite stride': () => k.opsReduce(sum, x, L(1, 2, 0, Infinity), 0, 2),
        'a fractional offset': () => k.opsReduce(sum, x, L(1, 2, 0.5, 1), 0, 2),
        'more elements than an int64 counts': () => k.opsReduce(sum, x, L(2, 2 ** 40, 2 ** 40, 0, 0, 0), 0, 1),
        'a NaN number of dimensions': () => k.opsReduce(sum, x, L(NaN, 1, 0, 1), 0, 1),
        'too many dimensions': () => k.opsReduce(sum, x, L(33), 0, 1),
        'an element range outside the shape': () => k.opsReduce(sum, x, L(1, 4, 0, 1), 0, 5),
        'unary: negative dims': () => k.opsUnary(codeOf('unary', 'copy'), y, x, L(2, -1, -1, 0, 0, -1, 0, 0, -1), 0, 1),
        'binary: a wrapped reach': () => k.opsBinary(codeOf('binary', 'add'), y, x, x, L(1, 2 ** 33 + 1, 0, 2 ** 31, 0, 2 ** 31, 0, 2 ** 31), 0, 2),
        'axpy: a wrapped reach': () => k.opsAxpy(2, x, y, L(1, 2 ** 33 + 1, 0, 2 ** 31, 0, 2 ** 31, 0, 2 ** 31), 0, 2),
        'dot: a wrapped reach': () => k.opsDot(x, y, L(1, 2 ** 33 + 1, 0, 2 ** 31, 0, 2 ** 31), 0, 2),
      };
      const out = {};
      for (const [what, call] of Object.entries(cases)) {
        try {
          out[what] = { returned: String(call()) };
        } catch (e) {
          out[what] = { name: e.name, code: e.code, message: e.message };
        }
      }
      // And a well-formed layout still works: a 4x2 view with strides 1, 8 sums 8 ones.
      out.good = k.opsReduce(sum, x, L(2, 4, 2, 0, 1, 8), 0, 8);
      console.log(JSON.stringify(out));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, `the child was stopped by a signal: ${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out.good).toBe(8);
    delete out.good;
    for (const [what, result] of Object.entries(out)) {
      expect(result, what).toMatchObject({ name: 'RangeError', code: 'ERR_INVALID_ARG', message: expect.stringMatching(/malformed layout|reaches outside|element range/) });
    }
    expect(Object.keys(out).length).toBe(15);
  });
});
