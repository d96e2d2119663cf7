#!/usr/bin/env bash
# Installs what Chorus needs, builds it twice (release, and with AddressSanitizer +
# UndefinedBehaviorSanitizer), runs every test in both builds, then runs the fuzz targets briefly.
# Exit status 0 only if all pass.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${CHORUS_JOBS:-2}"
bash scripts/install-deps.sh

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
ctest --test-dir build --output-on-failure -j"$jobs" || status=1
echo "== tests: sanitizer build =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" || status=1
echo "== fuzz targets, briefly (libFuzzer, clang) =="
bash fuzz/run-briefly.sh "${CHORUS_FUZZ_SECONDS:-10}" || status=1
if [ "$status" -ne 0 ]; then
  echo "chorus: some tests FAILED (see above)"
else
  echo "chorus: all tests passed in both builds"
fi
exit "$status"
