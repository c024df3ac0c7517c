#!/usr/bin/env bash
# Sets up, builds and runs the gateway on its embedded default configuration
# (the push stream module's reference layout). Extra arguments go to pushgw,
# e.g. scripts/run.sh --http_listen=127.0.0.1:9990 --config=config/limits.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The commit goes into pushgw_build_info; only main.cc is recompiled when it changes.
bazel build --config=opt "--per_file_copt=app/main.cc@-DPUSHGW_COMMIT=\"${commit}\"" //:pushgw
exec bazel-bin/app/pushgw --static_root=web "$@"
