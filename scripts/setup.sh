#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test pushgw.
# Idempotent: packages already present are skipped; nothing is downloaded at
# build time (Bazel uses only these Debian packages).
#   scripts/setup.sh            build + test dependencies (what scripts/test.sh needs)
#   scripts/setup.sh --build    build dependencies only (what scripts/run.sh needs)
#   scripts/setup.sh --bench    also the benchmark's tools (nginx + nchan, wrk, gnuplot)
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: Debian's Bazel and every C++ dependency (see WORKSPACE).
BUILD_PACKAGES=(
  bazel-bootstrap g++ git pkg-config
  libboost1.81-dev libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  libabsl-dev prometheus-cpp-dev libgtest-dev libgmock-dev libyaml-cpp-dev libssl-dev
)
# Tests: real peers the tests drive (curl, openssl for test CAs, promtool for
# the metrics format, redis-server for clustering, Chromium for browser tests).
TEST_PACKAGES=(curl python3 openssl prometheus redis-server chromium)
# Benchmark: nchan (side by side), wrk, plots.
BENCH_PACKAGES=(nginx-light libnginx-mod-nchan wrk gnuplot-nox)

mode="${1:-test}"
want=("${BUILD_PACKAGES[@]}")
case "$mode" in
  --build) ;;
  --bench) want+=("${TEST_PACKAGES[@]}" "${BENCH_PACKAGES[@]}") ;;
  *) want+=("${TEST_PACKAGES[@]}") ;;
esac

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

# The packaged services must not keep running in the background: tests start
# their own instances on their own ports.
for svc in redis-server nginx prometheus; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
done

# npm packages for the browser tests (playwright-core drives Debian's Chromium;
# it never downloads a browser) and for the Kubernetes manifest validation
# (schemas, offline). Pinned by each directory's package-lock.json.
npm_ci() {  # DIR MARKER: runs `npm ci` in DIR unless DIR/node_modules/MARKER exists
  [[ -f "$1/package.json" && ! -d "$1/node_modules/$2" ]] || return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is missing (Node.js 18+ is needed for the browser and manifest tests)" >&2
    exit 1
  fi
  echo "setup: npm ci in $1"
  (cd "$1" && npm ci --no-audit --no-fund --silent)
}
if [[ "$mode" != "--build" ]]; then
  npm_ci tests/web playwright-core
  npm_ci tests/deploy kubernetes-models
fi
