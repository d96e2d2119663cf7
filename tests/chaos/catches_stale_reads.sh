#!/bin/sh
# chaos_catches_stale_reads: a deliberately broken cluster (members serve linearizable reads
# without ReadIndex) must make `chorus chaos` fail, and fail for the right reason: a
# linearizability violation in the register history, not a crash or a setup error.
#
# A stale read needs a follower that lags when a client reads from it: under load that is
# constant, on a quiet machine it takes a paused follower's catch-up. One 40 s run usually shows
# it but not always (a CI run once passed the broken build), so up to ATTEMPTS runs with
# consecutive seeds are made; the test passes at the first one caught. A run that fails for
# another reason fails the test at once.
# Usage: catches_stale_reads.sh CHORUS_BINARY FIRST_SEED [ATTEMPTS]
chorus="$1"
seed="$2"
attempts="${3:-4}"
n=0
while [ "$n" -lt "$attempts" ]; do
  n=$((n + 1))
  out=$(mktemp) || exit 2
  "$chorus" chaos --duration 40s --mode loopback --seed "$seed" --fault-interval 5s \
    --unsafe-no-read-index >"$out" 2>&1
  rc=$?
  verdict_ok=0
  grep -q '^chaos verdict: FAIL: register history is not linearizable' "$out" && verdict_ok=1
  # A failed run keeps its members' data for debugging; this failure is the expected one.
  kept=$(sed -n 's/.*members. data and logs kept in \(\/tmp\/chorus-chaos-[A-Za-z0-9]*\)$/\1/p' "$out")
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
echo "the broken build was not caught in $attempts runs of 40 s" >&2
exit 1
