"""Python's multiprocessing Pool.map over trivial items: the baseline for pmap's per-item cost.

A pool of --procs processes is started once and warmed up; then every line "run" on standard
input times one Pool.map(inc, range(--items)) with the default chunksize (len / (4 * procs),
rounded up) and answers with one line of JSON: {"seconds": ..., "chunksize": ...}. "quit" (or the
end of input) stops it. bench/parallel.ts drives it, so its rounds interleave with pmap's.

    python3 bench/baselines/pool_map.py --items 100000 --procs 2
"""
import argparse
import json
import sys
import time
from multiprocessing import Pool


def inc(x):
    return x + 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()
    items = range(args.items)
    # Pool.map's default: divmod(len, 4 * processes), rounded up.
    chunksize, extra = divmod(args.items, 4 * args.procs)
    chunksize += 1 if extra else 0
    with Pool(args.procs) as pool:
        pool.map(inc, items)  # warm-up: workers started, code loaded
        print(json.dumps({"ready": True, "python": sys.version.split()[0]}), flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            t0 = time.perf_counter()
            out = pool.map(inc, items)
            seconds = time.perf_counter() - t0
            assert out[-1] == args.items
            print(json.dumps({"seconds": seconds, "chunksize": chunksize}), flush=True)


if __name__ == "__main__":
    main()
