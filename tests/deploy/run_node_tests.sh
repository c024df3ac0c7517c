#!/usr/bin/env bash
# Runs the node tests of tests/deploy (node --test) in the source tree, where
# scripts/setup.sh installed their npm packages. Under Bazel the target is
# tagged "local" (no sandbox), so this script's runfile is a symlink into the
# source tree and node_modules sits beside the real file.
#   run_node_tests.sh              every *.test.mjs but live.test.mjs
#   run_node_tests.sh PUSHGW_BIN   live.test.mjs against that binary
set -euo pipefail
dir=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")

if [[ ! -d "$dir/node_modules/kubernetes-models" ]]; then
  echo "FAIL: $dir/node_modules is missing: run scripts/setup.sh (npm ci in tests/deploy)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "FAIL: node is not installed (Node.js 18+)" >&2; exit 1; }

if (($# > 0)); then
  PUSHGW_BIN=$(readlink -f "$1")
  export PUSHGW_BIN
  tests=(live.test.mjs)
else
  tests=()
  for f in "$dir"/*.test.mjs; do
    [[ "$(basename "$f")" == live.test.mjs ]] || tests+=("$(basename "$f")")
  done
fi
cd "$dir"
exec node --test "${tests[@]}"
