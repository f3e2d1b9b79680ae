// Functions as they travel inside payloads: a capture template crosses once per peer, handles in
// an env cross once and are referred to by id, a captured function sent twice is kept from then
// on, and nothing a failed message or a failed arrival leaves behind makes a later message fail
// for another reason. Both sides run here: a payload encoded for peer 5 is decoded as if from 5
// (the sender's tables and the receiver's are apart, shipped.ts).
import v8 from 'node:v8';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capture, markCaptured } from '../../src/remote/capture.js';
import { configureFunctionNames } from '../../src/remote/function-names.js';
import { assertShippable, describeFunction, functionCodec, functionRef, resolveFunction } from '../../src/remote/function-shipping.js';
import { forgetReceived, forgetShippedNow, peerHolds } from '../../src/remote/shipped.js';
import { compactValue } from '../../src/transport/compact.js';
import { configureCodec, decodeArgs, encodeArgs, type HandleType } from '../../src/transport/codec.js';
import { type Payload, PayloadKind } from '../../src/transport/payload.js';

/** A handle to something living elsewhere, that a peer may keep (as a Future or SharedArray). */
class Thing {
  closed = false;
  constructor(readonly name: string) {}
}
const arrivals: string[] = [];
const thingType: HandleType<Thing> = {
  tag: 'thing',
  classes: [Thing],
  referable: true,
  encode: (t) => {
    if (t.closed) throw Object.assign(new Error(`${t.name} is closed`), { code: 'ERR_CLOSED' });
    return { name: t.name };
  },
  decode: (d) => {
    const name = (d as { name: string }).name;
    arrivals.push(name);
    if (name.startsWith('unmappable')) throw Object.assign(new Error(`${name} cannot arrive here`), { code: 'ERR_NOT_HERE' });
    return new Thing(`${name} (copy)`);
  },
};

let nextPeer = 100;
let peer = 0;
beforeAll(() => {
  configureFunctionNames({ scope: {}, internals: {} });
  configureCodec({ handleTypes: [thingType], functions: functionCodec });
});
afterEach(() => {
  arrivals.length = 0;
});
// Each test talks to a peer of its own: what one test left in the tables does not leak into another.
const newPeer = (): number => (peer = nextPeer++);

/** Encode as a call's arguments for `peer` (applying the hand-overs, as a sent message does), decode as from `peer`. */
function send(args: unknown[]): { payload: Payload; received: unknown[] } {
  const payload = encodeArgs(args, { peer });
  return { payload, received: decodeArgs(payload, { peer }) };
}

/** The payload's records as plain data, to see what travelled. */
function wire(p: Payload): unknown {
  return p.kind === PayloadKind.Compact || p.kind === PayloadKind.CompactRefs ? compactValue(p.bytes) : v8.deserialize(p.bytes);
}
const fnRecordOf = (p: Payload, i = 0): { id: number; def: { text: unknown; env: unknown[]; refs: number[] | null } | null } =>
  ((wire(p) as Record<string, unknown>[])[i] as { d: never }).d;

describe('capture templates', () => {
  it('the source crosses once per peer; a new capture of the same code sends its values only', () => {
    newPeer();
    const made = (t: number) => capture({ t }, (x: number) => x + t);
    const first = send([made(1)]);
    const second = send([made(2)]);
    expect((first.received[0] as (x: number) => number)(10)).toBe(11);
    expect((second.received[0] as (x: number) => number)(10)).toBe(12);
    expect(fnRecordOf(first.payload).def!.text).not.toBeNull();
    expect(fnRecordOf(second.payload).def!.text).toBeNull();
    // Another peer gets the text again.
    newPeer();
    expect(fnRecordOf(send([made(3)]).payload).def!.text).not.toBeNull();
  });

  it('a captured helper shares the env scope, and the other names stay apart', () => {
    newPeer();
    const N = 3;
    const scale = (x: number): number => x * N;
    const f = send([capture({ scale, N }, (x: number) => scale(x) + 1)]).received[0] as (x: number) => number;
    expect(f(2)).toBe(7);
    const g = send([capture({ scale, N: 4 }, (x: number) => scale(x) + 1)]).received[0] as (x: number) => number;
    expect(g(2)).toBe(9);
  });
});

