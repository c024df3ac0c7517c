#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test pushgw.
# Idempotent: packages already present are skipped; nothing is downloaded at
# build time (Bazel uses only these Debian packages).
#   scripts/setup.sh            build + unit/integration test dependencies
#   scripts/setup.sh --all      also the browser, Redis and benchmark tools
set -euo pipefail

# Build: Debian's Bazel and every C++ dependency (see WORKSPACE).
BUILD_PACKAGES=(
  bazel-bootstrap g++ git pkg-config
  libboost1.81-dev libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  libabsl-dev prometheus-cpp-dev libgtest-dev libgmock-dev libyaml-cpp-dev libssl-dev
)
# Tests: tools the integration tests drive as real processes.
TEST_PACKAGES=(curl python3 openssl)
# Extras for browser tests, clustering and benchmarks (later issues).
EXTRA_PACKAGES=(redis-server chromium nodejs npm prometheus wrk nginx-light libnginx-mod-nchan)

want=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
if [[ "${1:-}" == "--all" ]]; then want+=("${EXTRA_PACKAGES[@]}"); fi

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # Never libboost-dev / libboost-all-dev: they pull Boost 1.74, which conflicts with 1.81.
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
