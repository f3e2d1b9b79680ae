// SharedArray views (src/shared/view.ts, view-handle.ts): geometry of ranges, steps (negative
// too), dropped and 0-d dimensions; nesting; get/set/toArray; printing; every bad index with its
// code; and views travelling to workers as views over their own mapping, never as copies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as sa from 'sharedarrays';
import { sharedArrayViewHandleType } from '../dist/src/shared/view-handle.js';
import { useWorkers } from './helpers/cluster.js';
import { rejection } from './helpers/rejection.js';
import { rng } from './helpers/ops-reference.js';

const { SharedArray, SharedArrayView, range, Range, remotecallFetch, myid } = sa;
type SA<D extends sa.DType> = sa.SharedArray<D>;
type View<D extends sa.DType> = sa.SharedArrayView<D>;

/** A 4×5×3 int32 array whose element (i, j, k) holds 100·i + 10·j + k. */
async function numbered(pids?: number[]): Promise<SA<'int32'>> {
  const S = await SharedArray.create('int32', [4, 5, 3], pids ? { pids } : {});
  for (let k = 0; k < 3; k++) for (let j = 0; j < 5; j++) for (let i = 0; i < 4; i++) S.set(i, j, k, 100 * i + 10 * j + k);
  return S;
}

const code = (code: string, name = 'RangeError'): unknown => expect.objectContaining({ name, code });

describe('geometry', () => {
  it('ranges, steps, dropped dimensions and whole dimensions', async () => {
    const S = await numbered();
    const V = S.view(range(1, 4), ':', 2);
    expect([V.dims, V.strides, V.offset, V.length]).toEqual([[3, 5], [1, 4], 1 + 2 * 20, 15]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) expect(V.get(i, j)).toBe(S.get(1 + i, j, 2));
    const R = S.view(range(3, -1, -1), range(4, -1, -2), ':'); // reversed rows, every other column backwards
    expect([R.dims, R.strides, R.offset]).toEqual([[4, 3, 3], [-1, -8, 20], 3 + 4 * 4]);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) expect(R.get(i, j, k)).toBe(S.get(3 - i, 4 - 2 * j, k));
    expect(S.view(':', ':', ':').isContiguous).toBe(true);
    expect(S.view(':', range(1, 3), 1).isContiguous).toBe(true);
    expect(V.isContiguous).toBe(false);
    await S.close();
  });

  it('a number in every dimension makes a 0-d view of one element', async () => {
    const S = await numbered();
    const E = S.view(2, 3, 1);
    expect([E.dims, E.length, E.get(), E.get(0)]).toEqual([[], 1, 231, 231]);
    E.set(-7);
    expect(S.get(2, 3, 1)).toBe(-7);
    expect(inspect(E)).toBe('0-dimensional view(::SharedArray{int32,3}, 2, 3, 1) with eltype int32:\n-7');
    await S.close();
  });

  it('nested views compose into one view of the parent', async () => {
    const S = await numbered();
    const V = S.view(range(0, 4), range(4, -1, -1), 0);
    const W = V.view(range(3, 0, -2), range(1, 5, 2)); // rows 3,1 of V; its columns 1,3
    expect(W.parent).toBe(S);
    expect(W.dims).toEqual([2, 2]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(W.get(i, j)).toBe(V.get(3 - 2 * i, 1 + 2 * j));
    expect(W.indices.map(String)).toEqual(['range(3, 0, -2)', 'range(3, 0, -2)', '0']);
    await S.close();
  });

  it('random nested views agree with index-by-index gathering', async () => {
    const r = rng(7);
    const pick = (n: number): number => Math.floor(r() * n);
    const S = await SharedArray.create('float64', [5, 4, 6], { init: (A) => A.data.forEach((_, k, d) => { d[k] = k; }) });
    for (let trial = 0; trial < 200; trial++) {
      // Each level keeps, per kept dimension, the list of parent linear contributions it shows.
      let view: SA<'float64'> | View<'float64'> = S;
      let lists: number[][] = [[0, 1, 2, 3, 4], [0, 5, 10, 15], [0, 20, 40, 60, 80, 100]];
      for (let level = 0; level < 3 && lists.length > 0; level++) {
        const spec = lists.map((l) => {
          const n = l.length;
          if (n === 0 || r() < 0.2) return ':';
          if (r() < 0.2) return pick(n);
          const step = (1 + pick(3)) * (r() < 0.5 ? -1 : 1);
          const start = pick(n);
          const stop = step > 0 ? start + pick(n - start + 1) : start - pick(start + 2);
          return range(start, stop, step);
        });
        view = view.view(...spec);
        lists = spec.flatMap((ix, d): number[][] => {
          const l = lists[d]!;
          if (ix === ':') return [l];
          if (typeof ix === 'number') return [];
          return [ix.toArray().map((k) => l[k]!)];
        });
      }
      // Every element of the final view, column-major: its offset (the first element, which
      // includes the dropped indices) plus each kept dimension's step away from its first index.
      const got = [...(view as View<'float64'>).toArray()];
      const base = (view as View<'float64'>).offset;
      const firsts = lists.map((l) => l[0] ?? 0);
      const expected: number[] = [];
      const dims = lists.map((l) => l.length);
      const total = dims.reduce((a, b) => a * b, 1);
      for (let k = 0; k < total; k++) {
        let rest = k;
        let at = base;
        lists.forEach((l, d) => {
          const i = rest % dims[d]!;
          rest = Math.floor(rest / dims[d]!);
          at += l[i]! - firsts[d]!;
        });
        expected.push(at);
      }
      expect(got).toEqual(expected);
    }
    await S.close();
  });
});

