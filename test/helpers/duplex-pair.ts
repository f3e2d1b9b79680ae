// Two connected in-memory streams: what one end writes, the other reads. Protocol tests use them
// instead of sockets, so they need no processes (the same code runs over them as over a socket).
import { Duplex } from 'node:stream';

export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        other().push(chunk);
        cb();
      },
      final(cb) {
        other().push(null);
        cb();
      },
      destroy(err, cb) {
        // Closing one end closes the other, as a socket's peer sees.
        const o = other();
        if (!o.destroyed) o.destroy();
        cb(err);
      },
    });
  ends.push(make(() => ends[1]!), make(() => ends[0]!));
  return [ends[0]!, ends[1]!];
}
