/**
 * The little bit of Julia's Base (`rand`, `randn`, `A^2`, `1 .+ A`, `sum` as `matsum`, `getindex`,
 * `svdvals`, the REPL's matrix display) that the examples need, in plain TypeScript, no dependency.
 *
 * A matrix is a plain object `{ dims: [m, n], data: Float64Array }`, column-major like Julia's
 * (element (i, j), 0-based, is `data[i + m*j]`), so it travels between processes as it is.
 *
 * Loaded on every process with `everywhere(new URL('./modules/matrices.js', import.meta.url))`,
 * these functions then travel by reference (module + export name), the way Julia's Base
 * functions are simply "there" on every worker.
 */
import { fetch, type Future } from '../../src/index.js';

export interface Matrix {
  dims: [number, number];
  data: Float64Array;
}

/** Julia's `rand(m, n)`: uniform in [0, 1). */
export function rand(m: number, n: number): Matrix {
  const data = new Float64Array(m * n);
  for (let k = 0; k < data.length; k++) data[k] = Math.random();
  return { dims: [m, n], data };
}

/** Julia's `randn(n)`: standard normal samples (Box–Muller). */
export function randn(n: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u = 1 - Math.random();
    out[k] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  }
  return out;
}

/** A matrix from its rows, like Julia's `[2. 1; 1 1]`. */
export function matrix(rows: number[][]): Matrix {
  const m = rows.length;
  const n = rows[0]?.length ?? 0;
  const data = new Float64Array(m * n);
  rows.forEach((row, i) => {
    row.forEach((x, j) => {
      data[i + m * j] = x;
    });
  });
  return { dims: [m, n], data };
}

/** Julia's `getindex(A, i, j)` (0-based). `A` may be a Future of a matrix: it is fetched first. */
export async function getindex(A: Matrix | Future<Matrix>, i: number, j: number): Promise<number> {
  const M = (await fetch(A)) as Matrix;
  return M.data[i + M.dims[0] * j] as number;
}

/** Julia's `s .+ A`. */
export function plus(s: number, A: Matrix): Matrix {
  return { dims: [...A.dims], data: A.data.map((x) => s + x) };
}

/** Julia's `s .* A`. */
export function times(s: number, A: Matrix): Matrix {
  return { dims: [...A.dims], data: A.data.map((x) => s * x) };
}

/** Julia's `A * B`. */
export function matmul(A: Matrix, B: Matrix): Matrix {
  const [m, k] = A.dims;
  const [k2, n] = B.dims;
  if (k !== k2) throw new RangeError(`matmul: dimension mismatch ${m}×${k} * ${k2}×${n}`);
  const a = A.data;
  const b = B.data;
  const c = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    for (let p = 0; p < k; p++) {
      const bpj = b[p + k * j] as number;
      const aoff = m * p;
      const coff = m * j;
      for (let i = 0; i < m; i++) c[coff + i] = (c[coff + i] as number) + (a[aoff + i] as number) * bpj;
    }
  }
  return { dims: [m, n], data: c };
}

/** Julia's `A^2`. */
export function square(A: Matrix): Matrix {
  return matmul(A, A);
}

/**
 * Julia's `sum(A)` for a Matrix. Not named `sum`: that is the package's own reduction (over typed
 * arrays, SharedArrays and views), a name every worker has in scope.
 */
export function matsum(A: Matrix): number {
  let s = 0;
  for (const x of A.data) s += x;
  return s;
}

/** The Frobenius norm, `norm(A)` in Julia. */
export function norm(A: Matrix): number {
  let s = 0;
  for (const x of A.data) s += x * x;
  return Math.sqrt(s);
}

/**
 * Julia's `svdvals(A)`: the singular values, largest first, by one-sided Jacobi rotations
 * (Hestenes): rotate pairs of columns until they are orthogonal; the column norms are then the
 * singular values. Plenty for the examples' small matrices.
 */
export function svdvals(A: Matrix): number[] {
  const [m0, n0] = A.dims;
  // Work on the transpose when A is wide, so there are at least as many rows as columns.
  const wide = n0 > m0;
  const m = wide ? n0 : m0;
  const n = wide ? m0 : n0;
  const U = new Float64Array(m * n);
  for (let i = 0; i < m0; i++) for (let j = 0; j < n0; j++) U[wide ? j + m * i : i + m * j] = A.data[i + m0 * j] as number;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const up = U[p * m + i] as number;
          const uq = U[q * m + i] as number;
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const up = U[p * m + i] as number;
          const uq = U[q * m + i] as number;
          U[p * m + i] = c * up - s * uq;
          U[q * m + i] = s * up + c * uq;
        }
      }
    }
    if (!rotated) break;
  }
  const sv: number[] = [];
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += (U[j * m + i] as number) ** 2;
    sv.push(Math.sqrt(s));
  }
  return sv.sort((x, y) => y - x);
}

/** The REPL's display: `2×2 Matrix{Float64}:` and the rows, columns right-aligned. */
export function show(A: Matrix): string {
  const [m, n] = A.dims;
  const cells: string[][] = [];
  for (let i = 0; i < m; i++) {
    const row: string[] = [];
    for (let j = 0; j < n; j++) row.push(format(A.data[i + m * j] as number));
    cells.push(row);
  }
  const widths = Array.from({ length: n }, (_, j) => Math.max(...cells.map((r) => (r[j] as string).length)));
  const lines = cells.map((r) => ` ${r.map((c, j) => c.padStart(widths[j] as number)).join('  ')}`);
  return [`${m}×${n} Matrix{Float64}:`, ...lines].join('\n');
}

function format(x: number): string {
  if (Number.isInteger(x)) return x.toFixed(1);
  return String(Number(x.toPrecision(6)));
}
