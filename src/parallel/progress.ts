import cliProgress from 'cli-progress';

/**
 * Progress for long maps: the user's callback, and with `progress: true` a bar with rate and ETA
 * (cli-progress) drawn when stdout is a terminal. Not a terminal: no bar, nothing printed.
 */
export type ProgressCallback = (done: number, total?: number) => void;

export interface ProgressSink {
  update(done: number, total: number | undefined): void;
  stop(): void;
}

export function progressSink(callback: ProgressCallback | undefined, bar: boolean | undefined, label: string): ProgressSink {
  const draw =
    bar && process.stdout.isTTY
      ? new cliProgress.SingleBar(
          { format: `${label} {bar} {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        )
      : null;
  const started = performance.now();
  let shown = false;
  return {
    update(done, total) {
      callback?.(done, total);
      if (!draw) return;
      const rate = Math.round(done / Math.max((performance.now() - started) / 1000, 1e-3));
      if (!shown) {
        draw.start(total ?? done, done, { rate });
        shown = true;
      } else {
        if (total === undefined) draw.setTotal(done);
        draw.update(done, { rate });
      }
    },
    stop() {
      if (shown) draw?.stop();
    },
  };
}
