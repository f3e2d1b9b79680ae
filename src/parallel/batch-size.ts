/**
 * `batchSize: 'auto'`: batches that grow until each takes a few milliseconds of work, so tiny
 * items amortise the round trip while expensive items still go one at a time (and keep dynamic
 * scheduling balanced). Near the end batches shrink so the last workers finish together.
 */
const TARGET_MS = 4;
const MAX_BATCH = 8192;
const MAX_GROWTH = 8;

export class BatchSizer {
  #size = 1;
  constructor(
    private readonly fixed: number | null,
    private readonly nworkers: number,
  ) {}

  /** The next batch size, given how many items are known to remain (undefined: unknown). */
  next(remaining: number | undefined): number {
    if (this.fixed !== null) return this.fixed;
    if (remaining === undefined) return this.#size;
    // Leave at least two batches per worker for the tail, so no worker idles while one finishes.
    return Math.max(1, Math.min(this.#size, Math.ceil(remaining / (2 * this.nworkers))));
  }

  /** A batch of `n` items took `ms` from send to reply. */
  observe(n: number, ms: number): void {
    if (this.fixed !== null) return;
    const perItem = Math.max(ms / n, 1e-4);
    const want = Math.floor(TARGET_MS / perItem);
    this.#size = Math.max(1, Math.min(MAX_BATCH, this.#size * MAX_GROWTH, want));
  }
}
