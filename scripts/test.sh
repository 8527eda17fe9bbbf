#!/usr/bin/env bash
# The README's test command: installs everything, builds, checks types, runs every test,
# and always ends with one line `N passed, N failed` (a failed build counts as one failure).
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f .vitest-report.json
summary() {
  if [ -f .vitest-report.json ]; then
    node -e 'const r=require("./.vitest-report.json");console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)'
  else
    echo "0 passed, 1 failed"
  fi
}
fail() { echo "$1" >&2; summary; exit 1; }
source scripts/bootstrap.sh || fail "install failed"
pnpm turbo run build typecheck lint --output-logs=errors-only || fail "build, typecheck or lint failed"
status=0
# Everything is built: suites that build for their child processes skip it (no concurrent
# rebuild, not even a cache replay, while other suites' children import dist/).
export SKEIN_SKIP_TEST_BUILDS=1 SKEIN_CLI_SKIP_BUILD=1 SKEIN_TORTURE_SKIP_BUILD=1
pnpm vitest run --reporter=default --reporter=json --outputFile.json=.vitest-report.json || status=$?
summary
exit $status