describe('handles in a capture env', () => {
  it('cross once: later captures refer to the copy the peer kept, the same object every time', () => {
    newPeer();
    const S = new Thing('S');
    const made = (t: number) => capture({ S, t }, () => [S, t] as const);
    const runs = [1, 2, 3].map((t) => send([made(t)]));
    expect(arrivals).toEqual(['S']);
    const results = runs.map((r) => (r.received[0] as () => readonly [Thing, number])());
    expect(results.map(([, t]) => t)).toEqual([1, 2, 3]);
    expect(results[0]![0].name).toBe('S (copy)');
    expect(results[1]![0]).toBe(results[0]![0]);
    expect(results[2]![0]).toBe(results[0]![0]);
    const [, later] = runs;
    expect(fnRecordOf(later!.payload).def!.env[0]).toBeNull();
  });

  it('a closed handle is refused on the sending side even when the peer holds a copy', () => {
    newPeer();
    const S = new Thing('S');
    send([capture({ S }, () => S)]);
    S.closed = true;
    expect(() => encodeArgs([capture({ S }, () => S)], { peer })).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });

  it('one that fails to arrive fails the same way at every later reference, and the others arrive', () => {
    newPeer();
    const bad = new Thing('unmappable');
    const good = new Thing('good');
    expect(() => send([capture({ bad, good }, () => 0)])).toThrow(expect.objectContaining({ code: 'ERR_NOT_HERE' }));
    expect(arrivals).toEqual(['unmappable', 'good']);
    expect(() => send([capture({ bad }, () => 0)])).toThrow(expect.objectContaining({ code: 'ERR_NOT_HERE' }));
    const f = send([capture({ good }, () => good.name)]).received[0] as () => string;
    expect(f()).toBe('good (copy)');
    expect(arrivals).toEqual(['unmappable', 'good']);
  });

  it('plain data in an env travels with every new capture', () => {
    newPeer();
    const table = [1, 2, 3];
    const f = send([capture({ table }, () => table.join())]).received[0] as () => string;
    table.push(4);
    const g = send([capture({ table }, () => table.join())]).received[0] as () => string;
    expect([f(), g()]).toEqual(['1,2,3', '1,2,3,4']);
  });
});

describe('what the peer keeps', () => {
  it('a captured function passed twice is kept from its second trip: the third sends its id alone', () => {
    newPeer();
    const f = capture({ big: 'x'.repeat(100) }, () => 1);
    const trips = [1, 2, 3].map(() => send([f]));
    expect(trips.map((t) => fnRecordOf(t.payload).id === 0)).toEqual([true, false, false]);
    expect(fnRecordOf(trips[2]!.payload).def).toBeNull();
    expect((trips[2]!.received[0] as () => number)()).toBe(1);
  });

  it('a call target is kept from its first trip, and resolves by id afterwards', () => {
    newPeer();
    const k = 5;
    const f = capture({ k }, (x: number) => x * k);
    const first = functionRef(f, peer, []);
    expect(first.fnDef).not.toBeNull();
    expect((resolveFunction(peer, first.fnId, first.fnDef) as (x: number) => number)(2)).toBe(10);
    // The hand-overs were not applied (the message was never sent): the definition goes again.
    const hands: (() => void)[] = [];
    const again = functionRef(f, peer, hands);
    expect(again.fnDef).not.toBeNull();
    for (const h of hands) h();
    const byId = functionRef(f, peer, []);
    expect(byId.fnDef).toBeNull();
    expect((resolveFunction(peer, byId.fnId, null) as (x: number) => number)(3)).toBe(15);
  });

  it('a kept function keeps the plain data it arrived with: later changes here need a new capture', () => {
    newPeer();
    /** As a call sends it: the hand-overs apply (the message went). */
    const sent = (g: Function): ReturnType<typeof functionRef> => {
      const hands: (() => void)[] = [];
      const r = functionRef(g, peer, hands);
      for (const h of hands) h();
      return r;
    };
    const table = [1];
    const f = capture({ table }, () => table.join());
    const first = sent(f);
    expect((resolveFunction(peer, first.fnId, first.fnDef) as () => string)()).toBe('1');
    table.push(2);
    const byId = sent(f);
    expect(byId.fnDef).toBeNull();
    expect((resolveFunction(peer, byId.fnId, null) as () => string)()).toBe('1');
    const fresh = sent(capture({ table }, () => table.join()));
    expect((resolveFunction(peer, fresh.fnId, fresh.fnDef) as () => string)()).toBe('1,2');
  });

  it('forgetting: the peer drops its copies, and the sender sends them again', () => {
    newPeer();
    const S = new Thing('S');
    const f = capture({ S }, () => S.name);
    send([f]);
    send([f]);
    const kept = fnRecordOf(send([f]).payload);
    expect(kept.def).toBeNull();
    forgetReceived(peer, [kept.id]);
    expect(() => decodeArgs(encodeArgs([f], { peer }), { peer })).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL', message: expect.stringContaining('never arrived') }));
    forgetShippedNow([f, S]);
    const back = send([f]);
    expect(fnRecordOf(back.payload).def).not.toBeNull();
    expect((back.received[0] as () => string)()).toBe('S (copy)');
  });

  it('a message that fails half-way leaves the peer believed to hold nothing of it', () => {
    newPeer();
    const S = new Thing('S');
    expect(() => encodeArgs([capture({ S }, () => S), Symbol('no')], { peer })).toThrow(expect.objectContaining({ code: 'ERR_UNSERIALIZABLE' }));
    const { payload, received } = send([capture({ S }, () => S.name)]);
    expect(fnRecordOf(payload).def!.text).not.toBeNull();
    expect((received[0] as () => string)()).toBe('S (copy)');
  });

  it('a failed argument does not keep a later one from being defined', () => {
    newPeer();
    const f = capture({ n: 1 }, () => 'later');
    send([f]);
    // Second trip: kept from now on; the first argument fails to arrive.
    expect(() => send([capture({ bad: new Thing('unmappable') }, () => 0), f])).toThrow(expect.objectContaining({ code: 'ERR_NOT_HERE' }));
    expect((send([f]).received[0] as () => string)()).toBe('later');
  });
});

