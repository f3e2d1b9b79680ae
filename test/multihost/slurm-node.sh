#!/usr/bin/env bash
# slurm-node.sh DIR — the service of the simulated Slurm machine (run by machine-init.sh as its
# pid 1's child): munged, slurmctld and slurmd in the foreground, all configured from DIR (made
# by slurm-up.sh). If any of them exits, so does this script, and the machine with it.
set -uo pipefail
dir=$1
export SLURM_CONF=$dir/slurm.conf
/usr/sbin/munged -F --force --socket="$dir/munge.sock" --key-file="$dir/munge.key" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" &
# slurmctld and slurmd authenticate through munged from their first moment: wait for its socket.
for _ in $(seq 500); do [ -S "$dir/munge.sock" ] && break; sleep 0.01; done
/usr/sbin/slurmctld -D -i &
/usr/sbin/slurmd -D &
wait -n
echo "slurm-node: a daemon exited; see $dir/*.log" >&2
exit 1
