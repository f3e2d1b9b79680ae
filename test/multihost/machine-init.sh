#!/usr/bin/env bash
# machine-init.sh DIR NAME CMD... — pid 1 of one simulated machine (started by machine_up in
# lib.sh, already inside the machine's own network, UTS, IPC, PID and mount namespaces).
#
# It makes the machine look like a separate computer: hostname NAME, private /dev/shm, /tmp and
# /root (empty tmpfs), its own boot id, and an /etc/hosts naming every machine of the instance.
# Everything else of the file system is shared, as on a cluster with a shared home: the paths in
# SA_MH_SHARED (colon-separated: the checkout, node's install) stay visible at the same path even
# when they lie under a private directory. Then it runs CMD (the machine's service: sshd, or the
# Slurm daemons) and stays pid 1 until CMD exits, reaping orphans as an init must.
#
# Environment: SA_MH_SHARED, SA_MH_ETC_HOSTS (a file to show as /etc/hosts), SA_MH_SHM_SIZE.
set -euo pipefail
dir=$1 name=$2
shift 2
private=(/dev/shm /tmp /root)

hostname "$name"

# A shared path under a private directory would vanish under the tmpfs: bind it to a staging
# mount point first (in DIR, which is not private), and move it back on top of the tmpfs after.
staged=()
IFS=: read -r -a shared <<< "${SA_MH_SHARED:-}"
for p in "${shared[@]}"; do
  [ -n "$p" ] || continue
  [ -d "$p" ] || { echo "machine-init: shared path '$p' is not a directory" >&2; exit 1; }
  for d in "${private[@]}"; do
    [ "$p" != "$d" ] || { echo "machine-init: shared path '$p' is a private directory of every machine" >&2; exit 1; }
    case "$p" in "$d"/*)
      mkdir -p "$dir/stage/${#staged[@]}"
      mount --bind "$p" "$dir/stage/${#staged[@]}"
      staged+=("$p") ;;
    esac
  done
done

mount -t tmpfs -o "mode=1777,nosuid,nodev,size=${SA_MH_SHM_SIZE:-256m}" "shm-$name" /dev/shm
mount -t tmpfs -o mode=1777,nosuid,nodev "tmp-$name" /tmp
mount -t tmpfs -o mode=700 "home-$name" /root
for i in "${!staged[@]}"; do
  mkdir -p "${staged[$i]}"
  mount --move "$dir/stage/$i" "${staged[$i]}"
done

# A machine has its own boot id (the project tells hosts apart by boot id and PID namespace).
cat /proc/sys/kernel/random/uuid > "$dir/boot_id"
mount --bind "$dir/boot_id" /proc/sys/kernel/random/boot_id
[ -z "${SA_MH_ETC_HOSTS:-}" ] || mount --bind "$SA_MH_ETC_HOSTS" /etc/hosts

# Bash, waiting here, reaps every child that exits, adopted orphans included.
"$@" &
wait $!