describe('elements', () => {
  it('get and set by indices or one linear index, writing the parent', async () => {
    const S = await numbered();
    const V = S.view(':', range(0, 5, 2), 1);
    expect(V.get(5)).toBe(V.get(1, 1));
    V.set(3, 2, 999);
    expect(S.get(3, 4, 1)).toBe(999);
    V.set(0, -1);
    expect(S.get(0, 0, 1)).toBe(-1);
    expect(() => V.get(4, 0)).toThrow(code('ERR_INDEX_OUT_OF_RANGE'));
    expect(() => V.get(12)).toThrow(code('ERR_INDEX_OUT_OF_RANGE'));
    expect(() => V.get(1, 1, 1)).toThrow(code('ERR_INVALID_ARG'));
    // As S.set: an int32 element refuses a value it cannot hold exactly, and nothing is written.
    expect(() => V.set(0, 0, 1.5 as never)).toThrow(code('ERR_INVALID_VALUE', 'RangeError'));
    expect(S.get(0, 0, 1)).toBe(-1);
    expect(() => V.set(0, 0, 'x' as never)).toThrow(code('ERR_INVALID_VALUE', 'TypeError'));
    await S.close();
  });

  it('toArray copies column-major into a new typed array of the dtype', async () => {
    const S = await numbered();
    const V = S.view(range(3, 0, -2), range(1, 3), 2);
    const a = V.toArray();
    expect(a).toBeInstanceOf(Int32Array);
    expect([...a]).toEqual([312, 112, 322, 122]);
    a[0] = 0;
    expect(S.get(3, 1, 2)).toBe(312); // a copy
    expect([...S.view(range(1, 1), ':', ':').toArray()]).toEqual([]);
    await S.close();
  });

  it('prints like a SharedArray, with Julia\'s view summary', async () => {
    const S = await numbered();
    expect(inspect(S.view(range(0, 3, 2), ':', 0))).toBe(
      ['2×5 view(::SharedArray{int32,3}, range(0, 3, 2), :, 0) with eltype int32:', '   0   10   20   30   40', ' 200  210  220  230  240'].join('\n'),
    );
    expect(inspect(S.view(1, range(0, 3), 2))).toBe(['3-element view(::SharedArray{int32,3}, 1, range(0, 3), 2) with eltype int32:', ' 102', ' 112', ' 122'].join('\n'));
    const V = S.view(':', 0, 0);
    await S.close();
    expect(inspect(V)).toBe('4-element view(::SharedArray{int32,3}, :, 0, 0) with eltype int32 (closed)');
  });
});

