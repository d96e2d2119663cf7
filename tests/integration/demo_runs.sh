#!/bin/sh
# demo_runs: the README's main job. `chorus demo --no-wait` starts a real 3-member cluster, runs
# its workload and stops. After a run that went well it must leave nothing in $TMPDIR: it removes
# the directory it made for its members. After one that failed, the members' logs are shown.
# Usage: demo_runs.sh CHORUS_BINARY
chorus="$1"
t=$(mktemp -d) || exit 2
TMPDIR="$t" "$chorus" demo --no-wait
rc=$?
if [ "$rc" -ne 0 ]; then
  for log in "$t"/*/*.log; do
    [ -f "$log" ] && { echo "== $log"; tail -30 "$log"; }
  done
  echo "chorus demo exited $rc"
elif [ -n "$(ls -A "$t")" ]; then
  echo "chorus demo passed but left this behind in its TMPDIR:"
  ls -laR "$t" | head -40
  rc=1
fi
rm -rf "$t"
exit "$rc"
