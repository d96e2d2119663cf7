#!/bin/sh
# chaos_catches_stale_reads: a deliberately broken cluster (members serve linearizable reads
# without ReadIndex) must make `chorus chaos` fail, and fail for the right reason: a
# linearizability violation in the register history, not a crash or a setup error.
# Usage: catches_stale_reads.sh CHORUS_BINARY SEED
chorus="$1"
seed="$2"
out=$(mktemp) || exit 2
"$chorus" chaos --duration 40s --mode loopback --seed "$seed" --unsafe-no-read-index >"$out" 2>&1
rc=$?
tail -80 "$out"
verdict_ok=0
grep -q '^chaos verdict: FAIL: register history is not linearizable' "$out" && verdict_ok=1
# A failed run keeps its members' data for debugging; this failure is the expected one.
kept=$(sed -n 's/.*members. data and logs kept in \(\/tmp\/chorus-chaos-[A-Za-z0-9]*\)$/\1/p' "$out")
[ -n "$kept" ] && rm -rf "$kept"
rm -f "$out"
if [ "$rc" -ne 1 ] || [ "$verdict_ok" -ne 1 ]; then
  echo "expected exit 1 with a linearizability violation; got exit $rc" >&2
  exit 1
fi
echo "the broken build was caught (exit 1, register history not linearizable)"
