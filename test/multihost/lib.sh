# shellcheck shell=bash
# lib.sh — sourced by the scripts in this folder (never run on its own).
#
# An *instance* is one set of simulated machines (hostA.. from hosts-up.sh, or slurm1 from
# slurm-up.sh). Each instance owns a slot K, claimed atomically by creating its state directory
# $SA_MH_BASE/K. Everything it builds is named from K: network namespaces and the root
# namespace's veth start with "sa-mhK-", addresses are $SA_MH_NET.K.0/24. So two instances (two
# test files running at once) never collide, and teardown can prove from names alone that a
# namespace is ours. The state directory lives under /run, not /tmp: each host's /tmp is private.
#
# A machine is a pid 1 (an init script) in its own network, UTS, IPC, PID and mount namespaces,
# plugged into a bridge that lives in the instance's own "switch" namespace. The root namespace
# joins the switch with one veth at .1, so the test process can reach every machine; nothing is
# routed or NATed, and host-to-host traffic never crosses the root namespace's firewall.

SA_MH_BASE=${SA_MH_BASE:-/run/sharedarrays-mh}
SA_MH_NET=${SA_MH_NET:-10.231}
SA_MH_SLOTS=64

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# Milliseconds since the epoch (for the timings the scripts print).
now_ms() { echo $(($(date +%s%N) / 1000000)); }

need_root_and_tools() {
  [ "$(id -u)" = 0 ] || die "must run as root (network, PID and mount namespaces need it)"
  local c
  for c in ip unshare nsenter setsid flock ss "$@"; do
    command -v "$c" >/dev/null || die "missing '$c'; install it (Debian: apt-get install -y --no-install-recommends openssh-server openssh-client iproute2 util-linux)"
  done
}

