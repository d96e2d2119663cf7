#!/usr/bin/env bash
# Installs everything Chorus needs to build and test, from Debian 12 packages only.
# Safe to run repeatedly: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  clang lld libclang-rt-14-dev        # fuzz targets (libFuzzer) and sanitizers
  clang-format git                    # scripts/check-format.sh
  libgtest-dev libgmock-dev           # unit tests
  libcli11-dev libfmt-dev             # command line and formatting
  protobuf-compiler libprotobuf-dev   # etcd v3 API: .proto code generation (proto/)
  protobuf-compiler-grpc libgrpc++-dev # etcd v3 API: gRPC services
  libabsl-dev                         # absl::Mutex settings (cli/main.cc; also what gRPC is built on)
  libssl-dev                          # SHA-256 of the Snapshot stream
  libgoogle-perftools-dev             # tcmalloc under the chorus binary (CHORUS_TCMALLOC)
  etcd-server etcd-client             # the reference etcd for differential and client tests
  python3-etcd3                       # etcd's Python client, run against Chorus (/usr/bin/python3)
  python3-yaml                        # tests/deploy: the alert rules and Kubernetes manifests parse
  chromium fonts-dejavu-core          # the dashboard's real-browser test (tests/dashboard/)
  iproute2 nftables                   # chorus chaos's network mode: namespaces, partitions, loss
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi

# The dashboard test drives Chromium with playwright-core from the npm registry (pinned in
# tests/dashboard/package-lock.json). Node and npm come with the machine; Debian's are the
# fallback.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [ ! -d "$(dirname "$0")/../tests/dashboard/node_modules/playwright-core" ]; then
  (cd "$(dirname "$0")/../tests/dashboard" && npm ci --no-audit --no-fund --loglevel=error)
fi
