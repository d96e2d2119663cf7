#!/usr/bin/env bash
# Builds the storage and peer transport fuzz targets with clang (libFuzzer + ASan + UBSan) in
# build-fuzz/ and runs each for a few seconds from seed inputs plus whatever corpus earlier runs
# left there.
#
#   fuzz/run-briefly.sh [seconds per target, default 20]
#
# Environment: FUZZ_JOBS (build parallelism, default 2), CXX_FUZZ (compiler, default clang++).
# Exits non-zero if a target finds a crash, a leak, a sanitizer report or a broken property;
# the reproducer is left in build-fuzz/artifacts/ (rerun with: build-fuzz/src/<target> <file>).
set -euo pipefail

seconds="${1:-20}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
jobs="${FUZZ_JOBS:-2}"

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCHORUS_FUZZ=ON -DCHORUS_BENCH=OFF >/dev/null
cmake --build "$build" --target wal_record_fuzz snapshot_reader_fuzz storage_fuzz_seeds \
  peer_decoder_fuzz net_fuzz_seeds -j "$jobs"

mkdir -p "$build/corpus/wal_record" "$build/corpus/snapshot_reader" "$build/corpus/peer_decoder" \
  "$build/artifacts"
"$build/src/storage_fuzz_seeds" "$build/corpus/wal_record" "$build/corpus/snapshot_reader"
"$build/src/net_fuzz_seeds" "$build/corpus/peer_decoder"

# libFuzzer prints a line per corpus change, thousands in all: each target's log goes to a file,
# and only its final line is shown, or its last lines when it failed.
mkdir -p "$build/logs"
status=0
for target in wal_record snapshot_reader peer_decoder; do
  echo "== ${target}_fuzz for ${seconds}s"
  log="$build/logs/${target}.log"
  if "$build/src/${target}_fuzz" \
    -max_total_time="$seconds" \
    -max_len=65536 \
    -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/${target}-" \
    "$build/corpus/$target" >"$log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs' "$log" || tail -n 3 "$log"
  else
    echo "${target}_fuzz FAILED; the end of its log ($log):"
    tail -n 60 "$log"
    status=1
  fi
done
exit "$status"
