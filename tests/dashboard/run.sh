#!/usr/bin/env bash
# The dashboard's real-browser test, as ctest runs it:
#   bash tests/dashboard/run.sh <chorus-binary> <out-dir>
# Needs Node (>= 20), npm (first run only: installs playwright-core from package-lock.json) and
# Debian's Chromium at /usr/bin/chromium (scripts/install-deps.sh installs both).
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 <chorus-binary> <out-dir>" >&2
  exit 2
fi
binary=$1
out_dir=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! command -v node >/dev/null; then
  echo "dashboard test: node is not installed (apt-get install nodejs npm)" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "dashboard test: /usr/bin/chromium is missing (apt-get install chromium; scripts/install-deps.sh does)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "dashboard test: installing playwright-core (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || {
    echo "dashboard test: npm ci failed in $here" >&2
    exit 1
  }
fi

mkdir -p "$out_dir"
exec node "$here/dashboard_test.mjs" --chorus-binary "$binary" --out-dir "$out_dir"
