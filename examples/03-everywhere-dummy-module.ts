/**
 * Seed: "Code Availability and Loading Packages", DummyModule.jl (examples/modules/dummy-module.ts).
 *
 *     julia> @everywhere include("DummyModule.jl")
 *     loaded
 *           From worker 3:    loaded
 *           From worker 2:    loaded
 *     julia> using .DummyModule
 *     julia> MyType(7)
 *     MyType(7)
 *     julia> fetch(@spawnat 2 MyType(7))
 *     ERROR: On worker 2:
 *     UndefVarError: MyType not defined
 *     julia> fetch(@spawnat 2 DummyModule.MyType(7))
 *     MyType(7)
 *     julia> put!(RemoteChannel(2), MyType(7))
 *     RemoteChannel{Channel{Any}}(2, 1, 13)
 *
 * and, from older versions of the manual:
 *
 *     julia> @everywhere id = myid()
 *     julia> remotecall_fetch(()->id, 2)
 *     2
 *
 * `everywhere(specifier)` loads a module on every process (the master included); a relative
 * specifier resolves against process.cwd(), a URL built from import.meta.url works from anywhere.
 * Loading does not bring its names into scope of functions shipped as source; its exports, passed
 * as values (or captured), travel by reference.
 *
 *   node dist/examples/03-everywhere-dummy-module.js
 */
import { addprocs, capture, everywhere, fetch, myid, put, remotecallFetch, RemoteChannel, type RemoteException, rmprocs, spawnat, take, workers } from '../src/index.js';
import type { MyType as MyTypeRecord } from './modules/dummy-module.js';

const dummy = new URL('./modules/dummy-module.js', import.meta.url);

await addprocs(2);

// @everywhere include("DummyModule.jl"): prints "loaded" on every process.
await everywhere(dummy);

// using .DummyModule: bring its names into scope here (the module is already loaded, so no
// second "loaded").
const { MyType, f, whereAmI } = (await import(dummy.href)) as typeof import('./modules/dummy-module.js');
console.log('MyType(7) =', MyType(7));

// fetch(@spawnat 2 MyType(7)): the name MyType is not in scope on worker 2.
try {
  await fetch(spawnat(2, () => MyType(7)));
} catch (e) {
  const err = e as InstanceType<typeof RemoteException>;
  console.log(`ERROR: On worker ${err.pid}: ${err.cause.name}: ${err.cause.message}`);
}

// fetch(@spawnat 2 DummyModule.MyType(7)): the module's own function, by reference.
console.log('fetch(spawnat(2, MyType, 7)) =', await fetch(spawnat(2, MyType, 7)));
console.log('fetch(spawnat(2, capture({ MyType }, () => MyType(7)))) =', await fetch(spawnat(2, capture({ MyType }, () => MyType(7)))));
console.log('remotecallFetch(f, 2, 3) =', await remotecallFetch(f, 2, 3), '| ran on', await remotecallFetch(whereAmI, 2));

// put!(RemoteChannel(2), MyType(7)): store a MyType on process 2.
const rc = await RemoteChannel.create<MyTypeRecord>(undefined, 2);
await put(rc, MyType(7));
console.log('put(RemoteChannel on 2, MyType(7)) ->', rc);
console.log('take(rc) =', await take(rc));

// @everywhere id = myid(); remotecall_fetch(()->id, 2)
await everywhere(() => {
  (globalThis as { id?: number }).id = myid();
});
console.log('remotecallFetch(() => id, 2) =', await remotecallFetch(() => (globalThis as { id?: number }).id, 2));
console.log('id on process 1 =', (globalThis as { id?: number }).id);

await rmprocs(workers());
