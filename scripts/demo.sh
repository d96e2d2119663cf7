#!/usr/bin/env bash
# Installs what Chorus needs, builds the chorus binary, and runs `chorus demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --target chorus -j"${CHORUS_JOBS:-2}"
exec ./build/src/chorus demo "$@"
