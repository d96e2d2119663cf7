#!/bin/sh
# chaos_catches_stale_reads: a deliberately broken cluster (members serve linearizable reads
# without ReadIndex) must make `chorus chaos` fail, and fail for the right reason: a
# linearizability violation in the register history, not a crash or a setup error.
#
# Partitions make the bug certain to show: the member cut off from the majority (the old leader,
# or a follower) keeps answering the clients, which still reach it, from a state that no longer
# moves while the majority accepts writes. So the run uses the network mode with partition
# faults only, one every 4 s. Up to ATTEMPTS runs with consecutive seeds are still allowed (a
# partition can fall where no client happens to read a key just written); the test passes at the
# first one caught, and a run that fails for another reason fails it at once.
# Exit 77 (skipped) where network namespaces cannot be made (no root): loopback mode has no
# partitions, and its pauses catch the bug only on a loaded machine (docs/chaos.md).
# Usage: catches_stale_reads.sh CHORUS_BINARY FIRST_SEED [ATTEMPTS]
. "$(dirname "$0")/skip_without_netns.sh"
chorus="$1"
seed="$2"
attempts="${3:-3}"
n=0
while [ "$n" -lt "$attempts" ]; do
  n=$((n + 1))
  out=$(mktemp) || exit 2
  "$chorus" chaos --duration 30s --mode netns --faults partition-leader,partition-halves \
    --fault-interval 4s --seed "$seed" --unsafe-no-read-index >"$out" 2>&1
  rc=$?
  skip_without_netns "$rc" "$out"
  verdict_ok=0
  grep -q '^chaos verdict: FAIL: register history is not linearizable' "$out" && verdict_ok=1
  # A failed run keeps its members' data for debugging; this failure is the expected one.
  kept=$(sed -n 's/.*members. data and logs kept in \(.*chorus-chaos-[A-Za-z0-9]*\)$/\1/p' "$out")
  [ -n "$kept" ] && rm -rf "$kept"
  if [ "$rc" -eq 1 ] && [ "$verdict_ok" -eq 1 ]; then
    tail -40 "$out"
    rm -f "$out"
    echo "the broken build was caught on attempt $n (seed $seed): exit 1, register history not linearizable"
    exit 0
  fi
  tail -20 "$out"
  rm -f "$out"
  if [ "$rc" -ne 0 ]; then
    echo "attempt $n (seed $seed): exit $rc without a linearizability verdict: the wrong failure" >&2
    exit 1
  fi
  echo "attempt $n (seed $seed): the broken build passed this run; trying the next seed"
  seed=$((seed + 1))
done
echo "the broken build was not caught in $attempts runs of 30 s" >&2
exit 1
