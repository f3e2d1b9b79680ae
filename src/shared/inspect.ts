import type { DType } from './dtype.js';
import { formatDims } from './layout.js';

/**
 * Julia's `show(io, MIME"text/plain", A)` for arrays, as `util.inspect` output: a summary line,
 * then the elements in right-aligned columns (floats aligned on the point), large arrays elided
 * with ⋮, … and ⋱ to fit Julia's default 24×80 display, N-d arrays as 2-d slices.
 */

// Julia's default displaysize is 24×80; print_matrix keeps 4 rows free and indents rows by " ".
const HEIGHT = 20;
const WIDTH = 79;
const SEP = '  ';
const HDOTS = '  …  ';
const DDOTS = '  ⋱  ';
const DOTS_EVERY = 5;

type Cell = (i: number, j: number) => string;
type Align = [left: number, right: number];

/** The whole text for an array of `dims` whose element at linear index k is `at(k)`. */
export function showArray(typeName: string, dtype: DType, dims: readonly number[], at: (k: number) => number | bigint): string {
  const length = dims.reduce((a, b) => a * b, 1);
  const head = summary(typeName, dims);
  if (length === 0) return head;
  // A 0-d array (a view that took a number in every dimension) holds one element.
  if (dims.length === 0) return `${head}:\n${formatter(dtype, false)(at(0))}`;
  const rows = dims[0] as number;
  const cols = dims.length === 1 ? 1 : (dims[1] as number);
  // Julia prints matrices compactly (6 significant digits), vectors in full.
  const fmt = formatter(dtype, cols > 1);
  const slice = (base: number): Cell => (i, j) => fmt(at(base + i + j * rows));
  if (dims.length <= 2) return `${head}:\n${printMatrix(rows, cols, slice(0)).join('\n')}`;
  return `${head}:\n${showSlices(dims, rows, cols, slice).join('\n')}`;
}

/** Julia's summary: `5-element T` for vectors, `0-dimensional T` for 0-d, `3×4 T` otherwise. */
export function summary(typeName: string, dims: readonly number[]): string {
  if (dims.length === 0) return `0-dimensional ${typeName}`;
  return dims.length === 1 ? `${dims[0]}-element ${typeName}` : `${formatDims(dims)} ${typeName}`;
}

/** N-d arrays: one `[:, :, k...] =` block per trailing index; dims over 10 show 3 + "..." + 3. */
function showSlices(dims: readonly number[], rows: number, cols: number, slice: (base: number) => Cell): string[] {
  const tail = dims.slice(2);
  const out: string[] = [];
  const idx = tail.map(() => 0);
  const sliceSize = rows * cols;
  for (let linear = 0; ; linear++) {
    if (!skipSlice(tail, idx, out)) {
      out.push(`[:, :, ${idx.join(', ')}] =`, ...printMatrix(rows, cols, slice(linear * sliceSize)));
      if (!idx.every((v, d) => v === (tail[d] as number) - 1)) out.push('');
    }
    let d = 0;
    while (d < idx.length && ++(idx[d] as number) === tail[d]) idx[d++] = 0;
    if (d === idx.length) return out;
  }
}

// Julia's show_nd: in a dimension longer than 10 only its first and last 3 indices are shown;
// the first skipped slice prints "..." once, unless an inner dimension is itself elided there.
function skipSlice(tail: readonly number[], idx: readonly number[], out: string[]): boolean {
  for (let d = 0; d < tail.length; d++) {
    const len = tail[d] as number;
    const i = idx[d] as number;
    if (len <= 10) continue;
    if (i === 3 && idx.slice(0, d).every((v) => v === 0)) {
      const innerElided = tail.some((l, e) => e > d && l > 10 && (idx[e] as number) > 2 && (idx[e] as number) < l - 3);
      if (!innerElided) out.push('...', '');
      return true;
    }
    if (i > 2 && i < len - 3) return true;
  }
  return false;
}

