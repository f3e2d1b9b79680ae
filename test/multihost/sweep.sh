#!/usr/bin/env bash
# sweep.sh — tear down the instances whose recorded owner process has died (a test run killed
# together with its reaper). Only those: an instance is proven ours by its state directory under
# $SA_MH_BASE and its owner file; one without an owner (started by hand) stays until hosts-down.sh.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

for state in "$SA_MH_BASE"/[0-9]*; do
  [ -f "$state/owner" ] || continue
  read -r owner _ < "$state/owner"
  [ "$owner" != manual ] || continue
  recorded "$state/owner" >/dev/null && continue
  echo "sweep: instance $(basename "$state") outlived its owner (pid $owner): tearing it down" >&2
  "$HERE/hosts-down.sh" "$state" "$(cat "$state/id" 2>/dev/null)"
done
exit 0
