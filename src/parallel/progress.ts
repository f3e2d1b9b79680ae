import { setWorkerLineSink } from '../cluster/worker-output.js';

// Progress of a long map: the user's callback, and with `progress: true` a report on standard
// error (diagnostics, so that standard output stays the program's): on a terminal, a bar redrawn in
// place, with the lines workers print going above it (the bar is cleared, the line printed, the bar
// drawn again); elsewhere (a pipe, `| tee run.log`, CI) a plain line every few seconds.

/**
 * Told how far a map has got: `done` items finished so far, out of `total` when the input's size
 * is known (an array, a range, a Set...; undefined for a plain iterator or an async iterable).
 */
export type ProgressCallback = (done: number, total?: number) => void;

export interface ProgressSink {
  update(done: number, total: number | undefined): void;
  stop(): void;
}

/** Where a report goes: standard error, or a test's stand-in. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

const BAR_EVERY_MS = 100;
const LINE_EVERY_MS = 5000;
const CLEAR = '\r\x1b[2K';

/** `12.3 s`, `4 min 05 s`: a duration as people read it. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** The report's text: `pmap ████░░ 45% | 450/1000 | 1234/s | ETA 3.2 s` (a bar when `width` is given). */
export function progressText(label: string, done: number, total: number | undefined, elapsedMs: number, width?: number): string {
  const rate = done / Math.max(elapsedMs / 1000, 1e-3);
  const parts = [label];
  if (total !== undefined && total > 0) {
    const frac = Math.min(1, done / total);
    if (width !== undefined) parts.push(`${'█'.repeat(Math.round(frac * width))}${'░'.repeat(width - Math.round(frac * width))}`);
    parts.push(`${Math.floor(frac * 100)}%`, `${done}/${total}`);
  } else {
    parts.push(`${done}`);
  }
  parts.push(`${Math.round(rate)}/s`);
  if (total !== undefined && rate > 0 && done < total) parts.push(`ETA ${duration(((total - done) / rate) * 1000)}`);
  return width === undefined ? parts.join(' ').replace(`${label} `, `${label}: `) : parts.join(' | ').replace(`${label} | `, `${label} `);
}

export function progressSink(callback: ProgressCallback | undefined, report: boolean | undefined, label: string, stream: ProgressStream = process.stderr): ProgressSink {
  const started = performance.now();
  const tty = stream.isTTY === true;
  let last: { done: number; total: number | undefined } | null = null;
  let drawnAt = -Infinity;
  let barShown = false;

  const bar = (): string => progressText(label, last!.done, last!.total, performance.now() - started, Math.max(10, Math.min(30, (stream.columns ?? 80) - 60)));
  const draw = (): void => {
    if (!last) return;
    drawnAt = performance.now();
    if (tty) {
      stream.write(`${CLEAR}${bar()}`);
      barShown = true;
    } else {
      stream.write(`${progressText(label, last.done, last.total, drawnAt - started)}\n`);
    }
  };
  if (report && tty) {
    // A worker's line goes above the bar: clear it, print the line, draw the bar again.
    setWorkerLineSink((line) => {
      if (barShown) stream.write(CLEAR);
      process.stdout.write(`${line}\n`);
      if (barShown) stream.write(bar());
    });
  }
  return {
    update(done, total) {
      callback?.(done, total);
      if (!report) return;
      last = { done, total };
      if (performance.now() - drawnAt >= (tty ? BAR_EVERY_MS : LINE_EVERY_MS)) draw();
    },
    stop() {
      if (!report) return;
      if (tty) setWorkerLineSink(null);
      if (!last) return;
      // The final state, then the end of the line: whatever the program prints next starts clean.
      if (tty) stream.write(`${CLEAR}${bar()}\n`);
      else stream.write(`${label}: ${last.done}${last.total === undefined ? '' : `/${last.total}`} done in ${duration(performance.now() - started)}\n`);
    },
  };
}
