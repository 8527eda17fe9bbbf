#!/usr/bin/env bash
# Installs the pinned toolchain and the workspace's dependencies on a machine that has only
# Node 20 and npm. Sourced by test.sh and demo.sh. See ../shared docs/toolchain.md for why.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
# pnpm (>=11) ignores nodedir in ~/.npmrc: give node-gyp the local headers, or it tries nodejs.org.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then export npm_config_nodedir=/usr; fi
export npm_config_build_from_source=true   # skip prebuild-install's GitHub download attempt
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != 12.4.2 ]; then
  npm i -g -E pnpm@12.4.2 >/dev/null 2>&1 || npm i -g -E pnpm@12.4.2
fi
pnpm install --frozen-lockfile --reporter=silent
