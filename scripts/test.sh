#!/usr/bin/env bash
# Installs what Chorus needs, builds it twice (release, and with AddressSanitizer +
# UndefinedBehaviorSanitizer), runs every test in both builds, then runs the fuzz targets briefly.
# Exit status 0 only if all pass.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${CHORUS_JOBS:-2}"
bash scripts/install-deps.sh

# A full run needs about 6 GiB for the two builds, and the tests' member directories come and
# go on top of that. Say what there is, so that a run that stops on a full disk is plain.
echo "== disk =="
df -h . "${TMPDIR:-/tmp}"

# Every harness keeps its members' data under $TMPDIR (base/temp_dir.h, tempfile in Python).
# The tests get one of their own, so that a test which leaves a directory behind is caught here
# rather than by a disk that fills up after many runs (each member's WAL preallocates 64 MiB).
# Only ctest sees it: the compiler's temporary files stay where they were.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/chorus-test-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# Fails (and empties the directory) when the tests just run left anything in it.
check_scratch() {
  [ -z "$(ls -A "$scratch")" ] && return 0
  echo "chorus: tests of the $1 build left these behind in \$TMPDIR:"
  find "$scratch" -mindepth 1 -maxdepth 1 -exec du -sh -- {} +
  find "$scratch" -mindepth 1 -delete
  return 1
}

echo "== release build =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"

echo "== sanitizer build (ASan + UBSan) =="
# Assertions stay on (no NDEBUG); fewer fresh simulator seeds, since each runs ~10x slower.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCHORUS_SANITIZE=ON -DCHORUS_SIM_SEEDS=200
cmake --build build-asan -j"$jobs"

status=0
echo "== formatting =="
bash scripts/check-format.sh || status=1
echo "== tests: release build =="
TMPDIR="$scratch" ctest --test-dir build --output-on-failure -j"$jobs" || status=1
check_scratch release || status=1
echo "== tests: sanitizer build =="
TMPDIR="$scratch" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" || status=1
check_scratch sanitizer || status=1
echo "== fuzz targets, briefly (libFuzzer, clang) =="
bash fuzz/run-briefly.sh "${CHORUS_FUZZ_SECONDS:-10}" || status=1
if [ "$status" -ne 0 ]; then
  echo "chorus: some tests FAILED (see above)"
else
  echo "chorus: all tests passed in both builds"
fi
exit "$status"