# The start time (clock ticks since boot) of a process, or nothing: with the pid, it names one
# process for good (a pid alone may be reused).
proc_start() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# Gone: no such process, or a zombie (it runs no code; its parent reaps it when it can).
gone() { [ ! -e "/proc/$1" ] || sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'; }

# recorded FILE: print the pid recorded as "pid start" in FILE if that very process still runs.
# (A zombie runs no more: the root namespace's pid 1 may take its time to reap an orphan.)
recorded() {
  local pid start
  read -r pid start 2>/dev/null < "$1" || return 1
  [ -n "$pid" ] && [ "$(proc_start "$pid")" = "$start" ] && ! gone "$pid" && echo "$pid"
}

# Wait up to ~5 s for a process to be gone.
wait_gone() { for _ in $(seq 250); do gone "$1" && return 0; sleep 0.02; done; return 1; }

# claim_slot KIND: claim a free slot and create its state directory. Sets K, STATE, P (the name
# prefix), SUB (the /24 without its last byte). Records the owner, the process whose death ends
# the instance (SA_MH_OWNER; "manual" without it: torn down only by hand), and a random id that
# names this instance, so that a teardown of a reused slot never hits a later instance.
claim_slot() {
  local kind=$1 k owner=manual
  if [ -n "${SA_MH_OWNER:-}" ]; then
    owner="$SA_MH_OWNER $(proc_start "$SA_MH_OWNER")"
    [ "${owner#* }" != "" ] || die "owner process $SA_MH_OWNER is not running"
  fi
  for k in $(seq 0 $((SA_MH_SLOTS - 1))); do
    # Skip a subnet the root namespace already routes (a real network, or a foreign tool).
    [ -z "$(ip -4 route show match "$SA_MH_NET.$k.0/24" | grep -v '^default'; ip -4 route show root "$SA_MH_NET.$k.0/24")" ] || continue
    # (the base again each time: the last teardown removes it, maybe just now)
    mkdir -p "$SA_MH_BASE"
    mkdir "$SA_MH_BASE/$k" 2>/dev/null || continue
    K=$k; STATE=$SA_MH_BASE/$k; P=sa-mh$k; SUB=$SA_MH_NET.$k
    echo "$owner" > "$STATE/owner"
    cat /proc/sys/kernel/random/uuid > "$STATE/id"
    echo "$kind" > "$STATE/kind"
    chmod 755 "$STATE"
    return 0
  done
  die "no free slot in $SA_MH_BASE (all $SA_MH_SLOTS taken: run sweep.sh, or hosts-down.sh on each)"
}

# instance_begin KIND [FD]: start building an instance (sets K, STATE, P, SUB). Sweeps the
# instances of dead owners first, claims a slot, and holds the instance's lock until the script
# ends: a teardown (the reaper's, if our caller dies now) waits until the build is done. Any
# failure or signal before instance_ready tears down whatever was built. With FD, starts the
# reaper on it (see reaper.sh) and closes our copy, so that no machine inherits it.
# Every long-lived process started after this must close fd 9, or it would hold the lock forever.
instance_begin() {
  local kind=$1 hold=${2:-}
  "$HERE/sweep.sh" >&2
  claim_slot "$kind"
  exec 9<"$STATE"
  flock 9
  ready=0
  trap '[ "$ready" = 1 ] || { exec 9<&-; echo "$(basename "$0"): failed; tearing down instance $K (id $(cat "$STATE/id"))" >&2; "$HERE/hosts-down.sh" "$STATE" "$(cat "$STATE/id")" >&2; }' EXIT
  trap 'exit 1' INT TERM HUP
  [ -n "$hold" ] || return 0
  setsid "$HERE/reaper.sh" "$STATE" "$(cat "$STATE/id")" <&"$hold" >"$STATE/reaper.log" 2>&1 9<&- &
  echo "$! $(proc_start $!)" > "$STATE/reaper"
  eval "exec $hold</dev/null"
}

# instance_ready: the build succeeded; from now on only hosts-down.sh (or the reaper) undoes it.
instance_ready() { ready=1; }

# export_machine_env ETC_HOSTS: what machine-init.sh needs to know: the /etc/hosts to show, and
# the paths every machine must see where they are (SA_MH_SHARED; by default the checkout and
# the install of the node on PATH; the vitest helpers name the node running the tests).
export_machine_env() {
  local node
  export SA_MH_ETC_HOSTS=$1
  node=$(command -v node || true)
  [ -n "${SA_MH_SHARED:-}" ] ||
    SA_MH_SHARED=$(cd "$HERE/../.." && pwd)${node:+:$(dirname "$(dirname "$(readlink -f "$node")")")}
  export SA_MH_SHARED
}

# switch_up: the instance's bridge, in its own namespace, and the root namespace's port on it.
switch_up() {
  ip netns add "$P-switch"
  ip -n "$P-switch" link set lo up
  ip -n "$P-switch" link add br0 type bridge
  ip -n "$P-switch" link set br0 up
  ip link add "$P-root" type veth peer name root netns "$P-switch"
  ip -n "$P-switch" link set root master br0 up
  ip addr add "$SUB.1/24" dev "$P-root"
  ip link set "$P-root" up
}

# machine_up NAME ADDRESS INIT [ARGS...]: a new machine NAME at ADDRESS whose pid 1 runs INIT.
# `ip netns exec` execs unshare inside the machine's network namespace; unshare forks the pid 1.
# --kill-child: when unshare dies, however it dies, the kernel SIGKILLs that pid 1, and with it
# every process of the machine's PID namespace. Teardown therefore needs only unshare's pid,
# recorded here (with its start time, so that it is never confused with a recycled pid).
machine_up() {
  local name=$1 addr=$2 ns=$P-$1 d=$STATE/$1
  shift 2
  mkdir -p "$d"
  ip netns add "$ns"
  ip -n "$P-switch" link add "$name" type veth peer name eth0 netns "$ns"
  ip -n "$P-switch" link set "$name" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  setsid ip netns exec "$ns" unshare --uts --ipc --mount --pid --fork --kill-child \
    --propagation private --mount-proc "$@" </dev/null >"$d/init.log" 2>&1 &
  echo "$! $(proc_start $!)" > "$d/unshare"
}

# machine_init NAME: the root-namespace pid of NAME's pid 1 (the only child of its unshare).
machine_init() {
  local u _
  read -r u _ < "$STATE/$1/unshare"
  cut -d' ' -f1 "/proc/$u/task/$u/children" 2>/dev/null
}
