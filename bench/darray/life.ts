/**
 * The seed's "life" cellular automaton ("Distributed Array Operations"): `life_rule` (one
 * generation of a block from the block with a one-cell halo around it), `life_step` over a DArray
 * (each block fetches its halo from its neighbours with `slice`, inside `init`, on its owner),
 * and the serial step it is checked against. The board is a torus (the seed's `mod` indices),
 * column-major uint8 cells, 0 dead and 1 alive. Used by examples/16-darray-life.ts and
 * bench/darray.ts, so both run exactly this code.
 */
import { capture, DArray, procs, type Range } from '../../src/index.js';

/**
 * One generation of the (m-2)×(n-2) inside of `old` (m×n, column-major): a cell lives on with 2
 * or 3 live neighbours and is born with 3 (`nc == 3 || nc == 2 && old[i,j]`).
 */
export function lifeRule(old: Uint8Array, m: number, n: number): Uint8Array {
  const out = new Uint8Array((m - 2) * (n - 2));
  for (let j = 1; j < n - 1; j++) {
    const up = (j - 1) * m;
    const here = j * m;
    const down = (j + 1) * m;
    let k = (j - 1) * (m - 2);
    for (let i = 1; i < m - 1; i++) {
      const nc =
        old[up + i - 1]! + old[up + i]! + old[up + i + 1]! + old[here + i - 1]! + old[here + i + 1]! + old[down + i - 1]! + old[down + i]! + old[down + i + 1]!;
      out[k++] = nc === 3 || (nc === 2 && old[here + i] === 1) ? 1 : 0;
    }
  }
  return out;
}

/** One generation of the whole m×n torus in this process: pad it with its wrapped edges, apply lifeRule. */
export function lifeStepSerial(board: Uint8Array, m: number, n: number): Uint8Array {
  const M = m + 2;
  const old = new Uint8Array(M * (n + 2));
  for (let j = -1; j <= n; j++) {
    const src = ((j + n) % n) * m;
    const dst = (j + 1) * M;
    old.set(board.subarray(src, src + m), dst + 1);
    old[dst] = board[src + m - 1]!;
    old[dst + M - 1] = board[src]!;
  }
  return lifeRule(old, M, n + 2);
}

/**
 * The seed's `life_step(d)`: a new DArray over the same processes whose block I is computed on
 * its owner from `d`'s block I and its halo — the neighbouring rows and columns (wrapping around),
 * fetched with nine `slice`s, as the seed's nine `d[...]` reads. With `timed`, each owner adds
 * the milliseconds it waited for the halo to `globalThis.haloMs` (for bench/darray.ts).
 */
export function lifeStep(d: DArray<'uint8'>, timed = false): Promise<DArray<'uint8'>> {
  const init = capture({ d, lifeRule, timed }, async (I: Range[]) => {
    const [m, n] = d.dims as [number, number];
    const [rows, cols] = I as [Range, Range];
    const top = (rows.start - 1 + m) % m;
    const bot = rows.stop % m;
    const left = (cols.start - 1 + n) % n;
    const right = cols.stop % n;
    const M = rows.length + 2;
    const N = cols.length + 2;
    const started = timed ? performance.now() : 0;
    const [tl, l, bl, t, middle, b, tr, r, br] = await Promise.all([
      d.slice(top, left),
      d.slice(rows, left),
      d.slice(bot, left),
      d.slice(top, cols),
      d.slice(rows, cols),
      d.slice(bot, cols),
      d.slice(top, right),
      d.slice(rows, right),
      d.slice(bot, right),
    ]);
    if (timed) {
      const g = globalThis as { haloMs?: number };
      g.haloMs = (g.haloMs ?? 0) + performance.now() - started;
    }
    const old = new Uint8Array(M * N);
    // Column 0 (left), the middle columns, column N-1 (right); in each, row 0 is the top halo.
    const column = (j: number, top: number, mid: Uint8Array, bottom: number, at: number): void => {
      old[j * M] = top;
      old.set(mid.subarray(at, at + M - 2), j * M + 1);
      old[j * M + M - 1] = bottom;
    };
    column(0, tl[0]!, l, bl[0]!, 0);
    for (let j = 1; j < N - 1; j++) column(j, t[j - 1]!, middle, b[j - 1]!, (j - 1) * (M - 2));
    column(N - 1, tr[0]!, r, br[0]!, 0);
    return lifeRule(old, M, N);
  });
  return DArray.create(init, [...d.dims], { procs: procs(d), dtype: 'uint8' });
}

/** A reproducible random board (about one cell in three alive), so runs can be compared. */
export function randomBoard(m: number, n: number, seed = 1): Uint8Array {
  const board = new Uint8Array(m * n);
  let x = seed >>> 0 || 1;
  for (let k = 0; k < board.length; k++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    board[k] = x % 3 === 0 ? 1 : 0;
  }
  return board;
}