describe('a captured function as it arrived', () => {
  it('describes itself with its env (for threads), and sent on it brings the same values', () => {
    newPeer();
    const k = 7;
    const helper = (x: number): number => x * k;
    const f = capture({ k, helper, t: new Thing('t') }, (x: number) => helper(x) + k);
    const g = send([f]).received[0] as (x: number) => number;
    expect(g(2)).toBe(21);
    const d = describeFunction(g);
    expect(d).toMatchObject({ kind: 'src', envNames: ['k', 'helper', 't'], envSrc: [null, expect.stringContaining('x * k'), null] });
    expect((d as { envValues: unknown[] }).envValues.slice(0, 1)).toEqual([7]);
    expect((d as { envValues: unknown[] }).envValues[2]).toMatchObject({ name: 't (copy)' });
    // On to another peer, as this one would send it: rebuilt there with the same values.
    newPeer();
    const h = send([g]).received[0] as (x: number) => number;
    expect(h(3)).toBe(28);
    expect(arrivals).toEqual(['t', 't (copy)']);
  });
});

describe('records a peer could forge', () => {
  const refused = (record: unknown): void => {
    const bytes = v8.serialize([{ '\u0000sharedarrays.ref': 'fn', d: record }]);
    expect(() => decodeArgs({ kind: PayloadKind.V8Refs, bytes }, { peer })).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
  };

  it('no id, an unknown id, an unknown form, a bad template or env', () => {
    newPeer();
    refused(null);
    refused({ id: -1, def: null });
    refused({ id: 0, def: null });
    refused({ id: 99999, def: null });
    refused({ id: 0, def: { k: 'nope' } });
    refused({ id: 0, def: { k: 'src', tpl: 99999, text: null, env: [], refs: null } });
    refused({ id: 0, def: { k: 'src', tpl: 7, text: { src: '() => 1', envNames: ['not a name'], envSrc: [null] }, env: [1], refs: null } });
    refused({ id: 0, def: { k: 'src', tpl: 8, text: { src: '() => 1', envNames: ['a'], envSrc: [null] }, env: [1, 2], refs: null } });
    refused({ id: 0, def: { k: 'src', tpl: 9, text: { src: '() => 1', envNames: ['a'], envSrc: [null] }, env: [null], refs: [424242] } });
  });
});

