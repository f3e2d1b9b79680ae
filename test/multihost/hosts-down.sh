#!/usr/bin/env bash
# hosts-down.sh STATE [ID] — tear down one instance (from hosts-up.sh or slurm-up.sh): every
# process of its machines, its network namespaces and links, its state directory. STATE is the
# state directory or its slot number. With ID, only if STATE still holds that instance (a slot
# is reused once free). Idempotent: safe after a failed start, twice, or concurrently (a lock).
#
# It kills only what the instance started: the reaper and each machine's unshare, by recorded
# pid and start time. Killing unshare SIGKILLs the machine's pid 1 (--kill-child), and the kernel
# then kills every process of that PID namespace. Whatever still runs inside one of our network
# namespaces after that (someone's `ip netns exec`) is ours by construction: killed by pid.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root"
arg=${1:?usage: hosts-down.sh STATE [ID]}
K=$(basename "$arg")
{ [[ $K =~ ^[0-9]+$ ]] && { [ "$arg" = "$K" ] || [ "$arg" = "$SA_MH_BASE/$K" ]; }; } ||
  die "'$arg' is not an instance: expected $SA_MH_BASE/<slot> or <slot>"
STATE=$SA_MH_BASE/$K; P=sa-mh$K
t0=$(now_ms)

ID=${2:-$(cat "$STATE/id" 2>/dev/null)}
{ exec 9<"$STATE"; } 2>/dev/null || exit 0      # no state directory: nothing is up
flock -w 60 9 || die "$STATE is locked by another start or teardown for 60 s"
[ "$(cat "$STATE/id" 2>/dev/null)" = "$ID" ] || exit 0   # already down (maybe reused since)

# 1. processes: the reaper (unless it is us: it execs this script), then every machine at once.
reaper=$(recorded "$STATE/reaper")
[ -z "$reaper" ] || [ "$reaper" = $$ ] || kill -KILL "$reaper"
pids=
for f in "$STATE"/*/unshare; do
  pid=$(recorded "$f") || continue
  kill -KILL "$pid" && pids="$pids $pid"
done
for pid in $pids; do wait_gone "$pid" || echo "hosts-down: unshare $pid did not exit" >&2; done

# 2. wait for each machine's PID namespace to empty; kill what is left in our network namespaces.
namespaces=$(ip netns list | cut -d' ' -f1 | grep "^$P-")
for ns in $namespaces; do
  for _ in $(seq 250); do [ -z "$(ip netns pids "$ns")" ] && break; sleep 0.02; done
  mapfile -t left < <(ip netns pids "$ns")
  [ ${#left[@]} -gt 0 ] || continue
  echo "hosts-down: killing processes left in $ns: ${left[*]}" >&2
  kill -KILL "${left[@]}" 2>/dev/null
  for pid in "${left[@]}"; do wait_gone "$pid" || echo "hosts-down: pid $pid in $ns did not exit" >&2; done
done

# 3. namespaces (a veth goes with the namespace of either end) and the root namespace's port.
for ns in $namespaces; do ip netns del "$ns"; done
ip link show "$P-root" >/dev/null 2>&1 && ip link del "$P-root"

# 4. the state, unless something survived: then keep it, so that a second run can finish.
remains=$(ip netns list | cut -d' ' -f1 | grep "^$P-"; ip -br link | cut -d' ' -f1 | grep "^$P-")
[ -z "$remains" ] || die "left over, state kept in $STATE: $remains"
rm -rf "$STATE"
rmdir "$SA_MH_BASE" 2>/dev/null   # when it was the last instance
echo "hosts-down: instance $K down in $(($(now_ms) - t0)) ms" >&2
