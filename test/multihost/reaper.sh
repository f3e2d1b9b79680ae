#!/usr/bin/env bash
# reaper.sh STATE ID — started by hosts-up.sh/slurm-up.sh --until-closed, in its own session.
# It waits for end of file on stdin, which the kernel delivers when the caller (the test process)
# closes its end or dies in any way, kill -9 included; then it tears down. `read` is a builtin:
# the wait needs no child process, so killing the reaper's pid leaves nothing behind.
while read -r _; do :; done
exec "$(dirname "$0")/hosts-down.sh" "$1" "$2"
