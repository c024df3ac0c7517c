#!/usr/bin/env bash
# Sets up, builds and runs the gateway on its embedded default configuration
# (the push stream module's reference layout). Extra arguments go to pushgw,
# e.g. scripts/run.sh --http_listen=127.0.0.1:9990 --config=config/limits.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build
bazel build --config=opt //:pushgw
exec bazel-bin/app/pushgw --static_root=web "$@"