/** The rows of an m×n matrix display, elided to fit the display like Julia's print_matrix. */
export function printMatrix(m: number, n: number, cell: Cell): string[] {
  const half = Math.floor(HEIGHT / 2);
  const rowIdx = m > HEIGHT ? [...seq(0, half), ...seq(m - Math.floor((HEIGHT - 1) / 2), m)] : seq(0, m);
  const maxCols = Math.floor(WIDTH / (1 + SEP.length));
  const colIdx = n > maxCols ? [...seq(0, maxCols), ...seq(n - maxCols, n)] : seq(0, n);
  const vdotsAfter = m > HEIGHT ? rowIdx[half - 1] : undefined;
  const all = alignment(rowIdx, colIdx, cell, WIDTH, n);
  const lines: string[] = [];
  if (n <= all.length) {
    for (const i of rowIdx) {
      lines.push(` ${row(cell, i, all, colIdx, n - 1)}`);
      if (i === vdotsAfter) lines.push(` ${vdots(all, (k) => colIdx[k] as number, false)}`);
    }
    return lines;
  }
  // Columns do not fit: as many as fit from the right (half the width), then from the left.
  const rightWidth = Math.floor((WIDTH - HDOTS.length + 1) / 2) + 1;
  const right = alignment(rowIdx, [...colIdx].reverse(), cell, rightWidth, n).reverse();
  const leftWidth = WIDTH - sum(right) - (right.length - 1) * SEP.length - HDOTS.length;
  const left = alignment(rowIdx, colIdx, cell, leftWidth, n);
  const rightCols = seq(n - right.length, n);
  for (const i of rowIdx) {
    const dots = i % DOTS_EVERY === 0 ? HDOTS : ' '.repeat(HDOTS.length);
    lines.push(` ${row(cell, i, left, colIdx, n - 1)}${dots}${row(cell, i, right, rightCols, n - 1)}`);
    if (i === vdotsAfter) {
      const l = vdots(left, (k) => colIdx[k] as number, true);
      lines.push(` ${l}${DDOTS}${vdots(right, (k) => rightCols[k] as number, false)}`);
    }
  }
  return lines;
}

// The matrix's last column gets no right padding, so lines carry no trailing blanks.
function row(cell: Cell, i: number, align: readonly Align[], cols: readonly number[], lastCol: number): string {
  return align
    .map(([l, r], k) => {
      const j = cols[k] as number;
      const s = cell(i, j);
      const [sl, sr] = split(s);
      return ' '.repeat(l - sl) + s + (j === lastCol ? '' : ' '.repeat(r - sr));
    })
    .join(SEP);
}

// A ⋮ under every fifth column (counting from the first), placed at the end of its left part.
function vdots(align: readonly Align[], col: (k: number) => number, padRight: boolean): string {
  return align
    .map(([l, r], k) => {
      const last = k === align.length - 1;
      if (col(k) % DOTS_EVERY !== 0) return last && !padRight ? '' : ' '.repeat(l + r);
      const lead = ' '.repeat(Math.max(0, l - 1));
      return `${lead}⋮${last && !padRight ? '' : ' '.repeat(Math.max(0, l + r - 1 - lead.length))}`;
    })
    .join(SEP);
}

/** Column widths (left of the point, from it) for the leading columns that fit in `width`. */
function alignment(rows: readonly number[], cols: readonly number[], cell: Cell, width: number, n: number): Align[] {
  const a: Align[] = [];
  const total = (): number => sum(a) + SEP.length * a.length;
  for (const j of cols) {
    let l = 0;
    let r = 0;
    for (const i of rows) {
      const [sl, sr] = split(cell(i, j));
      l = Math.max(l, sl);
      r = Math.max(r, sr);
    }
    a.push([l, r]);
    if (a.length > 1 && total() >= width) {
      a.pop();
      break;
    }
  }
  if (a.length > 1 && a.length < n) while (total() >= width) a.pop();
  return a;
}

// Julia aligns reals on the first ".", "e" or "f" (so even "Inf" splits as "In" + "f"): the left
// part right-aligned, the rest left-aligned.
function split(s: string): Align {
  const k = s.search(/[.eEfF]/);
  return k < 0 ? [s.length, 0] : [k, s.length - k];
}

function sum(a: readonly Align[]): number {
  return a.reduce((t, [l, r]) => t + l + r, 0);
}

function seq(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

/** How one element prints: Julia's float style (`1.0`, `1.0e-7`, `Inf`), integers as they are. */
function formatter(dtype: DType, compact: boolean): (v: number | bigint) => string {
  if (dtype === 'float64') return (v) => juliaFloat(compact ? Number((v as number).toPrecision(6)) : (v as number));
  if (dtype === 'float32') return (v) => juliaFloat(shortestFloat32(v as number, compact ? 6 : 9));
  return (v) => String(v);
}

// The shortest decimal that reads back as the same float32 (what Julia prints for Float32).
function shortestFloat32(v: number, maxDigits: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  for (let p = 1; p < maxDigits; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return candidate;
  }
  return Number(v.toPrecision(maxDigits));
}

function juliaFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  const s = Object.is(v, -0) ? '-0' : String(v);
  const [mantissa = s, exp] = s.split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return exp === undefined ? m : `${m}e${exp.replace('+', '')}`;
}
