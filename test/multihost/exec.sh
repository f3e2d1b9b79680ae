#!/usr/bin/env bash
# exec.sh STATE MACHINE CMD... — run CMD inside a simulated machine (its network, UTS, IPC,
# mount and PID namespaces), without ssh: e.g. a test's master on hostA, or srun on slurm1.
# The working directory stays the caller's (it must exist on the machine: a shared path).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
state=${1:?usage: exec.sh STATE MACHINE CMD...}; m=${2:?usage: exec.sh STATE MACHINE CMD...}
shift 2
init=$(recorded "$state/$m/init") || die "no machine '$m' running in $state"
# nsenter forks, so that CMD is inside the PID namespace, and exits as CMD does.
exec nsenter -t "$init" -n -u -i -m -p --wdns="$PWD" -- "$@"
