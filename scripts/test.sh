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

# What failed, named again at the very end: a CI log is often read from its tail, and by then
# a failed test's output lies hundreds of lines up.
failed=()

# Runs one build's tests with the scratch TMPDIR; on failure, remembers which tests failed.
run_tests() {
  local dir="$1" label="$2"
  shift 2
  rm -f "$dir/Testing/Temporary/LastTestsFailed.log"
  echo "== tests: $label build =="
  if ! env TMPDIR="$scratch" "$@" ctest --test-dir "$dir" --output-on-failure -j"$jobs"; then
    local list="$dir/Testing/Temporary/LastTestsFailed.log" names="ctest failed (see above)"
    if [ -s "$list" ]; then names=$(cut -d: -f2- "$list" | tr '\n' ' '); fi
    failed+=("$label build: $names")
  fi
  check_scratch "$label" || failed+=("$label build: left files in \$TMPDIR")
}

# The last lines of each failed test's output, from ctest's log of the run. Never fails: it
# only adds to a verdict already reached.
show_failed_output() {
  local dir="$1" name
  local list="$dir/Testing/Temporary/LastTestsFailed.log"
  [ -s "$list" ] && [ -f "$dir/Testing/Temporary/LastTest.log" ] || return 0
  cut -d: -f2- "$list" | while read -r name; do
    echo "-- $dir: $name (last lines)"
    awk -v name="$name" '
      index($0, "Testing: " name) && substr($0, length($0) - length(name) + 1) == name { on = 1 }
      on { print }
      on && index($0, "\"" name "\" end time") == 1 { exit }' \
      "$dir/Testing/Temporary/LastTest.log" | tail -n 40 || true
  done || true
}

echo "== formatting =="
bash scripts/check-format.sh || failed+=("formatting: scripts/check-format.sh")
run_tests build release
run_tests build-asan sanitizer ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== fuzz targets, briefly (libFuzzer, clang) =="
bash fuzz/run-briefly.sh "${CHORUS_FUZZ_SECONDS:-10}" || failed+=("fuzz targets (see above)")

if [ "${#failed[@]}" -eq 0 ]; then
  echo "chorus: all tests passed in both builds"
  exit 0
fi
echo "== what failed =="
show_failed_output build
show_failed_output build-asan
echo "chorus: some tests FAILED:"
printf '  %s\n' "${failed[@]}"
exit 1
