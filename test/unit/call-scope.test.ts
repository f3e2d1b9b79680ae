// The call scope (src/core/call-scope.ts) with a scope written here: which call runs, which are
// cancelled. A Channel never hands a value to a cancelled call's taker and drops a cancelled
// putter's value; cleanups armed by a call run once it is cancelled, and never after a disarm.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callCancelled, currentCall, detached, onCancelled, setCallScope, sweepCancelled } from '../../src/core/call-scope.js';
import { Channel } from '../../src/refs/channel.js';

let running = 0;
const cancelled = new Set<number>();
setCallScope({ current: () => running, cancelled: (tag) => cancelled.has(tag), detached: (fn) => fn() });
afterEach(() => {
  running = 0;
  cancelled.clear();
});

/** Run `f` as call `tag` (what the addon does for a served call's synchronous stretch). */
function as<T>(tag: number, f: () => T): T {
  const outer = running;
  running = tag;
  try {
    return f();
  } finally {
    running = outer;
  }
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await null;
  return done;
};

describe('a Channel and cancelled calls', () => {
  it('skips a taker whose call was cancelled: the value goes to the next taker', async () => {
    const c = new Channel<string>(0);
    const dead = as(7, () => c.take());
    const alive = as(8, () => c.take());
    cancelled.add(7);
    await c.put('v');
    expect(await alive).toBe('v');
    expect(await settled(dead)).toBe(false);
  });

  it("drops a cancelled putter's value, in an unbuffered and a full buffered channel alike", async () => {
    const u = new Channel<string>(0);
    const put = as(7, () => u.put('dropped'));
    expect(u.isready()).toBe(true);
    cancelled.add(7);
    expect(u.isready()).toBe(false); // its value is no longer available
    const taking = u.take();
    await u.put('later');
    expect(await taking).toBe('later');
    expect(await settled(put)).toBe(false);

    const b = new Channel<string>(1);
    await b.put('first');
    as(9, () => void b.put('dropped'));
    void as(10, () => b.put('kept'));
    cancelled.add(9);
    expect(await b.take()).toBe('first'); // the freed slot goes to the live putter
    expect(await b.take()).toBe('kept');
    expect(b.isready()).toBe(false);
  });

  it('serves calls that were not cancelled, and code outside any call, as before', async () => {
    const c = new Channel<number>(0);
    const taking = as(3, () => c.take());
    cancelled.add(4);
    await c.put(1);
    expect(await taking).toBe(1);
    const outside = c.take();
    await as(4, async () => undefined);
    await c.put(2);
    expect(await outside).toBe(2);
  });
});

describe('cleanups of cancelled calls', () => {
  it('run once when their call is cancelled and the interrupt is swept, as part of no call', () => {
    const ran: string[] = [];
    as(5, () => onCancelled(() => ran.push(`cleanup during call ${currentCall()}`)));
    as(6, () => onCancelled(() => ran.push('other call')));
    sweepCancelled();
    expect(ran).toEqual([]);
    cancelled.add(5);
    sweepCancelled();
    sweepCancelled();
    expect(ran).toEqual(['cleanup during call 0']);
  });

  it('never run once disarmed, nor outside a call', () => {
    const ran: string[] = [];
    const disarm = as(5, () => onCancelled(() => ran.push('armed')));
    disarm();
    onCancelled(() => ran.push('outside any call'));
    cancelled.add(5);
    cancelled.add(0);
    sweepCancelled();
    expect(ran).toEqual([]);
    expect(callCancelled(0)).toBe(false);
  });

  it('a failing cleanup does not keep the others from running', () => {
    const ran: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      as(5, () => {
        onCancelled(() => {
          throw new Error('boom');
        });
        onCancelled(() => ran.push('second'));
      });
      cancelled.add(5);
      sweepCancelled();
      expect(ran).toEqual(['second']);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('boom');
    } finally {
      stderr.mockRestore();
    }
    expect(detached(() => 3)).toBe(3);
  });
});
