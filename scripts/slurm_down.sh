#!/usr/bin/env bash
# Stops the single-node Slurm of scripts/slurm_up.sh (the daemons of its state directory, by the
# pids in their pid files) and removes that directory.
set -uo pipefail
D=${CSBRNN_SLURM_DIR:-/tmp/csbrnn-slurm}
[ -d "$D" ] || { echo "slurm_down: nothing to stop ($D does not exist)"; exit 0; }
export SLURM_CONF=$D/slurm.conf
[ -f "$SLURM_CONF" ] && timeout 10 scancel --quiet --user=root 2>/dev/null
stop() {  # pid file, name
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "slurm_down: stopped $2 ($pid)"
  fi
}
stop "$D/slurmd.pid" slurmd
stop "$D/slurmctld.pid" slurmctld
stop "$D/munge/munged.pid" munged
rm -rf "$D"
