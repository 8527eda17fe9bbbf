#!/usr/bin/env bash
# The README's test command: installs everything, builds, checks types, runs every test,
# and ends with one line `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
pnpm turbo run build typecheck lint --output-logs=errors-only
status=0
pnpm vitest run --reporter=default --reporter=json --outputFile.json=.vitest-report.json || status=$?
node -e 'const r=require("./.vitest-report.json");console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)'
exit $status
