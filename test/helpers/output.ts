// What a test provokes on the terminal (a worker's error printed, "Worker N terminated.", rmprocs
// escalating) is captured and asserted, not printed into the test run's output.
import { vi } from 'vitest';

export interface Captured {
  /** Everything written to stdout and stderr since the capture started. */
  text(): string;
  restore(): void;
}

export function captureOutput(): Captured {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return {
    text: () => [...out.mock.calls, ...err.mock.calls].map((c) => String(c[0])).join(''),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/** Run `f` with output captured; resolves with what it printed. */
export async function captured(f: () => Promise<unknown>): Promise<string> {
  const c = captureOutput();
  try {
    await f();
    return c.text();
  } finally {
    c.restore();
  }
}
