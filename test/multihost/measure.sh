#!/usr/bin/env bash
# measure.sh [ROUNDS] — time the harness (as root): hosts up/down for 2 and 3 hosts, a fresh ssh
# login vs one over a ControlMaster connection (hostA -> hostB, `true`), and when Slurm is
# installed slurm-up, `srun -n 2 hostname` and teardown. Prints min / median / max in ms over
# ROUNDS (default 5) rounds; the machine is shared and noisy, so compare within one run.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
R=${1:-5}

# stats NAME MS...: one line "NAME min median max".
stats() {
  local name=$1; shift
  printf '%-34s %s\n' "$name" "$(printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%6d %6d %6d", a[1], a[int((NR+1)/2)], a[NR]}')"
}
# ms CMD...: run CMD quietly, print how long it took.
ms() { local t0; t0=$(now_ms); "$@" >/dev/null 2>&1; echo $(($(now_ms) - t0)); }

printf '%-34s %6s %6s %6s\n' "ms, $R rounds" min median max
for n in 2 3; do
  up=(); down=()
  for _ in $(seq "$R"); do
    t0=$(now_ms); json=$("$HERE/hosts-up.sh" "$n" 2>/dev/null); up+=($(($(now_ms) - t0)))
    down+=("$(ms "$HERE/hosts-down.sh" "$(dirname "$json")")")
  done
  stats "hosts-up.sh $n" "${up[@]}"; stats "hosts-down.sh ($n hosts)" "${down[@]}"
done

state=$(dirname "$("$HERE/hosts-up.sh" 2 2>/dev/null)")
ssh=(ssh -F "$state/ssh_config")
fresh=(); mux=()
"$HERE/exec.sh" "$state" hostA "${ssh[@]}" -o ControlMaster=yes -o ControlPath=/tmp/cm -o ControlPersist=60 -fN hostB
for _ in $(seq "$R"); do
  fresh+=("$(ms "$HERE/exec.sh" "$state" hostA "${ssh[@]}" hostB true)")
  mux+=("$(ms "$HERE/exec.sh" "$state" hostA "${ssh[@]}" -o ControlPath=/tmp/cm hostB true)")
done
base=(); for _ in $(seq "$R"); do base+=("$(ms "$HERE/exec.sh" "$state" hostA true)"); done
"$HERE/hosts-down.sh" "$state" 2>/dev/null
stats "ssh hostA->hostB true, fresh" "${fresh[@]}"; stats "ssh hostA->hostB true, multiplexed" "${mux[@]}"
stats "(exec.sh hostA true, included above)" "${base[@]}"

command -v slurmd >/dev/null || { echo "Slurm is not installed: no Slurm figures"; exit 0; }
up=(); srun=(); down=()
for _ in $(seq "$R"); do
  t0=$(now_ms); json=$("$HERE/slurm-up.sh" 2>/dev/null); up+=($(($(now_ms) - t0)))
  state=$(dirname "$json")
  srun+=("$(ms env SLURM_CONF="$state/slurm1/slurm.conf" "$HERE/exec.sh" "$state" slurm1 srun -n 2 hostname)")
  down+=("$(ms "$HERE/slurm-down.sh" "$state")")
done
stats "slurm-up.sh" "${up[@]}"; stats "srun -n 2 hostname" "${srun[@]}"; stats "slurm-down.sh" "${down[@]}"
