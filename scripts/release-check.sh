#!/usr/bin/env bash
# The release check (.ci/run calls it before the tests): builds, then scripts/release-check.mjs
# proves in a throwaway copy that `changeset version` bumps only public packages, that
# `pnpm publish -r --dry-run` offers exactly them, and that each packs with what its manifest
# promises. Publishes nothing, changes nothing in the checkout. Exit 1 with the problems listed.
set -uo pipefail
cd "$(dirname "$0")/.."
pnpm turbo run build --output-logs=errors-only >/dev/null 2>&1 || { echo "release check: the build failed" >&2; exit 1; }
node scripts/release-check.mjs
