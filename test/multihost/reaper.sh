#!/usr/bin/env bash
# reaper.sh STATE ID — started by hosts-up.sh/slurm-up.sh --until-stdin-closes, in its own
# session. It waits for end of file on stdin, which the kernel delivers when the caller (the
# test process) closes the pipe or dies in any way, kill -9 included; then it tears down.
cat > /dev/null
exec "$(dirname "$0")/hosts-down.sh" "$1" "$2"