describe('bad indices and unusable parents', () => {
  it('coded errors naming the index and the fix', async () => {
    const S = await numbered();
    expect(() => S.view(0, 0)).toThrow(code('ERR_INVALID_ARG'));
    expect(() => S.view(':', ':', ':', ':')).toThrow(code('ERR_INVALID_ARG'));
    for (const bad of ['x', 1.5, 2n, null, [0, 1], { start: 0 }]) {
      expect(() => S.view(bad as never, ':', ':')).toThrow(code('ERR_INVALID_ARG', 'TypeError'));
    }
    expect(() => S.view(4, ':', ':')).toThrow(code('ERR_INDEX_OUT_OF_RANGE'));
    expect(() => S.view(-1, ':', ':')).toThrow(code('ERR_INDEX_OUT_OF_RANGE'));
    expect(() => S.view(':', range(0, 6), ':')).toThrow(code('ERR_INDEX_OUT_OF_RANGE'));
    expect(() => S.view(range(2, -2, -1), ':', ':')).toThrow(code('ERR_INDEX_OUT_OF_RANGE'));
    expect(() => S.view(':', ':', 1).view(range(0, 5), ':')).toThrow(code('ERR_INDEX_OUT_OF_RANGE'));
    expect(() => S.view(':', ':', 1).view(0, 5)).toThrow(/dimension 1 of a 4×5 array: indices there run from 0 to 4/);
    // Empty ranges fit anywhere, even past the end.
    expect(S.view(range(9, 9), ':', ':').length).toBe(0);
    await S.close();
  });

  it('a closed parent: no new views, and old ones throw ERR_ARRAY_CLOSED', async () => {
    const S = await numbered();
    const V = S.view(':', 1, 1);
    await S.close();
    expect(() => S.view(':', 1, 1)).toThrow(code('ERR_ARRAY_CLOSED', 'Error'));
    expect(() => V.get(0)).toThrow(code('ERR_ARRAY_CLOSED', 'Error'));
    expect(() => V.set(0, 1)).toThrow(code('ERR_ARRAY_CLOSED', 'Error'));
    expect(() => V.toArray()).toThrow(code('ERR_ARRAY_CLOSED', 'Error'));
  });

  it('a read-only file array: views read, writes throw ERR_READ_ONLY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-view-'));
    try {
      const path = join(dir, 'ro.bin');
      writeFileSync(path, new Int16Array([1, 2, 3, 4, 5, 6]));
      const S = await SharedArray.fromFile(path, 'int16', [2, 3], { mode: 'r' });
      const V = S.view(1, ':');
      expect([...V.toArray()]).toEqual([2, 4, 6]);
      expect(() => V.set(0, 9)).toThrow(code('ERR_READ_ONLY', 'TypeError'));
      await S.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('views travel to other processes as views', () => {
  const ws = useWorkers(3);

  it('a participant gets a view over its own object of the parent, and writes reach everyone', async () => {
    const [p, q] = ws as [number, number];
    const S = await numbered([p, q]);
    const V = S.view(range(3, -1, -1), 2, ':');
    const seen = await remotecallFetch(
      (W: View<'int32'>, T: SA<'int32'>) => {
        const ok = W instanceof SharedArrayView && W.parent === T && T.isMapped;
        W.set(0, 0, -1); // element (3, 2, 0) of the parent
        return { ok, dims: W.dims, strides: W.strides, values: [...W.toArray()] };
      },
      p,
      V,
      S,
    );
    expect(seen).toEqual({ ok: true, dims: [4, 3], strides: [-1, 20], values: [-1, 220, 120, 20, 321, 221, 121, 21, 322, 222, 122, 22] });
    expect(S.get(3, 2, 0)).toBe(-1);
    // Another participant sees that write too, through its own mapping.
    expect(await remotecallFetch((T: SA<'int32'>) => T.get(3, 2, 0), q, S)).toBe(-1);
    await S.close();
  });

  it('sent back, a view arrives over the creator\'s own array; nested views and views inside data travel', async () => {
    const [p] = ws as [number];
    const S = await numbered([p]);
    const V = S.view(':', range(1, 5, 2), 2).view(range(1, 3), ':');
    const back = await remotecallFetch((W: View<'int32'>) => ({ list: [W, W.view(0, ':')], W }), p, V);
    expect(back.W).toBeInstanceOf(SharedArrayView);
    expect(back.W.parent).toBe(S);
    expect(back.W.indices.map(String)).toEqual(V.indices.map(String));
    expect([...back.list[1]!.toArray()]).toEqual([112, 132]);
    expect(back.list[0]!.parent).toBe(S);
    await S.close();
  });

  it('a non-participant gets the view unmapped: element access says why', async () => {
    const [p, , outsider] = ws as [number, number, number];
    const S = await numbered([p]);
    const result = await remotecallFetch(
      (W: View<'int32'>) => {
        try {
          W.get(0);
          return 'read';
        } catch (e) {
          return (e as { code?: string }).code;
        }
      },
      outsider,
      S.view(':', 0, 0),
    );
    expect(result).toBe('ERR_NOT_MAPPED');
    await S.close();
  });

  it('a view of a closed array cannot be sent', async () => {
    const S = await numbered([ws[0]!]);
    const V = S.view(0, 0, ':');
    await S.close();
    const e = await rejection(remotecallFetch((W: unknown) => W, ws[0]!, V));
    expect(e).toMatchObject({ code: 'ERR_ARRAY_CLOSED' });
  });

  it('views of worker-created arrays come back to the master as views', async () => {
    const [p] = ws as [number];
    const { V, vals } = await remotecallFetch(async () => {
      const A = await SharedArray.create('float32', [3, 3], { pids: [1, myid()] });
      A.data.forEach((_, k, d) => { d[k] = k; });
      const W = A.view(range(0, 3), 1);
      (globalThis as Record<string, unknown>).__viewParent = A;
      return { V: W, vals: [...W.toArray()] };
    }, p);
    expect(V).toBeInstanceOf(SharedArrayView);
    expect([...V.toArray()]).toEqual(vals);
    expect(vals).toEqual([3, 4, 5]);
    expect(V.parent.pids).toEqual([1, p]);
    await remotecallFetch(() => ((globalThis as Record<string, unknown>).__viewParent as SA<'float32'>).close(), p);
  });

  it('Range is the package\'s own class on arrival', async () => {
    const S = await numbered([ws[0]!]);
    const ok = await remotecallFetch((W: View<'int32'>) => W.indices.every((ix) => typeof ix === 'number' || ix instanceof Range), ws[0]!, S.view(range(0, 4, 3), 1, ':'));
    expect(ok).toBe(true);
    await S.close();
  });
});

describe('a malformed view record from a peer', () => {
  // What a peer sends as a view is checked before anything uses it: a record of the wrong form, or
  // one that does not fit its parent, is the peer's fault (ERR_PROTOCOL), never a plain TypeError
  // or a view that quietly means something else.
  it('is refused with ERR_PROTOCOL, whatever is wrong with it', async () => {
    const S = await numbered();
    const decode = (record: unknown): unknown => sharedArrayViewHandleType.decode(record, undefined as never);
    const records: [string, unknown][] = [
      ['no record', null],
      ['a parent that is not a SharedArray', { parent: {}, indices: [0, 0, 0] }],
      ['indices that are not a list', { parent: S, indices: 'x' }],
      ['a range that is not a triple', { parent: S, indices: [[0, 2], 0, 0] }],
      ['a range of strings', { parent: S, indices: [['a', 1, 1], 0, 0] }],
      ['a fractional index', { parent: S, indices: [0.5, 0, 0] }],
      ['a zero step', { parent: S, indices: [[0, 2, 0], 0, 0] }],
      ['too few indices', { parent: S, indices: [0, 0] }],
      ['an index outside the parent', { parent: S, indices: [9, 0, 0] }],
    ];
    for (const [what, record] of records) {
      let e: unknown;
      try {
        decode(record);
      } catch (err) {
        e = err;
      }
      expect(e, what).toMatchObject({ code: 'ERR_PROTOCOL', message: expect.stringMatching(/received a (malformed SharedArrayView|view that does not fit)/) });
    }
    // A well-formed record still makes the view it describes.
    const V = decode({ parent: S, indices: [[0, 4, 2], 1, 2] }) as View<'int32'>;
    expect([...V.toArray()]).toEqual([12, 212]);
    await S.close();
  });
});
