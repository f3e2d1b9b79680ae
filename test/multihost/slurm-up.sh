#!/usr/bin/env bash
# slurm-up.sh [--until-closed FD] — a one-node Slurm cluster for tests: one simulated machine
# "slurm1" (built like hosts-up.sh's, see lib.sh: own network, PID and mount namespaces, private
# /dev/shm and /tmp) running munged, slurmctld and slurmd, everything configured under its state
# directory. Needs: apt-get install -y slurmctld slurmd slurm-client munge. Run as root.
#
# Prints, as its last line, the path of slurm.json (what the vitest helper reads). Slurm's client
# commands work inside the machine, with the cluster's configuration:
#   exec.sh <state> slurm1 env SLURM_CONF=<state>/slurm.conf srun -n 2 hostname
# Tear down with hosts-down.sh <state> (or slurm-down.sh); --until-closed as in hosts-up.sh.
#
# Facts behind the configuration: Slurm in a loopback-only namespace fails (getaddrinfo with
# AI_ADDRCONFIG finds no address), hence a real address on the bridge; no accounting and no
# cgroups (plugins that work without systemd or a database); the node offers every CPU.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hold=
[ "${1:-}" != --until-closed ] || { hold=${2:?--until-closed needs a file descriptor}; shift 2; }
[[ $hold =~ ^[0-9]*$ ]] || die "--until-closed takes a file descriptor number, got '$hold'"
need_root_and_tools /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged srun sinfo
t0=$(now_ms)

instance_begin slurm "$hold"
NODE=slurm1; ADDR=$SUB.10; D=$STATE/$NODE
mkdir -p "$D/spool" "$D/ctld"
printf '127.0.0.1 localhost\n%s.1 harness\n%s %s\n' "$SUB" "$ADDR" "$NODE" > "$STATE/etc-hosts"

# munge: a fresh key, readable by root only (munged runs as root here, hence --force).
head -c 1024 /dev/urandom > "$D/munge.key"
chmod 400 "$D/munge.key"

cat > "$D/slurm.conf" <<CONF
ClusterName=sa$K
SlurmctldHost=$NODE($ADDR)
AuthType=auth/munge
AuthInfo=socket=$D/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmdSpoolDir=$D/spool
StateSaveLocation=$D/ctld
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$NODE NodeAddr=$ADDR CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
printf 'CgroupPlugin=cgroup/v1\nCgroupAutomount=no\n' > "$D/cgroup.conf"

switch_up
export_machine_env "$STATE/etc-hosts"
machine_up "$NODE" "$ADDR" "$HERE/machine-init.sh" "$D" "$NODE" "$HERE/slurm-node.sh" "$D" 9<&-

# Ready when the node is idle (slurmd registered with slurmctld); the machine dying fails the start.
for _ in $(seq 300); do
  recorded "$D/unshare" >/dev/null || break
  init=$(machine_init "$NODE")
  [ -n "$init" ] && echo "$init $(proc_start "$init")" > "$D/init" &&
    SLURM_CONF=$D/slurm.conf "$HERE/exec.sh" "$STATE" "$NODE" sinfo -h -o %t 2>/dev/null | grep -qx idle && break
  sleep 0.05
done
SLURM_CONF=$D/slurm.conf "$HERE/exec.sh" "$STATE" "$NODE" sinfo -h -o %t 2>/dev/null | grep -qx idle || {
  echo "slurm-up: $NODE did not become idle:" >&2
  tail -n 20 "$D/init.log" "$D"/*.log >&2 2>/dev/null; false
}

ms=$(($(now_ms) - t0))
printf '{"slot":%s,"state":"%s","id":"%s","root":"%s.1","upMs":%s,"node":{"name":"%s","address":"%s","init":"%s"},"conf":"%s"}\n' \
  "$K" "$STATE" "$(cat "$STATE/id")" "$SUB" "$ms" "$NODE" "$ADDR" "$(cat "$D/init")" "$D/slurm.conf" > "$STATE/slurm.json"
instance_ready
echo "slurm-up: $NODE at $ADDR ready in $ms ms; SLURM_CONF=$D/slurm.conf $HERE/exec.sh $STATE $NODE srun -n 2 hostname" >&2
echo "$STATE/slurm.json"
