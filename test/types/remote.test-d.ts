// The remotecall family, references and channels, as a user's code sees their types.
import { describe, expectTypeOf, test } from 'vitest';
import {
  Channel,
  fetch,
  fetchfrom,
  Future,
  put,
  remotecall,
  remotecallFetch,
  remotecallWait,
  remoteDo,
  RemoteChannel,
  spawnat,
  take,
  type ChannelLike,
} from 'sharedarrays';

const join = (a: number, b: string): string => `${a}${b}`;
const later = async (n: number): Promise<number[]> => [n];

describe('remotecall family', () => {
  test('results follow the function, arguments are checked against its parameters', () => {
    expectTypeOf(remotecall(join, 2, 1, 'x')).toEqualTypeOf<Future<string>>();
    expectTypeOf(remotecallFetch(join, 2, 1, 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(remotecallWait(join, 2, 1, 'x')).toEqualTypeOf<Promise<Future<string>>>();
    expectTypeOf(remoteDo(join, 2, 1, 'x')).toEqualTypeOf<void>();
    expectTypeOf(fetchfrom(2, join, 1, 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(spawnat('any', () => 1.5)).toEqualTypeOf<Future<number>>();
    // @ts-expect-error the second argument must be a string
    remotecall(join, 2, 1, 2);
    // @ts-expect-error an argument is missing
    remotecallFetch(join, 2, 1);
    // @ts-expect-error pid is a number or 'any'
    spawnat('some', () => 1);
  });

  test('an async function resolves to its awaited value, not a Promise of a Promise', () => {
    expectTypeOf(remotecall(later, 2, 3)).toEqualTypeOf<Future<number[]>>();
    expectTypeOf(remotecallFetch(later, 2, 3)).toEqualTypeOf<Promise<number[]>>();
  });
});

describe('Future and fetch', () => {
  test('fetch of a Future gives its value; fetch of a plain value gives it back', async () => {
    const f = remotecall(later, 2, 3);
    expectTypeOf(f.fetch()).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(fetch(f)).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(fetch(42)).toEqualTypeOf<number>();
    expectTypeOf(new Future<string>().put).parameter(0).toEqualTypeOf<string>();
  });
});

describe('RemoteChannel and Channel', () => {
  test('the element type comes from the factory and flows through put, take and iteration', async () => {
    const rc = await RemoteChannel.create(() => new Channel<number>(10), 2);
    expectTypeOf(rc).toEqualTypeOf<RemoteChannel<number>>();
    expectTypeOf(rc.take()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(take(rc)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(rc.put).parameter(0).toEqualTypeOf<number>();
    for await (const v of rc) expectTypeOf(v).toEqualTypeOf<number>();
    // @ts-expect-error a RemoteChannel<number> takes numbers
    void rc.put('x');
    // @ts-expect-error put's value must fit the channel
    void put(rc, 'x');
  });

  test('a factory may build any ChannelLike; its element type flows to the RemoteChannel', async () => {
    const stack = (): ChannelLike<bigint> => {
      const items: bigint[] = [];
      return {
        put: (v) => items.push(v),
        take: () => items.pop()!,
        fetch: () => items[items.length - 1]!,
        isready: () => items.length > 0,
        wait: () => undefined,
        close: () => undefined,
        isopen: () => true,
      };
    };
    expectTypeOf(await RemoteChannel.create(stack, 2)).toEqualTypeOf<RemoteChannel<bigint>>();
    expectTypeOf<Channel<string>>().toExtend<ChannelLike<string>>();
    // @ts-expect-error a ChannelLike needs every method but isempty
    void RemoteChannel.create(() => ({ put: () => undefined }), 2);
  });

  test('a local Channel is typed the same way', async () => {
    const c = new Channel<string>(2);
    expectTypeOf(c.take()).toEqualTypeOf<Promise<string>>();
    expectTypeOf(c.isready()).toEqualTypeOf<boolean>();
    for await (const v of c) expectTypeOf(v).toEqualTypeOf<string>();
  });
});
