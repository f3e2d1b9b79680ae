#!/usr/bin/env bash
# slurm-down.sh STATE [ID] — tear down a Slurm machine from slurm-up.sh. Nothing in it needs a
# gentler end than the SIGKILL of its PID namespace (the job state is thrown away with it), so
# this is hosts-down.sh, checked to be given a Slurm instance.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
state=${1:?usage: slurm-down.sh STATE [ID]}
[ "$state" = "$(basename "$state")" ] && state=$SA_MH_BASE/$state
[ ! -e "$state/kind" ] || [ "$(cat "$state/kind")" = slurm ] || die "$state is not a Slurm instance"
exec "$HERE/hosts-down.sh" "$@"
