/**
 * Seed: "Local invocations": a call or a put! whose target is this very process works on the
 * same objects (no copy); to another process it always works on copies.
 *
 *     julia> rc = RemoteChannel(()->Channel(3));   # RemoteChannel created on local node
 *     julia> v = [0];
 *     julia> for i in 1:3
 *                v[1] = i                          # Reusing `v`
 *                put!(rc, v)
 *            end;
 *     julia> result = [take!(rc) for _ in 1:3];
 *     julia> println(result);
 *     Array{Int64,1}[[3], [3], [3]]
 *     julia> println("Num Unique objects : ", length(unique(map(objectid, result))));
 *     Num Unique objects : 1
 *     julia> addprocs(1);
 *     julia> rc = RemoteChannel(()->Channel(3), workers()[1]);   # RemoteChannel created on remote node
 *     ...
 *     Array{Int64,1}[[1], [2], [3]]
 *     Num Unique objects : 3
 *
 *     julia> v = [0];
 *     julia> v2 = remotecall_fetch(x->(x[1] = 1; x), myid(), v);     # Executed on local node
 *     julia> println("v=$v, v2=$v2, ", v === v2);
 *     v=[1], v2=[1], true
 *     julia> v = [0];
 *     julia> v2 = remotecall_fetch(x->(x[1] = 1; x), workers()[1], v); # Executed on remote node
 *     julia> println("v=$v, v2=$v2, ", v === v2);
 *     v=[0], v2=[1], false
 *
 *   node dist/examples/09-local-invocations.js
 */
import { addprocs, Channel, myid, put, remotecallFetch, RemoteChannel, rmprocs, take, workers } from '../src/index.js';

const show = (xs: number[][]) => `[${xs.map((x) => `[${x.join(', ')}]`).join(', ')}]`;

async function putThrice(rc: RemoteChannel<number[]>): Promise<void> {
  const v = [0];
  for (let i = 1; i <= 3; i++) {
    v[0] = i; // Reusing `v`
    await put(rc, v);
  }
  const result: number[][] = [];
  for (let k = 0; k < 3; k++) result.push(await take(rc));
  console.log(show(result));
  console.log(`Num Unique objects : ${new Set(result).size}`);
}

// RemoteChannel created on the local node: the same object is stored three times.
await putThrice(await RemoteChannel.create(() => new Channel<number[]>(3)));

await addprocs(1);

// RemoteChannel created on a remote node: three copies.
await putThrice(await RemoteChannel.create(() => new Channel<number[]>(3), workers()[0]));

const setFirst = (x: number[]) => {
  x[0] = 1;
  return x;
};

let v = [0];
let v2 = await remotecallFetch(setFirst, myid(), v); // Executed on local node
console.log(`v=[${v}], v2=[${v2}], ${v === v2}`);

v = [0];
v2 = await remotecallFetch(setFirst, workers()[0] as number, v); // Executed on remote node
console.log(`v=[${v}], v2=[${v2}], ${v === v2}`);

await rmprocs(workers());
