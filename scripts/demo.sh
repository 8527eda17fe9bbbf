#!/usr/bin/env bash
# The README's main-job command: installs, builds the CLI, and runs `skein demo` on a fresh
# temporary home (pass --home DIR to keep it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh >/dev/null
pnpm turbo run build --filter=@skein/cli... --output-logs=errors-only >/dev/null
exec node packages/cli/dist/bin.js demo "$@"
