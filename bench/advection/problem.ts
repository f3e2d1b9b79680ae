/**
 * The benchmark's problem instance: deterministic inputs, and the checks that a version computed
 * the right `q`. Every version performs the same float additions in the same order per element,
 * so correct results are bit-identical and are compared exactly.
 */
import type { Float64Array3 } from './kernels.js';

/**
 * Fill `u` entirely and the first time plane of `q` with a pattern that differs along every
 * dimension (so a chunk written to the wrong place, or skipped, shows), and zero the rest of `q`.
 * This also pays the first touch of the pages outside any timed region.
 */
export function fillInputs(q: Float64Array3, u: Float64Array3): void {
  const [n1, n2, n3] = q.dims as [number, number, number];
  const qd = q.data;
  const ud = u.data;
  let k = 0;
  for (let t = 0; t < n3; t++) {
    for (let j = 0; j < n2; j++) {
      for (let i = 0; i < n1; i++, k++) ud[k] = ((i * 7 + j * 13 + t * 17) % 101) * 0.125 - 6;
    }
  }
  k = 0;
  for (let j = 0; j < n2; j++) {
    for (let i = 0; i < n1; i++, k++) qd[k] = ((i * 31 + j * 17) % 97) * 0.25;
  }
  qd.fill(0, n1 * n2, n1 * n2 * n3);
}

/**
 * Recompute a spread of (i,j) columns along t independently of the kernels and compare exactly;
 * throws naming the first wrong element. Catches a kernel that is wrong the same way everywhere,
 * which comparing versions with each other would not.
 */
export function checkColumns(q: Float64Array3, u: Float64Array3, samples = 64): void {
  const [n1, n2, n3] = q.dims as [number, number, number];
  const plane = n1 * n2;
  for (let s = 0; s < samples; s++) {
    // Include the corners and the chunk edges' neighbourhood through a coprime stride.
    const i = s === 0 ? 0 : s === 1 ? n1 - 1 : (s * 7919) % n1;
    const j = s === 0 ? 0 : s === 1 ? n2 - 1 : (s * 104729) % n2;
    let acc = q.data[i + n1 * j] as number;
    for (let t = 1; t < n3; t++) {
      const k = i + n1 * j + plane * t;
      acc += u.data[k - plane] as number;
      if (q.data[k] !== acc) throw new Error(`q[${i},${j},${t}] is ${q.data[k]}, expected ${acc}`);
    }
  }
}

/** Throws naming the first element where `actual` differs from `expected` (exact comparison). */
export function checkSame(name: string, actual: Float64Array3, expected: Float64Array3): void {
  const a = actual.data;
  const b = expected.data;
  if (a.length !== b.length) throw new Error(`${name}: ${a.length} elements, expected ${b.length}`);
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== b[k]) {
      const [n1, n2] = expected.dims as [number, number];
      const idx = `${k % n1},${Math.floor(k / n1) % n2},${Math.floor(k / (n1 * n2))}`;
      throw new Error(`${name}: q[${idx}] is ${a[k]}, expected ${b[k]}`);
    }
  }
}
