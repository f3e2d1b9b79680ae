/**
 * Seed: "Remote References and AbstractChannels", "Remote References and Distributed Garbage
 * Collection", and the remarks on `@spawnat :any` and fetch caching.
 *
 *   - `RemoteChannel(()->Channel{Int}(10), pid)`: a channel of size 10 that lives on `pid`;
 *     put!, take!, fetch, isready and wait are proxied there.
 *   - "once fetched, a Future will cache its value locally. Further fetch calls do not entail a
 *     network hop": shown by fetching again after its worker is gone.
 *   - "it is a good practice to explicitly call finalize on local instances of a RemoteChannel,
 *     or on unfetched Futures ... Once finalized, a reference becomes invalid".
 *   - `@spawnat :any` picks the worker for you (round-robin here).
 *   - `remote_do(f, pid, args...)`: fire and forget.
 *
 *   node dist/examples/14-remote-references.js
 */
import { addprocs, Channel, fetch, isready, myid, put, remoteDo, RemoteChannel, rmprocs, spawnat, take, wait, workers } from '../src/index.js';

const [w2, w3] = (await addprocs(2)) as [number, number];

// @spawnat :any, four times.
const fs = [1, 2, 3, 4].map(() => spawnat('any', () => myid()));
console.log("spawnat('any', ...) ran on workers", await Promise.all(fs.map((f) => fetch(f))));

// RemoteChannel(()->Channel{Int}(10), pid)
const rc = await RemoteChannel.create(() => new Channel<number>(10), w2);
console.log(`RemoteChannel on ${rc.where}:`, rc, '| isready:', await isready(rc));
for (let i = 1; i <= 10; i++) await put(rc, i); // fills its 10 places
let eleventhDone = false;
const eleventh = put(rc, 11).then(() => (eleventhDone = true)); // waits for a free place
await new Promise((r) => setTimeout(r, 50));
console.log('isready:', await isready(rc), '| fetch:', await fetch(rc), '| 11th put done while full:', eleventhDone);
const taken: number[] = [await take(rc)];
await eleventh;
for (let i = 0; i < 10; i++) taken.push(await take(rc));
console.log('taken:', taken.join(' '), '| isready:', await isready(rc));

// wait(rc) resolves once a value is there; here a worker puts it.
const waiting = wait(rc);
remoteDo((rc: RemoteChannel<number>) => void put(rc, 42), w3, rc);
await waiting;
console.log('wait(rc) returned; take(rc) =', await take(rc));
rc.finalize(); // release the channel on its owner now
try {
  await rc.isready();
} catch (e) {
  console.log('after finalize(rc):', (e as Error & { code?: string }).code ?? (e as Error).message);
}

// An unfetched Future, finalized: its value is released on the worker; the handle is invalid.
const unfetched = spawnat(w2, () => 'never fetched');
await unfetched.wait();
unfetched.finalize();
await fetch(unfetched).catch((e: Error & { code?: string }) => console.log('after finalize(future):', e.code ?? e.message));

// Fetch caches: once fetched, the value stays here even after its worker is gone.
const r = spawnat(w3, () => ({ from: myid(), at: Date.now() }));
const first = await fetch(r);
await rmprocs(w3);
console.log(`fetched again after rmprocs(${w3}):`, (await fetch(r)) === first, '| workers:', workers());

await rmprocs(workers());
