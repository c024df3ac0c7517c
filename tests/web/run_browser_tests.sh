#!/usr/bin/env bash
# Runs the browser tests (node --test client.test.js pages.test.js) against the
# pushgw binary given as $1, serving web/ as its static root. Under Bazel the target
# is tagged "local", so the runfiles are symlinks into the source tree and
# node_modules (npm ci by scripts/setup.sh) sits beside the real files.
set -euo pipefail
dir=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")

if [[ ! -d "$dir/node_modules/playwright-core" ]]; then
  echo "FAIL: $dir/node_modules is missing: run scripts/setup.sh (npm ci in tests/web)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "FAIL: node is not installed (Node.js 20+)" >&2; exit 1; }
[[ -x /usr/bin/chromium ]] || { echo "FAIL: /usr/bin/chromium is missing (scripts/setup.sh installs it)" >&2; exit 1; }

PUSHGW_BIN=$(readlink -f "${1:?usage: run_browser_tests.sh PUSHGW_BINARY}")
# web/ as Bazel staged it (//web), resolved to the source directory.
if [[ -e web/index.html ]]; then
  PUSHGW_WEB=$(dirname "$(readlink -f web/index.html)")
else
  PUSHGW_WEB=$(readlink -f "$dir/../../web")
fi
export PUSHGW_BIN PUSHGW_WEB
# Chromium writes caches and crash reports under HOME: keep them in the test's tmp.
if [[ -n "${TEST_TMPDIR:-}" ]]; then
  export HOME="$TEST_TMPDIR" XDG_CONFIG_HOME="$TEST_TMPDIR/.config" XDG_CACHE_HOME="$TEST_TMPDIR/.cache"
fi

cd "$dir"
reporters=(--test-reporter=spec --test-reporter-destination=stdout)
if [[ -n "${XML_OUTPUT_FILE:-}" ]]; then
  reporters+=(--test-reporter=junit "--test-reporter-destination=$XML_OUTPUT_FILE")
fi
exec node --test --test-concurrency=1 "${reporters[@]}" client.test.js pages.test.js
