import { PassThrough } from 'node:stream';

/**
 * One output stream per worker, fed from a single stream that carries every worker's lines with
 * a label (an ssh host agent's `<k> <line>`, srun's `--label` `<k>: <line>`): the runtime then
 * reads each worker's announce line and forwards its output as for any other worker.
 */
export class WorkerStreams {
  readonly streams: PassThrough[];

  constructor(count: number) {
    this.streams = Array.from({ length: count }, () => new PassThrough());
  }

  line(k: number, text: string): void {
    this.streams[k]?.write(`${text}\n`);
  }

  end(k: number): void {
    this.streams[k]?.end();
  }

  endAll(): void {
    for (const s of this.streams) s.end();
  }
}