describe('a template the receiver cannot compile', () => {
  // A function as a peer could pass it on (markCaptured records what a received function brought):
  // its env names a variable strict mode cannot declare, so the receiver cannot compile it.
  const uncompilable = (S: Thing, b: number): Function => {
    const f = (): number => 0;
    markCaptured(f, ['S', 'package'], [S, b], { src: '() => [S, package]', envSrc: [null, null] });
    return f;
  };

  it('fails with a code at every later reference, and the handles its env carried arrive and are kept', () => {
    newPeer();
    const S = new Thing('S');
    const notCompiled = expect.objectContaining({ code: 'ERR_UNSHIPPABLE_FUNCTION', message: expect.stringContaining('does not compile') });
    expect(() => send([uncompilable(S, 2)])).toThrow(notCompiled);
    expect(arrivals).toEqual(['S']);
    // The same template again (the sender believes it arrived): the same error, not "never arrived".
    expect(() => send([uncompilable(S, 3)])).toThrow(notCompiled);
    // S is referred to by id from now on: the receiver kept it although its function failed.
    const { payload, received } = send([capture({ S }, () => S.name)]);
    expect(fnRecordOf(payload).def!.env[0]).toBeNull();
    expect((received[0] as () => string)()).toBe('S (copy)');
    expect(arrivals).toEqual(['S']);
  });

  it('a malformed definition still has its values decoded and kept', () => {
    newPeer();
    const S = new Thing('S');
    const p = encodeArgs([capture({ S }, () => S.name)], { peer });
    const records = wire(p) as { d: { def: { env: unknown[] } } }[];
    records[0]!.d.def.env.push(1); // one value more than names
    expect(() => decodeArgs({ kind: PayloadKind.V8Refs, bytes: v8.serialize(records) }, { peer })).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    expect(arrivals).toEqual(['S']);
    expect((send([capture({ S }, () => S.name)]).received[0] as () => string)()).toBe('S (copy)');
  });
});

describe('the sender checks what the receiver compiles', () => {
  it('a capture key that strict mode cannot declare is ERR_INVALID_ARG naming the key', () => {
    for (const key of ['package', 'private', 'let', 'yield', 'eval', 'arguments', 'new', 'default', 'enum', 'static', 'class', 'this']) {
      expect(() => capture({ [key]: 1, b: 2 }, () => 0)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringContaining(`"${key}"`) }),
      );
    }
    expect(() => capture({ packageName: 1, $let: 2, _yield: 3 }, () => 0)).not.toThrow();
  });

  it('source that compiles only in sloppy mode is refused before it is sent', () => {
    newPeer();
    // Function() compiles sloppy: octal literals, duplicate parameters and `with` are accepted here.
    const sloppy = [new Function('return 010'), new Function('a', 'a', 'return a'), new Function('o', 'with (o) return x')];
    for (const f of sloppy) {
      const refused = expect.objectContaining({ code: 'ERR_UNSHIPPABLE_FUNCTION', message: expect.stringContaining('strict mode') });
      expect(() => assertShippable(f)).toThrow(refused);
      expect(() => encodeArgs([f], { peer })).toThrow(refused);
      expect(() => encodeArgs([capture({ helper: f }, () => 0)], { peer })).toThrow(refused);
    }
  });
});

describe('the bounded template table', () => {
  it('stays bounded when one source comes with ever new env names: the oldest is forgotten', () => {
    newPeer();
    const body = (): number => 0;
    const tpl = fnRecordOf(encodeArgs([capture({ v0: 0 }, body)], { peer })).def as unknown as { tpl: number };
    expect(peerHolds(peer, tpl.tpl)).toBe(true);
    for (let i = 1; i <= 1024; i++) encodeArgs([capture({ [`v${i}`]: i }, body)], { peer });
    expect(peerHolds(peer, tpl.tpl)).toBe(false);
  });

  it('a template that leaves the table while its own message encodes is not believed held', () => {
    newPeer();
    // More new templates in one message than the table holds: the first leaves before the message is done.
    const fns = Array.from({ length: 1100 }, (_, i) => capture({ k: i }, new Function(`return ${i} + 0.5`)));
    const p = encodeArgs(fns, { peer });
    const first = (fnRecordOf(p, 0).def as unknown as { tpl: number }).tpl;
    expect(peerHolds(peer, first)).toBe(false);
    const last = (fnRecordOf(p, 1099).def as unknown as { tpl: number }).tpl;
    expect(peerHolds(peer, last)).toBe(true);
  });
});
