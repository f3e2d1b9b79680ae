#!/usr/bin/env bash
# hosts-up.sh [--until-closed FD] [N] — N simulated machines hostA, hostB, ... (default 3),
# each its own network namespace with an address on a bridge, hostname, PID namespace, private
# /dev/shm, /tmp and /root, boot id, and an OpenSSH server with a generated host key that accepts
# one generated client key. Run as root. See lib.sh for the layout and naming.
#
# Prints, as its last line, the path of hosts.json (what the vitest helper reads). The state
# directory also holds: ssh_config (`ssh -F <state>/ssh_config hostB cmd` works from the root
# namespace and from every host), machinefile (one host per line), hosts.env (for shells).
#
# Lifetime: until hosts-down.sh <state>. With --until-closed FD (a pipe or socket whose other end
# the caller keeps), also until that end closes: a reaper waits for end of file on it, so the
# hosts go down when the caller dies, even by kill -9 (from a shell: --until-closed 0).
# SA_MH_OWNER=<pid> records who owns the instance: sweep.sh (run first here) tears down the
# instances whose owner has died, should their reaper have been killed too.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hold=
[ "${1:-}" != --until-closed ] || { hold=${2:?--until-closed needs a file descriptor}; shift 2; }
[[ $hold =~ ^[0-9]*$ ]] || die "--until-closed takes a file descriptor number, got '$hold'"
N=${1:-3}
{ [[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 26 ]; } || die "the number of hosts must be 1..26, got '$N'"
need_root_and_tools ssh ssh-keygen /usr/sbin/sshd
t0=$(now_ms)

instance_begin hosts "$hold"

# The machines' names and addresses (.10, .11, ...; the root namespace is .1), known to every
# machine through its /etc/hosts and to ssh through ssh_config.
HOSTS=$(echo {A..Z} | tr ' ' '\n' | head -n "$N" | sed 's/^/host/')
addr() { echo "$SUB.$((10 + $(echo "$HOSTS" | grep -nx "$1" | cut -d: -f1) - 1))"; }
{
  echo "127.0.0.1 localhost"
  echo "$SUB.1 harness"
  for H in $HOSTS; do echo "$(addr "$H") $H"; done
} > "$STATE/etc-hosts"

# Keys: one client key for every login; one host key per host, pinned in known_hosts.
mkdir -p /run/sshd   # sshd's privilege separation directory (what its own service creates)
ssh-keygen -q -t ed25519 -N '' -C "sa-mh$K-client" -f "$STATE/client_ed25519"
cp "$STATE/client_ed25519.pub" "$STATE/authorized_keys"
for H in $HOSTS; do
  mkdir -p "$STATE/$H"
  ssh-keygen -q -t ed25519 -N '' -C "$H" -f "$STATE/$H/host_ed25519"
  echo "$H,$(addr "$H") $(cut -d' ' -f1,2 "$STATE/$H/host_ed25519.pub")" >> "$STATE/known_hosts"
  printf 'Host %s\n  HostName %s\n' "$H" "$(addr "$H")" >> "$STATE/ssh_config"
  echo "$H" >> "$STATE/machinefile"
done
cat >> "$STATE/ssh_config" <<EOF
Host *
  User root
  IdentityFile $STATE/client_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $STATE/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 3
  LogLevel ERROR
EOF

switch_up
export_machine_env "$STATE/etc-hosts"
for H in $HOSTS; do
  # sshd as Debian ships it, except for the keys (and no PAM: there are no passwords here).
  cat > "$STATE/$H/sshd_config" <<EOF
ListenAddress $(addr "$H"):22
HostKey $STATE/$H/host_ed25519
AuthorizedKeysFile $STATE/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
AcceptEnv LANG LC_*
EOF
  /usr/sbin/sshd -t -f "$STATE/$H/sshd_config"
  machine_up "$H" "$(addr "$H")" "$HERE/machine-init.sh" "$STATE/$H" "$H" \
    /usr/sbin/sshd -D -f "$STATE/$H/sshd_config" -E "$STATE/$H/sshd.log" 9<&-
done

# Ready when every sshd listens; a machine that dies first fails the whole start, with its log.
for H in $HOSTS; do
  for _ in $(seq 500); do
    ss -N "$P-$H" -Htln 'sport = :22' | grep -q . && break
    recorded "$STATE/$H/unshare" >/dev/null || break
    sleep 0.01
  done
  ss -N "$P-$H" -Htln 'sport = :22' | grep -q . || {
    echo "hosts-up: $H did not start:" >&2; cat "$STATE/$H/init.log" "$STATE/$H/sshd.log" >&2 2>/dev/null; false
  }
  init=$(machine_init "$H")
  echo "$init $(proc_start "$init")" > "$STATE/$H/init"
done

{
  echo "SA_MH_STATE=$STATE"
  echo "HOSTS=\"${HOSTS//$'\n'/ }\""
  for H in $HOSTS; do echo "HOST_${H}_IP=$(addr "$H")"; done
  echo "SSH=\"ssh -F $STATE/ssh_config\""
} > "$STATE/hosts.env"
ms=$(($(now_ms) - t0))
{
  printf '{"slot":%s,"state":"%s","id":"%s","root":"%s.1","upMs":%s,"hosts":[' "$K" "$STATE" "$(cat "$STATE/id")" "$SUB" "$ms"
  sep=
  for H in $HOSTS; do
    printf '%s{"name":"%s","address":"%s","init":"%s"}' "$sep" "$H" "$(addr "$H")" "$(cat "$STATE/$H/init")"
    sep=,
  done
  printf ']}\n'
} > "$STATE/hosts.json"
instance_ready
echo "hosts-up: ${HOSTS//$'\n'/ } on $SUB.0/24 in $ms ms; ssh -F $STATE/ssh_config hostA hostname" >&2
echo "$STATE/hosts.json"
