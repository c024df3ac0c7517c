#!/usr/bin/env bash
# Sets up, builds and runs every test: the whole suite, then the core and edge
# tests again under AddressSanitizer+UBSan and ThreadSanitizer.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

log=$(mktemp)
status=0
run() {
  echo "+ bazel test $*"
  bazel test "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  if ((rc != 0)); then status=$rc; fi
}

run //...
run --config=asan //tests/core/... //tests/gateway/... //tests/config/... //tests/control/... //tests/metrics/...
run --config=tsan //tests/core/... //tests/gateway/...

passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log")
rm -f "$log"
echo
echo "targets: ${passed} passed, ${failed} failed"
if ((status == 0 && failed > 0)); then status=1; fi
exit $status
