#!/usr/bin/env bash
# The README's test command: installs everything (the workspace, and on a Debian machine as
# root the system tools some suites need), builds, checks types, runs every test, and always
# ends with one line `N passed, N failed, N skipped` (a failed build counts as one failure;
# every skipped test is listed above it). With SKEIN_NO_SKIP=1 (.ci/run sets it) a skipped
# test counts as failed and the exit code is non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f .vitest-report.json
summary() { node scripts/test-summary.cjs .vitest-report.json "${1:-0}"; }
fail() { echo "$1" >&2; rm -f .vitest-report.json; summary 1; exit 1; }
source scripts/test-deps.sh
source scripts/bootstrap.sh || fail "install failed"
pnpm turbo run build typecheck lint --output-logs=errors-only || fail "build, typecheck or lint failed"
status=0
# Everything is built: suites that build for their child processes skip it (no concurrent
# rebuild, not even a cache replay, while other suites' children import dist/).
export SKEIN_SKIP_TEST_BUILDS=1 SKEIN_CLI_SKIP_BUILD=1 SKEIN_TORTURE_SKIP_BUILD=1
pnpm vitest run --reporter=default --reporter=json --outputFile.json=.vitest-report.json || status=$?
summary || status=1
exit $status
