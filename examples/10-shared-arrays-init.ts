/**
 * Seed: "Shared Arrays", the init examples.
 *
 *     julia> addprocs(3)
 *     julia> @everywhere using SharedArrays
 *     julia> S = SharedArray{Int,2}((3,4), init = S -> S[localindices(S)] = repeat([myid()], length(localindices(S))))
 *     3×4 SharedArray{Int64,2}:
 *      2  2  3  4
 *      2  3  3  4
 *      2  3  4  4
 *     julia> S[3,2] = 7
 *     julia> S
 *      2  2  3  4
 *      2  3  3  4
 *      2  7  4  4
 *     julia> S = SharedArray{Int,2}((3,4), init = S -> S[indexpids(S):length(procs(S)):length(S)] = repeat([myid()], length( indexpids(S):length(procs(S)):length(S))))
 *      2  2  2  2
 *      3  3  3  3
 *      4  4  4  4
 *
 * and an older manual's `init = S -> S[myid()-1:nworkers():length(S)] = myid()`.
 *
 * 0-based: Julia's `S[3,2]` is `S.set(2, 1, v)`; `indexpids(S)` is 0 for the first participant
 * (Julia's 1), so `indexpids(S):length(procs(S)):length(S)` is `range(indexpids(S), S.length, procs(S).length)`.
 * The element type is int32 here (Julia's Int is Int64, 'bigint64' here, whose elements are bigints).
 *
 *   node dist/examples/10-shared-arrays-init.js
 */
import { addprocs, indexpids, localindices, myid, nworkers, procs, range, rmprocs, sdata, SharedArray, workers } from '../src/index.js';

console.log('addprocs(3) =', await addprocs(3));

// init runs on every participant, each filling its own localindices.
const S = await SharedArray.create('int32', [3, 4], {
  init: (S) => {
    for (const i of localindices(S)) S.data[i] = myid();
  },
});
console.log(S);

console.log('S.set(2, 1, 7)');
S.set(2, 1, 7);
console.log(S);

console.log(`procs(S) = [${procs(S).join(', ')}], indexpids(S) on process 1 = ${indexpids(S)}, sdata(S) === S.data: ${sdata(S) === S.data}`);

// You can divide the work any way you wish: a stride over the participants.
const S2 = await SharedArray.create('int32', [3, 4], {
  init: (S) => {
    for (const i of range(indexpids(S), S.length, procs(S).length)) S.data[i] = myid();
  },
});
console.log(S2);

// The older manual's version, by pid rather than by position.
const S3 = await SharedArray.create('int32', [3, 4], {
  init: (S) => {
    for (const i of range(myid() - 2, S.length, nworkers())) S.data[i] = myid();
  },
});
console.log('the same by myid() - 2 : nworkers():', Array.from(S3.data).join(',') === Array.from(S2.data).join(','));

// finalize(S): release now rather than at garbage collection.
await Promise.all([S.close(), S2.close(), S3.close()]);
await rmprocs(workers());
