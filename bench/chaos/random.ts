/** A small seeded generator (mulberry32), so that a chaos run can be repeated with `--seed`. */
export type Random = () => number;

/** Numbers in [0, 1) from `seed`. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi). */
export const between = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo));

/** Wait `ms` milliseconds (chaos picks its moments on purpose). */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
